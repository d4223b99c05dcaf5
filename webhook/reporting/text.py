"""``-o text``: ``file:line:col: severity[CODE] message``, the source line with a caret, a hint."""

from __future__ import annotations

from functools import lru_cache

from webhook.diagnostics import Diagnostic, Severity
from webhook.lint import LintResult
from webhook.positions import line_starts

_COLOR = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m", Severity.INFO: "\x1b[1;36m"}
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_BLUE = "\x1b[1;34m"
_RESET = "\x1b[0m"
CONCEALED = "<credential not shown>"


@lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    """Line starts of one file's text, found once: scanning from the top for each finding was quadratic
    (a 7.8 MB file with many findings took over two minutes to report). The cache finds the very text
    object it was given (a str keeps its hash), so a repeat lookup costs nothing."""
    return line_starts(text)


def _source_line(text: str, line: int) -> str | None:
    starts = _line_starts(text)
    line = max(line, 1)  # as the scan from the top gave for line 0
    if line > len(starts):
        return None
    start = starts[line - 1]
    end = starts[line] - 1 if line < len(starts) else len(text)
    return text[start:end].rstrip("\r")


def _where(d: Diagnostic) -> str:
    # A finding about the whole run (no Argo document at all) has no file.
    where = d.file or "argo-warden"
    if d.line is not None:
        where += f":{d.line}"
        if d.column is not None:
            where += f":{d.column}"
    return where


def render_diagnostic(d: Diagnostic, text: str | None, *, color: bool) -> list[str]:
    def c(code: str, s: str) -> str:
        return f"{code}{s}{_RESET}" if color else s

    sev = c(_COLOR[d.severity], f"{d.severity}[{d.code}]")
    head = f"{c(_BOLD, _where(d))}: {sev}: {d.message}"
    out = [head]
    gutter = " " * len(str(d.line or ""))
    if text is not None and d.line is not None:
        src = _source_line(text, d.line)
        if src is not None:
            shown = src.expandtabs(1)
            col = max((d.column or 1) - 1, 0)
            width = max(1, min(d.length, max(len(shown) - col, 1)))
            if d.concealed:
                # The rest of the line is the credential itself (a scalar, perhaps quoted).
                shown = shown[:col] + CONCEALED
                width = len(CONCEALED)
            # Very long lines (minified JSON) are cut around the caret.
            if len(shown) > 160:
                lo = max(0, col - 60)
                shown = ("…" if lo else "") + shown[lo : lo + 140] + "…"
                col = col - lo + (1 if lo else 0)
                width = min(width, 140)
            out.append(c(_BLUE, f"{gutter} |"))
            out.append(c(_BLUE, f"{d.line} |") + f" {shown}")
            out.append(c(_BLUE, f"{gutter} |") + " " + " " * col + c(_COLOR[d.severity], "^" * width))
    if d.path:
        out.append(c(_DIM, f"{gutter} = at {d.path}"))
    if d.hint:
        out.append(f"{gutter} = {c(_BOLD, 'hint')}: {d.hint}")
    return out


def render_text(result: LintResult, *, color: bool = False) -> str:
    lines: list[str] = []
    for d in result.diagnostics:
        lines.extend(render_diagnostic(d, result.texts.get(d.file or ""), color=color))
        lines.append("")
    s = result.summary()
    noun = "file" if s["files"] == 1 else "files"
    summary = (
        f"{s['errors']} error{'s' if s['errors'] != 1 else ''}, "
        f"{s['warnings']} warning{'s' if s['warnings'] != 1 else ''} "
        f"in {s['files']} {noun} ({s['documents']} Argo document{'s' if s['documents'] != 1 else ''} checked"
        f"{', ' + str(s['skipped']) + ' other skipped' if s['skipped'] else ''}"
        f"{', ' + str(result.excluded) + ' excluded by the configuration' if result.excluded else ''})"
    )
    lines.append(summary)
    return "\n".join(lines)
