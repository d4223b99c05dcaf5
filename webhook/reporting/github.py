"""``-o github``: GitHub Actions workflow commands, one annotation per diagnostic."""

from __future__ import annotations

from webhook.diagnostics import Severity
from webhook.lint import LintResult

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render_github(result: LintResult) -> str:
    lines = []
    for d in result.diagnostics:
        props = []
        if d.file:
            props.append(f"file={_escape_property(d.file)}")
        if d.line:
            props.append(f"line={d.line}")
        if d.column:
            props.append(f"col={d.column}")
        props.append(f"title={_escape_property('argo-warden ' + d.code)}")
        message = d.message if not d.hint else f"{d.message}\nhint: {d.hint}"
        if d.path:
            message = f"{message}\nat {d.path}"
        lines.append(f"::{_LEVEL[d.severity]} {','.join(props)}::{_escape_data(message)}")
    s = result.summary()
    lines.append(f"argo-warden: {_count(s['errors'], 'error')}, {_count(s['warnings'], 'warning')} "
                 f"in {_count(s['files'], 'file')}")
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
