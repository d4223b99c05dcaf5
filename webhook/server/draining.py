"""Shutting an aiohttp server down without cutting requests whose bodies are still arriving.

aiohttp's runner, once it closes the connections for shutdown, drops every byte that arrives on them: a
request whose head was read but whose body was still on its way would then wait for the rest until its own
deadline. So a shutdown first stops listening, then waits (within the grace period) until nothing is
``busy`` — no body arriving, and for the admission server no review in flight — and only then lets the
runner close the connections and wait for handlers still running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

# How often a shutdown looks whether the work in flight is done.
POLL_SECONDS = 0.01


class Arrivals:
    """Request bodies being received right now."""

    def __init__(self) -> None:
        self.count = 0

    async def read(self, request: web.Request) -> bytes:
        """``request``'s body (aiohttp keeps it: a later ``request.read()`` returns the same bytes)."""
        self.count += 1
        try:
            return await request.read()
        finally:
            self.count -= 1


async def stop_listening_and_drain(site: web.BaseSite, busy: Callable[[], bool], seconds: float) -> bool:
    """Stop accepting connections, then wait at most ``seconds`` until not ``busy()``; whether it settled."""
    await site.stop()
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while busy() and loop.time() < end:
        await asyncio.sleep(POLL_SECONDS)
    return not busy()
