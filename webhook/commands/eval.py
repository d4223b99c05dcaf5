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
from dataclasses import dataclass
from typing import Any

from webhook.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

MAX_BODY = 16 * 1024 * 1024
_RESPONSE_KEYS = ("statusCode", "headers", "body", "request")
_REQUEST_KEYS = ("method", "url", "body", "headers")


class InputError(Exception):
    """A flag or input file is unusable; the message is one line."""


@dataclass(frozen=True, slots=True)
class Evaluated:
    """A condition run against one response: Argo's answer for what runs, and for the text as written."""

    portable: str
    issues: list[Any]
    outcome: Any
    written: Any


def evaluate(text: str, status: int, headers: list[tuple[str, str]], body: bytes,
             request: dict[str, Any]) -> Evaluated:
    """Run ``text`` as Argo's agent would; ``ConditionError`` if it does not parse.

    ``request`` holds ``http_environment``'s keyword arguments for the request, as ``saved_response`` gives them.
    """
    from webhook.conditions import check_condition, http_environment, to_portable
    from webhook.conditions.argo import argo_outcome

    portable = to_portable(text)
    issues = check_condition(text)
    env = http_environment(status, headers, body, **request)
    # A dialect condition runs as its portable form (argo-warden's webhook rewrites it before Argo sees it);
    # what Argo makes of the text as written is reported beside it.
    outcome = argo_outcome(text, env, dialect=True)
    written = argo_outcome(text, env) if portable != text else outcome
    return Evaluated(portable, issues, outcome, written)


def json_report(text: str, status: int, headers: list[tuple[str, str]], body: bytes,
                request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``eval -o json``'s exit code and object (the web page's condition box answers the same object)."""
    from webhook.conditions import ConditionError
    from webhook.conditions.argo import NOT_BOOLEAN
    from webhook.conditions.values import format_value, type_name

    try:
        done = evaluate(text, status, headers, body, request)
    except ConditionError as exc:
        return EXIT_USAGE, _error_report(f"the condition does not parse: {exc.message}", exc.start, exc.end,
                                         exc.hint, [])
    outcome, text_changed = done.outcome, done.portable != text
    report: dict[str, Any] = {"result": outcome.value if outcome.kind in ("true", "false") else None,
                              "argo": _outcome_dict(outcome), "portable": done.portable, "changed": text_changed,
                              "issues": [_issue_dict(i) for i in done.issues], "error": None}
    if done.written is not outcome:
        report["as_written"] = _outcome_dict(done.written)
    if outcome.error is not None or outcome.kind == NOT_BOOLEAN:
        report["error"] = {"message": _error_line(outcome, type_name, format_value)}
        if outcome.error is not None and outcome.error.start is not None:
            report["error"].update(start=outcome.error.start, end=outcome.error.end)
    return _exit(outcome.kind), report


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
        code, report = json_report(text, *parts)
        print(json.dumps(report))
        return code
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
        return _fail(args, _error_line(outcome, type_name, format_value), text,
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


def _error_line(outcome: Any, type_name: Any, format_value: Any) -> str:
    from webhook.conditions.errors import ConditionSyntaxError

    if outcome.kind == "not-boolean":
        shown = format_value(outcome.value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        return f"the condition gives {type_name(outcome.value)} {shown!r}, not a boolean (Argo fails the step)"
    error = outcome.error
    if isinstance(error, ConditionSyntaxError):
        return f"the condition does not parse: {error.message}"
    if outcome.kind == "compile-error":
        return f"Argo does not compile the condition: {error.message}"
    return f"the condition fails in Argo: {error.message}"


def _outcome_dict(outcome: Any) -> dict[str, Any]:
    return {"outcome": outcome.kind, "phase": outcome.phase, "message": outcome.message}


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


def saved_response(saved: Any, where: str) -> tuple[int, list[tuple[str, str]], bytes, dict[str, Any]]:
    """A saved ``{"statusCode", "headers", "body", "request"}`` object; ``InputError`` if it is not one."""
    if not isinstance(saved, dict):
        raise InputError(f"{where}: expected a JSON object with {', '.join(_RESPONSE_KEYS)}")
    unknown = sorted(set(saved) - set(_RESPONSE_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (the keys are {', '.join(_RESPONSE_KEYS)})")
    status = saved.get("statusCode", 200)
    if type(status) is not int:
        raise InputError(f"{where}: statusCode must be a whole number")
    headers = _headers(saved.get("headers"), f"{where}: headers")
    body = _body(saved.get("body", ""))
    request: dict[str, Any] = {}
    raw_request = saved.get("request")
    if raw_request is not None:
        if not isinstance(raw_request, dict):
            raise InputError(f"{where}: request must be an object with {', '.join(_REQUEST_KEYS)}")
        unknown = sorted(set(raw_request) - set(_REQUEST_KEYS))
        if unknown:
            raise InputError(f"{where}: unknown request key {unknown[0]!r} (the keys are {', '.join(_REQUEST_KEYS)})")
        for key in ("method", "url"):
            if key in raw_request and not isinstance(raw_request[key], str):
                raise InputError(f"{where}: request.{key} must be a string")
        request = {
            "request_method": raw_request.get("method", "GET"),
            "request_url": raw_request.get("url", ""),
            "request_body": _body(raw_request.get("body", "")).decode("utf-8", "replace"),
            "request_headers": _headers(raw_request.get("headers"), f"{where}: request.headers"),
        }
    return status, headers, body, request


def _headers(value: Any, where: str) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise InputError(f"{where} must be an object of name → value or list of values")
    pairs: list[tuple[str, str]] = []
    for name, values in value.items():
        items = values if isinstance(values, list) else [values]
        for item in items:
            if not isinstance(item, str):
                raise InputError(f"{where}: {name!r} must be a string or a list of strings")
            pairs.append((name, item))
    return pairs


def _body(value: Any) -> bytes:
    # A saved body is text; a JSON value stands for the text that encodes it.
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not name:
        raise InputError(f"--header {text!r}: write it as Name:value")
    if any(c.isspace() or not c.isprintable() for c in name):
        raise InputError(f"--header {text!r}: a header name cannot contain spaces")
    return name, value.strip()


def _issue_dict(issue: Any) -> dict[str, Any]:
    return {"code": issue.code, "severity": str(issue.severity), "message": issue.message, "hint": issue.hint,
            "start": issue.start, "end": issue.end}


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
        print(json.dumps(_error_report(message, start, end, hint, issues or [])))
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


def _error_report(message: str, start: int | None, end: int | None, hint: str | None,
                  issues: list[Any]) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if start is not None:
        error.update(start=start, end=end)
    if hint:
        error["hint"] = hint
    return {"result": None, "error": error, "issues": [_issue_dict(i) for i in issues]}
