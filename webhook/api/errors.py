"""Errors of the REST API in Argo Server's (grpc-gateway's) shape: ``{"code": <grpc code>, "message": ...}``.

Every layer below the routes (auth, backends, store) raises ``ApiError``; the
routes' error renderer turns it, and any HTTP error of the shared middleware,
into that body with the matching HTTP status.
"""

from __future__ import annotations

import enum
import json

from aiohttp import web


class Code(enum.IntEnum):
    """gRPC status codes (google.golang.org/grpc/codes) and the HTTP status grpc-gateway maps each to."""

    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    UNAUTHENTICATED = 16

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS[self]


_HTTP_STATUS = {
    Code.CANCELLED: 499, Code.UNKNOWN: 500, Code.INVALID_ARGUMENT: 400, Code.DEADLINE_EXCEEDED: 504,
    Code.NOT_FOUND: 404, Code.ALREADY_EXISTS: 409, Code.PERMISSION_DENIED: 403, Code.RESOURCE_EXHAUSTED: 429,
    Code.FAILED_PRECONDITION: 400, Code.ABORTED: 409, Code.OUT_OF_RANGE: 400, Code.UNIMPLEMENTED: 501,
    Code.INTERNAL: 500, Code.UNAVAILABLE: 503, Code.UNAUTHENTICATED: 401,
}
_CODE_OF_HTTP = {400: Code.INVALID_ARGUMENT, 401: Code.UNAUTHENTICATED, 403: Code.PERMISSION_DENIED,
                 404: Code.NOT_FOUND, 405: Code.UNIMPLEMENTED, 409: Code.ALREADY_EXISTS, 413: Code.INVALID_ARGUMENT,
                 415: Code.INVALID_ARGUMENT, 429: Code.RESOURCE_EXHAUSTED, 503: Code.UNAVAILABLE,
                 504: Code.DEADLINE_EXCEEDED}


class ApiError(Exception):
    """A refusal to show the client; ``message`` must be safe to show (no secret values, no object contents)."""

    def __init__(self, code: Code, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def response(self) -> web.Response:
        response = web.Response(status=self.code.http_status, content_type="application/json",
                                text=json.dumps({"code": int(self.code), "message": self.message}))
        if self.retry_after is not None:
            response.headers["Retry-After"] = str(max(1, round(self.retry_after)))
        return response


def render_http_error(status: int, message: str) -> web.Response:
    """The shared middleware's HTTP errors (404, 405, 413, 500 …) under /api/ in the grpc-gateway shape."""
    code = _CODE_OF_HTTP.get(status, Code.INTERNAL if status >= 500 else Code.INVALID_ARGUMENT)
    return web.Response(status=status, content_type="application/json",
                        text=json.dumps({"code": int(code), "message": message}))
