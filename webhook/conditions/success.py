"""``evaluate_success``: whether an HTTP step succeeded, with upstream Argo's rules and messages."""

from __future__ import annotations

from webhook.conditions.compiling import compile_condition
from webhook.conditions.environment import HeaderInput, http_environment
from webhook.conditions.errors import ConditionError
from webhook.conditions.values import format_value, type_name


def evaluate_success(
    text: str | None,
    status: int,
    headers: HeaderInput = None,
    body: bytes | str | None = b"",
    *,
    request_method: str = "GET",
    request_url: str = "",
    request_body: str | None = "",
    request_headers: HeaderInput = None,
    request_body_bytes: bytes | None = None,
) -> tuple[bool, str]:
    """(succeeded, message). No condition: success means a 2xx status. Otherwise the condition
    must give true; false, a non-boolean or an error fail the step with a message saying which.
    """
    if text is None or text == "":
        if 200 <= status < 300:
            return True, ""
        return False, f"received non-2xx response code: {status}"
    try:
        compiled = compile_condition(text)
    except ConditionError as exc:
        return False, f"successCondition '{text}' does not compile: {exc.message}"
    env = http_environment(status, headers, body, request_method=request_method, request_url=request_url,
                           request_body=request_body, request_headers=request_headers,
                           request_body_bytes=request_body_bytes)
    try:
        result = compiled.evaluate(env)
    except ConditionError as exc:
        return False, f"unable to evaluate expression '{text}': {exc.message}"
    if result is True:
        return True, ""
    if result is False:
        return False, f"successCondition '{text}' evaluated false"
    return False, (f"successCondition '{text}' gives {type_name(result)} {format_value(result)[:80]!r}, "
                   "not a boolean")
