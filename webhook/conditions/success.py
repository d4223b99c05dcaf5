"""``evaluate_success``: whether an HTTP step succeeded, with upstream Argo's rules and messages."""

from __future__ import annotations

from webhook.conditions.argo import argo_outcome
from webhook.conditions.environment import HeaderInput, http_environment


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
    must give true; false, a non-boolean or an error (expr's compile or runtime error) fail the
    step with Argo's message for it.
    """
    if text is None or text == "":
        if 200 <= status < 300:
            return True, ""
        return False, f"received non-2xx response code: {status}"
    env = http_environment(status, headers, body, request_method=request_method, request_url=request_url,
                           request_body=request_body, request_headers=request_headers,
                           request_body_bytes=request_body_bytes)
    # Argo's own outcome and message; the seed dialect runs as its portable form (the webhook rewrites it).
    outcome = argo_outcome(text, env, dialect=True)
    return outcome.succeeded, outcome.message
