"""A route's endpoint: who calls, whether they may, and every failure as Argo's error shape.

In order: authenticate and take a token from the caller's rate bucket (anonymous and failed attempts are
limited per address), refuse a malformed namespace or name in the path, authorize what the route's ``Access``
says — before the body is read or anything is looked up — then run the handler and answer its result as JSON.
An ``ApiError`` is answered as itself, a context that cannot be had as UNAVAILABLE, anything else as INTERNAL
with the details in the server log only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from webhook import wirejson
from webhook.admission.provider import ContextUnavailable
from webhook.api.call import API, Api, Call, Handler
from webhook.api.errors import ApiError, Code
from webhook.api.identity import Identity
from webhook.api.names import check_path
from webhook.server.logs import event, exception_site


@dataclass(frozen=True, slots=True)
class Access:
    """What a route needs, as Argo's RBAC would: ``verb`` on ``resource`` (group argoproj.io) in the path's
    namespace (every namespace when the path names none), on the path's object when ``named``; a
    ``cluster_scoped`` resource is asked for without a namespace."""

    verb: str
    resource: str
    named: bool = False
    cluster_scoped: bool = False


PUBLIC = "public"  # no token needed
SIGNED_IN = "signed in"  # any valid token; the route touches no namespace
Guard = Access | str

# (method, path under /api/v1, handler, what the caller needs)
Route = tuple[str, str, Handler, Guard]


def endpoint_for(handler: Handler, guard: Guard) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        api = request.app[API]
        try:
            identity = await _identify(api, request, guard == PUBLIC)
            check_path(request)
            call = Call(api, request, identity)
            if isinstance(guard, Access):
                # Before the body is read: a caller who may not act here learns nothing about the namespace
                # (no validation against its templates, no did-you-mean) and costs no lookup.
                await call.authorize(guard.verb, guard.resource, call.name if guard.named else None,
                                     cluster_scoped=guard.cluster_scoped)
            result = await handler(call)
            if isinstance(result, web.StreamResponse):
                return result
            return web.Response(body=wirejson.dumps(result), content_type="application/json")
        except ApiError as exc:
            return exc.response()
        except ContextUnavailable as exc:
            return ApiError(Code.UNAVAILABLE, f"cannot validate now: {exc}").response()
        except (web.HTTPException, asyncio.CancelledError):
            raise
        except Exception as exc:
            event("api request failed", logging.ERROR, path=request.path, error=type(exc).__name__,
                  where=exception_site(exc))
            return ApiError(Code.INTERNAL, "internal error; the server log has the details").response()

    return endpoint


async def _identify(api: Api, request: web.Request, public: bool) -> Identity:
    try:
        identity = await api.auth.authenticate(request.headers.get("Authorization"))
    except ApiError:
        # Anonymous calls and failed attempts are limited per address (tokens cannot be guessed at full speed).
        api.rate.take(f"ip:{request.remote}")
        if public:
            return Identity("anonymous", client_key=f"ip:{request.remote}")
        raise
    api.rate.take(identity.client_key or f"ip:{request.remote}")
    return identity
