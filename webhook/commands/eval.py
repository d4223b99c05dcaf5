"""``argo-warden eval 'CONDITION' [--status N] [--body FILE|-] [--header K:V]... [--response FILE.json]``.

Evaluates a successCondition against a response (given piece by piece or as a
saved ``{"statusCode", "headers", "body", "request"}`` file) exactly as Argo's
agent does, and prints Argo's answer and the portable form. Exit 0 when true,
1 when false, 2 on any error (bad flags, unreadable or malformed files, a
condition expr does not compile or that fails while running, a result that is
not a boolean: Argo fails the step with the error). The checker's findings
(argo-warden knows what request and response hold) are printed on stderr as
warnings beside the answer; ``-o json`` carries them apart (``argo``/``result``
and ``issues``). A condition in argo-warden's dialect is answered for its
portable form, the text Argo runs once argo-warden's webhook has rewritten it;
what Argo makes of the text as written is reported too (``as_written``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from webhook.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from webhook.conditions.answers import (
    InputError,
    error_line,
    error_report,
    evaluate,
    json_report,
    saved_response,
)

MAX_BODY = 16 * 1024 * 1024


def run(args: argparse.Namespace) -> int:
    from webhook.conditions import ConditionError
    from webhook.conditions.argo import COMPILE, NOT_BOOLEAN, RUNTIME
    from webhook.conditions.errors import ConditionSyntaxError
    from webhook.conditions.values import format_value, type_name

    text: str = args.condition
    try:
        response = _response(args)
    except InputError as exc:
        return _fail(args, str(exc))
    parts = (response["status"], response["headers"], response["body"], response["request"])
    if args.output == "json":
        report = json_report(text, *parts)
        print(json.dumps(report))
        return _exit(report["argo"]["outcome"]) if "argo" in report else EXIT_USAGE
    try:
        done = evaluate(text, *parts)
    except ConditionError as exc:
        return _fail(args, f"the condition does not parse: {exc.message}", text, exc.start, exc.end, exc.hint)
    outcome, written = done.outcome, done.written
    _report(args, done.issues, text)
    if written is not outcome:
        print(f"argo-warden eval: as written, Argo gives {_kind_words(written.kind)}"
              f"{': ' + written.error.message if written.error is not None else ''}"
              " (the portable form below is what runs once argo-warden's webhook rewrites it)", file=sys.stderr)
    if outcome.kind in (COMPILE, RUNTIME, NOT_BOOLEAN):
        error = outcome.error
        syntax = isinstance(error, ConditionSyntaxError)
        return _fail(args, error_line(outcome, type_name, format_value), text,
                     error.start if error is not None else 0, error.end if error is not None else len(text),
                     error.hint if syntax and error is not None else None)
    print("true" if outcome.value else "false")
    print(f"portable: {done.portable}")
    return _exit(outcome.kind)


def _exit(kind: str) -> int:
    return EXIT_OK if kind == "true" else EXIT_FINDINGS if kind == "false" else EXIT_USAGE


def _kind_words(kind: str) -> str:
    return {"true": "true", "false": "false", "compile-error": "a compile error", "runtime-error": "a runtime error",
            "not-boolean": "a value that is not a boolean"}[kind]


def _response(args: argparse.Namespace) -> dict[str, Any]:
    status, body = 200, b""
    headers: list[tuple[str, str]] = []
    request: dict[str, Any] = {}
    if args.response:
        saved = _load_json(args.response)
        status, headers, body, request = saved_response(saved, f"--response {args.response}")
    if args.status is not None:
        status = args.status
    if not 100 <= status <= 999:
        raise InputError(f"--status {status}: an HTTP status is a number from 100 to 999")
    if args.body is not None:
        body = _read(args.body, "--body")
    headers = [*headers, *(_header(h) for h in args.header)]
    return {"status": status, "headers": headers, "body": body, "request": request}


def _read(path: str, flag: str) -> bytes:
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_BODY + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BODY + 1)
    except OSError as exc:
        raise InputError(f"{flag} {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BODY:
        raise InputError(f"{flag} {path}: larger than {MAX_BODY // (1024 * 1024)} MiB")
    return data


def _load_json(path: str) -> Any:
    data = _read(path, "--response")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise InputError(f"--response {path}: not valid JSON{where}") from None


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not name:
        raise InputError(f"--header {text!r}: write it as Name:value")
    if any(c.isspace() or not c.isprintable() for c in name):
        raise InputError(f"--header {text!r}: a header name cannot contain spaces")
    return name, value.strip()


def _report(args: argparse.Namespace, issues: list[Any], text: str) -> None:
    # eval answers as Argo does; the checker's findings are warnings beside that answer, whatever lint makes of them.
    if args.output == "json":
        return
    for issue in issues:
        print(f"warning[{issue.code}]: {issue.message}", file=sys.stderr)
        for line in _caret(text, issue.start, issue.end):
            print(line, file=sys.stderr)
        if issue.hint:
            print(f"  hint: {issue.hint}", file=sys.stderr)


def _caret(text: str, start: int | None, end: int | None) -> list[str]:
    """The line of ``text`` holding ``start``, and a caret line under ``[start, end)``."""
    if start is None:
        return []
    start = max(0, min(start, len(text)))
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end]
    column = start - line_start
    width = max(1, min((end or start + 1), line_end) - start)
    prefix = "".join("\t" if c == "\t" else " " for c in line[:column])
    return [f"  {line}", f"  {prefix}{'^' * width}"]


def _fail(args: argparse.Namespace, message: str, text: str | None = None, start: int | None = None,
          end: int | None = None, hint: str | None = None, issues: list[Any] | None = None) -> int:
    if args.output == "json":
        print(json.dumps(error_report(message, start, end, hint, issues or [])))
        return EXIT_USAGE
    if issues:
        _report(args, issues, text or "")
    column = f" (column {start - (text or '').rfind(chr(10), 0, start)})" if text is not None and start is not None \
        else ""
    print(f"argo-warden eval: {message}{column}", file=sys.stderr)
    if text is not None:
        for line in _caret(text, start, end):
            print(line, file=sys.stderr)
    if hint:
        print(f"  hint: {hint}", file=sys.stderr)
    return EXIT_USAGE


