"""The body of an HTTP error from any route of the server: ``{"code": <HTTP status>, "message": "..."}``."""

from __future__ import annotations

import json

from aiohttp import web


def json_error(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=json.dumps({"code": status, "message": message}),
                        content_type="application/json")
