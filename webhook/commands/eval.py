"""``argo-warden eval 'CONDITION' [--status N] [--body FILE|-] [--header K:V]... [--response FILE.json]``.

Evaluates a successCondition against a response (given piece by piece or as a
saved ``{"statusCode", "headers", "body", "request"}`` file) and prints the
result and the portable form. Exit 0 when true, 1 when false, 2 on any error
(bad flags, unreadable or malformed files, a condition that does not parse or
fails while running, a result that is not a boolean). Problems the checker finds
are printed on stderr; the condition is still evaluated, as upstream would.
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
class Outcome:
    """What evaluating a condition against a response came to; ``as_json`` is ``eval -o json``'s object.

    ``error`` is set (and ``result`` None) when the condition does not parse, would not
    compile in Argo, fails while running or gives something other than a boolean.
    """

    text: str
    result: bool | None = None
    portable: str = ""
    issues: tuple[Any, ...] = ()
    error: str | None = None
    start: int | None = None
    end: int | None = None
    hint: str | None = None
    # Errors for which Argo would refuse to compile it (the CLI's text output lists them all).
    refused: int = 0

    def as_json(self) -> dict[str, Any]:
        issues = [_issue_dict(i) for i in self.issues]
        if self.error is None:
            return {"result": self.result, "portable": self.portable, "changed": self.portable != self.text,
                    "issues": issues, "error": None}
        error: dict[str, Any] = {"message": self.error}
        if self.start is not None:
            error.update(start=self.start, end=self.end)
        if self.hint:
            error["hint"] = self.hint
        return {"result": None, "error": error, "issues": issues}


def evaluate(text: str, status: int, headers: list[tuple[str, str]], body: bytes,
             request: dict[str, Any]) -> Outcome:
    """The condition ``text`` against one response, as ``argo-warden eval`` and the web page's playground show it.

    ``request`` holds the keyword arguments of ``http_environment`` for the request
    (``request_method``, ``request_url``, …), as ``saved_response`` returns them.
    """
    from webhook.conditions import ConditionError, check_condition, compile_condition, http_environment, to_portable
    from webhook.conditions.values import format_value, type_name
    from webhook.diagnostics import Severity

    try:
        compiled = compile_condition(text)
        portable = to_portable(text)
    except ConditionError as exc:
        return Outcome(text, error=f"the condition does not parse: {exc.message}", start=exc.start, end=exc.end,
                       hint=exc.hint)
    issues = tuple(check_condition(text))
    errors = [i for i in issues if i.severity is Severity.ERROR]
    if errors:
        # expr-lang compiles before it evaluates: Argo ends such a step in Error, never with true or false.
        return Outcome(text, issues=issues, refused=len(errors),
                       error=f"Argo would refuse to compile the condition ({_errors(len(errors))}): "
                             f"{errors[0].message}",
                       start=errors[0].start, end=errors[0].end, hint=errors[0].hint)
    env = http_environment(status, headers, body, **request)
    try:
        value = compiled.evaluate(env)
    except ConditionError as exc:
        return Outcome(text, issues=issues, error=f"the condition fails: {exc.message}", start=exc.start,
                       end=exc.end)
    if type(value) is not bool:
        shown = format_value(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        return Outcome(text, issues=issues, error=f"the condition gives {type_name(value)} {shown!r}, not a boolean",
                       start=0, end=len(text))
    return Outcome(text, result=value, portable=portable, issues=issues)


def _errors(count: int) -> str:
    return f"{count} error{'s' if count != 1 else ''}"


def run(args: argparse.Namespace) -> int:
    text: str = args.condition
    try:
        response = _response(args)
    except InputError as exc:
        return _fail(args, str(exc))
    outcome = evaluate(text, response["status"], response["headers"], response["body"], response["request"])
    if outcome.error is not None:
        if outcome.refused and args.output != "json":
            _report(args, list(outcome.issues), text)
            print(f"argo-warden eval: Argo would refuse to compile the condition ({_errors(outcome.refused)} above)",
                  file=sys.stderr)
            return EXIT_USAGE
        return _fail(args, outcome.error, text, outcome.start, outcome.end, outcome.hint,
                     issues=list(outcome.issues))
    _report(args, list(outcome.issues), text)
    if args.output == "json":
        print(json.dumps(outcome.as_json()))
    else:
        print("true" if outcome.result else "false")
        print(f"portable: {outcome.portable}")
    return EXIT_OK if outcome.result else EXIT_FINDINGS


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
    """A saved ``{"statusCode", "headers", "body", "request"}`` object; ``InputError`` (``InputError``) if not."""
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
    if args.output == "json":
        return
    for issue in issues:
        print(f"{issue.severity}[{issue.code}]: {issue.message}", file=sys.stderr)
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
        error: dict[str, Any] = {"message": message}
        if start is not None:
            error.update(start=start, end=end)
        if hint:
            error["hint"] = hint
        print(json.dumps({"result": None, "error": error,
                          "issues": [_issue_dict(i) for i in issues or []]}))
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
