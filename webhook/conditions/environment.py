"""The values upstream Argo gives an HTTP template's successCondition (workflow/executor/agent.go)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from webhook.conditions.values import Headers, NilList, canonical_header_key

HeaderInput = Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]] | None


def response_headers(headers: HeaderInput) -> Headers:
    """Go's http.Header of a response: canonical names (``content-type`` → ``Content-Type``), every value kept."""
    out = Headers()
    for name, value in _pairs(headers):
        out.setdefault(canonical_header_key(name), []).append(value)
    return out


def request_headers(headers: HeaderInput) -> Headers:
    """The request's headers as upstream builds them: names as written, one value each (the last one wins).

    Headers whose value comes from a secret are not given (upstream leaves them out too).
    """
    out = Headers()
    for name, value in _pairs(headers):
        out[name] = [value]
    return out


def _pairs(headers: HeaderInput) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        pairs: list[tuple[str, str]] = []
        for name, value in headers.items():
            if isinstance(value, str):
                pairs.append((str(name), value))
            else:
                pairs.extend((str(name), str(v)) for v in value)
        return pairs
    return [(str(name), str(value)) for name, value in headers]


def _text(body: bytes | str | None) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body).decode("utf-8", "replace")
    return str(body)


def http_environment(
    status: int,
    headers: HeaderInput = None,
    body: bytes | str | None = b"",
    *,
    request_method: str = "GET",
    request_url: str = "",
    request_body: str | None = "",
    request_headers: HeaderInput = None,
    request_body_bytes: bytes | None = None,
) -> dict[str, Any]:
    """``{"request": {...}, "response": {...}}`` for evaluating a successCondition.

    ``request_body_bytes`` is the template's ``bodyFrom.bytes`` (decoded), nil when it has none.
    """
    return {
        "request": {
            "method": request_method,
            "url": request_url,
            "body": _text(request_body),
            # Go's []byte(nil) without bodyFrom: nil to == and ??, empty to len().
            "bodyBytes": NilList() if request_body_bytes is None else request_body_bytes,
            "headers": globals()["request_headers"](request_headers),
        },
        "response": {
            "statusCode": int(status),
            "body": _text(body),
            "headers": response_headers(headers),
        },
    }
