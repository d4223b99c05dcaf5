"""Event streams: a watch answered as grpc-gateway streams it (one JSON line per event) or as server-sent events.

A stream holds one of its client's stream slots while open, writes each event within the API's I/O deadline
(a client that stops reading is let go), and ends when the events end, on the first error (sent as the
stream's last message), when the client leaves, or when the server shuts down (``end_streams``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from webhook import wirejson
from webhook.api.backend import WatchEvent
from webhook.api.call import API, Api, Call
from webhook.api.errors import ApiError


async def stream_events(call: Call, open_events: Callable[[], AsyncIterator[WatchEvent]]) -> web.StreamResponse:
    """Answer ``call`` with the events ``open_events`` yields, in the form its Accept header asks for."""
    api, client = call.api, call.identity.client_key
    api.streams.acquire(client)
    try:
        sse = "text/event-stream" in call.request.headers.get("Accept", "")
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream" if sse else "application/json",
            "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        await response.prepare(call.request)
        task = asyncio.current_task()
        if task is not None:
            api.stream_tasks.add(task)
        try:
            await _stream(api, call.request, response, open_events(), sse)
        except asyncio.CancelledError:
            pass  # the server is shutting down, or the client left
        finally:
            if task is not None:
                api.stream_tasks.discard(task)
        return response
    finally:
        api.streams.release(client)


async def end_streams(app: web.Application) -> None:
    """On shutdown: end every open stream, so no connection waits for its next event."""
    for task in list(app[API].stream_tasks):
        task.cancel()


async def _stream(api: Api, request: web.Request, response: web.StreamResponse, events: AsyncIterator[Any],
                  sse: bool) -> None:
    """Write each event as one line (grpc-gateway's stream) or one SSE message; end on any error.

    aiohttp does not cancel a handler whose client left, so a quiet stream looks at its connection
    every second (and SSE sends a comment line now and then, which proxies also need).
    """

    async def write(message: dict[str, Any]) -> None:
        data = wirejson.dumps(message)
        async with asyncio.timeout(api.settings.io_seconds):  # a client that stops reading is let go
            await response.write(b"data: " + data + b"\n\n" if sse else data + b"\n")

    check, heartbeat = api.settings.connection_check_seconds, api.settings.heartbeat_seconds
    next_event: asyncio.Task[Any] | None = None
    try:
        while True:
            next_event = asyncio.ensure_future(anext(events))
            quiet = 0.0
            while True:
                done, _ = await asyncio.wait([next_event], timeout=check)
                if done:
                    break
                transport = request.transport
                if transport is None or transport.is_closing():
                    return
                quiet += check
                if sse and quiet >= heartbeat:
                    quiet = 0.0
                    async with asyncio.timeout(api.settings.io_seconds):
                        await response.write(b": heartbeat\n\n")
            try:
                item = next_event.result()
            except StopAsyncIteration:
                return
            except ApiError as exc:
                await write({"error": {"grpc_code": int(exc.code), "http_code": exc.code.http_status,
                                       "message": exc.message, "http_status": exc.code.name}})
                return
            await write({"result": {"type": item.type, "object": item.object}})
    except (TimeoutError, ConnectionResetError):
        return
    finally:
        if next_event is not None and not next_event.done():
            next_event.cancel()
        with contextlib.suppress(Exception):
            await events.aclose()  # type: ignore[attr-defined]
