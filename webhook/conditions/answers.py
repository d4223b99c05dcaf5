"""A condition against one saved response, answered as Argo's agent answers it, with the checker's findings.

The core of ``argo-warden eval``: the command prints it, and ``-o json`` and the
web page's condition box give the object ``json_report`` builds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

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
                request: dict[str, Any]) -> dict[str, Any]:
    """``eval -o json``'s object (the web page's condition box answers the same object).

    ``argo.outcome`` is the kind of Argo's answer; without ``argo`` the condition did not parse.
    """
    from webhook.conditions import ConditionError
    from webhook.conditions.argo import NOT_BOOLEAN
    from webhook.conditions.values import format_value, type_name

    try:
        done = evaluate(text, status, headers, body, request)
    except ConditionError as exc:
        return error_report(f"the condition does not parse: {exc.message}", exc.start, exc.end, exc.hint, [])
    outcome, text_changed = done.outcome, done.portable != text
    report: dict[str, Any] = {"result": outcome.value if outcome.kind in ("true", "false") else None,
                              "argo": outcome_dict(outcome), "portable": done.portable, "changed": text_changed,
                              "issues": [issue_dict(i) for i in done.issues], "error": None}
    if done.written is not outcome:
        report["as_written"] = outcome_dict(done.written)
    if outcome.error is not None or outcome.kind == NOT_BOOLEAN:
        report["error"] = {"message": error_line(outcome, type_name, format_value)}
        if outcome.error is not None and outcome.error.start is not None:
            report["error"].update(start=outcome.error.start, end=outcome.error.end)
    return report


def error_line(outcome: Any, type_name: Any, format_value: Any) -> str:
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


def outcome_dict(outcome: Any) -> dict[str, Any]:
    return {"outcome": outcome.kind, "phase": outcome.phase, "message": outcome.message}


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


def issue_dict(issue: Any) -> dict[str, Any]:
    return {"code": issue.code, "severity": str(issue.severity), "message": issue.message, "hint": issue.hint,
            "start": issue.start, "end": issue.end}


def error_report(message: str, start: int | None, end: int | None, hint: str | None,
                  issues: list[Any]) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if start is not None:
        error.update(start=start, end=end)
    if hint:
        error["hint"] = hint
    return {"result": None, "error": error, "issues": [issue_dict(i) for i in issues]}
