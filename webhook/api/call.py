"""One REST API request after authentication (``Call``), and what every call shares (``Api``).

A handler takes a ``Call`` and returns what to answer; the body is read here, with a deadline, parsed as JSON
and bounded in depth, so no handler reads the raw request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from webhook import wirejson
from webhook.api.backend import Backend
from webhook.api.errors import ApiError, Code
from webhook.api.identity import Authenticator, Identity
from webhook.api.limits import RateLimiter, StreamSlots
from webhook.server.config import ApiSettings
from webhook.server.state import ServerState
from webhook.spec.lookups import TemplateSource


@dataclass(eq=False)
class Api:
    state: ServerState
    backend: Backend
    auth: Authenticator
    # The namespace's WorkflowTemplates for validation (local store) and a key that changes with them;
    # None: the context provider knows them.
    templates: Callable[[str], Awaitable[tuple[TemplateSource, str]]] | None
    rate: RateLimiter = field(init=False)
    streams: StreamSlots = field(init=False)
    stream_tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        settings = self.settings
        per_second = settings.rate_limit
        # Bursts of four seconds' worth; a rate of 0 is no limit.
        self.rate = (RateLimiter(per_second, max(1, int(per_second * 4))) if per_second > 0
                     else RateLimiter(1e9, 10**9))
        self.streams = StreamSlots(settings.streams_per_client, settings.streams)

    @property
    def settings(self) -> ApiSettings:
        return self.state.config.api


API = web.AppKey("argo_warden_api", Api)


@dataclass(eq=False)
class Call:
    """One API request after authentication: its identity and helpers to read it."""

    api: Api
    request: web.Request
    identity: Identity
    body_size: int = 0

    @property
    def namespace(self) -> str:
        return self.request.match_info.get("namespace", "")

    @property
    def name(self) -> str:
        return self.request.match_info.get("name", "")

    def query(self, key: str) -> str | None:
        value = self.request.query.get(key)
        return value if value not in (None, "") else None

    async def body(self) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.api.settings.io_seconds):
                raw = await self.api.state.arrivals.read(self.request)
        except TimeoutError:
            raise ApiError(Code.DEADLINE_EXCEEDED, "the request body did not arrive in time") from None
        self.body_size = len(raw)
        if not raw.strip():
            return {}
        try:
            data = wirejson.loads(raw)
        except UnicodeDecodeError:
            raise ApiError(Code.INVALID_ARGUMENT, "body is not UTF-8 JSON") from None
        except wirejson.NotJson as exc:
            raise ApiError(Code.INVALID_ARGUMENT, f"body is not JSON: {exc}") from None
        except RecursionError:
            raise ApiError(Code.INVALID_ARGUMENT, "body nests too deeply") from None
        limit = self.api.state.config.validation.max_depth
        if wirejson.nests_deeper_than(raw, limit):
            raise ApiError(Code.INVALID_ARGUMENT, f"body nests deeper than {limit} levels")
        if not isinstance(data, dict):
            raise ApiError(Code.INVALID_ARGUMENT, f"body must be a JSON object, not {_json_type(data)}")
        return data

    async def authorize(self, verb: str, resource: str, name: str | None = None, *,
                        cluster_scoped: bool = False) -> None:
        namespace = None if cluster_scoped else self.namespace or None
        await self.api.auth.authorize(self.identity, verb, resource, namespace, name, cluster_scoped=cluster_scoped)


Handler = Callable[[Call], Awaitable[Any]]


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number",
            type(None): "null"}.get(type(value), type(value).__name__)
