"""The event loop serves connections in use first: quiet connections' sockets are spread over passes, never lost."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
from aiohttp import web

from tests.conftest import until
from webhook.admission.provider import OfflineProvider
from webhook.server import busy_first
from webhook.server.app import create_app
from webhook.server.busy_first import BusyFirstSelector, QuietConnections, new_event_loop
from webhook.server.config import ServerConfig
from webhook.server.connections import CappedSite, ConnectionCounts
from webhook.server.state import STATE


@contextmanager
def readable_sockets(selector: BusyFirstSelector, count: int) -> Iterator[list[socket.socket]]:
    """``count`` sockets registered for reading with their index as data, each with a byte waiting."""
    pairs = [socket.socketpair() for _ in range(count)]
    try:
        for i, (ours, theirs) in enumerate(pairs):
            selector.register(ours, 1, data=i)
            theirs.send(b"x")
        yield [ours for ours, _ in pairs]
    finally:
        selector.close()
        for a, b in pairs:
            a.close()
            b.close()


def test_busy_sockets_always_and_at_most_per_pass_quiet_ones() -> None:
    quiet = QuietConnections()
    selector = BusyFirstSelector(quiet, per_pass=4)
    with readable_sockets(selector, 12) as sockets:
        # Ten connections, two of them with a request lately; the last two sockets are no connection at all.
        for ours in sockets[:10]:
            quiet.opened(ours.fileno())
        quiet.served(sockets[0].fileno())
        quiet.served(sockets[1].fileno())
        reported = {key.data for key, _ in selector.select(0)}
        assert {0, 1, 10, 11} <= reported  # the busy connections and the server's own sockets
        assert len(reported - {0, 1, 10, 11}) == 4  # and four of the eight quiet ones
        assert selector.held_back == 1


def test_quiet_sockets_held_back_are_reported_in_later_passes() -> None:
    quiet = QuietConnections()
    selector = BusyFirstSelector(quiet, per_pass=3)
    with readable_sockets(selector, 20) as sockets:
        for ours in sockets:
            quiet.opened(ours.fileno())
        handled: list[int] = []
        for _ in range(20):
            ready = selector.select(0)
            assert len(ready) <= 3
            for key, _ in ready:
                key.fileobj.recv(1)  # type: ignore[union-attr]
                handled.append(key.data)
            if len(handled) == 20:
                break
        assert sorted(handled) == list(range(20))  # every one, each once


def test_a_connection_is_quiet_until_it_has_a_request_and_again_after_busy_seconds() -> None:
    quiet = QuietConnections()
    quiet.opened(7)
    now = time.monotonic()
    assert quiet.is_quiet(7, now)
    quiet.served(7)
    assert not quiet.is_quiet(7, time.monotonic())
    assert quiet.is_quiet(7, time.monotonic() + busy_first.BUSY_SECONDS + 1)
    quiet.closed(7)
    assert not quiet.is_quiet(7, now) and len(quiet) == 0  # no longer a connection: never held back
    quiet.served(8)  # a socket that is no connection of ours stays unknown
    assert len(quiet) == 0


def test_the_site_lists_its_connections_and_their_requests_and_forgets_them_when_they_close() -> None:
    quiet = QuietConnections()

    async def scenario() -> None:
        app = create_app(ServerConfig(), OfflineProvider())
        state = app[STATE]
        state.quiet = quiet
        runner = web.AppRunner(app)
        await runner.setup()
        site = CappedSite(runner, "127.0.0.1", 0, ssl_context=None, counts=ConnectionCounts(100, 100), quiet=quiet)
        await site.start()
        try:
            # 40 connections that send nothing, accepted in a burst (the accept loop yields every QUIET_PER_PASS).
            idle = [await asyncio.open_connection("127.0.0.1", site.port) for _ in range(40)]
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{site.port}/readyz") as resp:
                    assert resp.status == 200
                await until(lambda: len(quiet) == 41, 0.5)
                assert len(quiet) == 41
                now = time.monotonic()
                states = [quiet.is_quiet(fd, now) for fd in list(quiet._last_request)]
                assert states.count(False) == 1  # the one that had a request
                for _reader, writer in idle:
                    writer.close()
                # All of them closing at once, the busy connection is still answered.
                async with session.get(f"http://127.0.0.1:{site.port}/readyz") as resp:
                    assert resp.status == 200
            await until(lambda: len(quiet) == 0, 1.0)
            assert len(quiet) == 0  # nothing kept for closed sockets
        finally:
            await runner.cleanup()

    with asyncio.Runner(loop_factory=lambda: new_event_loop(quiet)) as runner:
        runner.run(scenario())
