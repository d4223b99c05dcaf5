"""Accepting connections within caps: per client address, in all, and in memory per connection.

Every open connection costs memory whether or not it ever sends a request, so the
number of them is what bounds the server's memory (measured on 127.0.0.1 over
TLS, see the chart's values): ``CappedSite`` accepts sockets itself and refuses
one past ``max_connections`` in all, or past ``max_connections_per_client`` from
one address, *before* any TLS work — the socket is reset at once, costing
neither a handshake nor a buffer. A refused client sees a connection reset and
the API server retries on another connection; one client cannot take every
connection, so the API server's own addresses keep getting in while some other
address holds its share.

The TLS layer of asyncio keeps a 256 KiB read buffer per connection
(``asyncio.sslproto.SSLProtocol.max_size``), allocated and zeroed at accept
time: that was most of the ~270 KiB per idle TLS connection the issue measured.
A TLS record carries at most 16 KiB, so reading 32 KiB at a time costs a large
body a few more loop passes and each connection 224 KiB less.

Connections that completed no TLS handshake within ``handshake_seconds`` are
closed by asyncio; idle keep-alive connections and slow request heads by
aiohttp's keep-alive timer (``ListenSettings.idle_seconds``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_runner import BaseRunner

from webhook.server.bodies import BodyBudget

# Bytes asyncio's TLS layer reads from an SSL object at a time (and keeps per connection); see above.
TLS_READ_BUFFER = 32 * 1024


def shrink_tls_buffers(size: int = TLS_READ_BUFFER) -> None:
    """Make every TLS connection of this process keep a ``size`` read buffer instead of 256 KiB."""
    import asyncio.sslproto

    protocol: Any = getattr(asyncio.sslproto, "SSLProtocol", None)
    if protocol is not None and isinstance(getattr(protocol, "max_size", None), int):
        protocol.max_size = min(protocol.max_size, size)


@dataclass(slots=True)
class ConnectionCounts:
    max_total: int
    max_per_client: int
    total: int = 0
    by_client: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    # Most connections open at once since the last ``take_peak()``.
    peak: int = 0

    def admit(self, client: str) -> bool:
        if self.total >= self.max_total or self.by_client[client] >= self.max_per_client:
            self.refused += 1
            return False
        self.total += 1
        self.peak = max(self.peak, self.total)
        self.by_client[client] += 1
        return True

    def release(self, client: str) -> None:
        self.total -= 1
        left = self.by_client[client] - 1
        if left:
            self.by_client[client] = left
        else:
            del self.by_client[client]  # the map holds only addresses with open connections


class _Tracked(asyncio.Protocol):
    """aiohttp's protocol for one connection, with its place in the counts given back when it ends."""

    __slots__ = ("_client", "_counts", "_inner", "_released")

    def __init__(self, inner: asyncio.Protocol, counts: ConnectionCounts, client: str) -> None:
        self._inner = inner
        self._counts = counts
        self._client = client
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._counts.release(self._client)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.release()
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


class _Listener(asyncio.AbstractServer):
    """What aiohttp's runner needs of a site's server: its sockets, and closing it."""

    def __init__(self, sock: socket.socket, accepting: asyncio.Task[None]) -> None:
        self._sock = sock
        self._accepting = accepting
        self._loop = asyncio.get_running_loop()

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    async def start_serving(self) -> None:
        return None  # accepting from the start

    async def serve_forever(self) -> None:
        await self.wait_closed()

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return () if self._sock.fileno() < 0 else (self._sock,)

    def close(self) -> None:
        self._accepting.cancel()
        self._sock.close()

    def is_serving(self) -> bool:
        return not self._accepting.done()

    async def wait_closed(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self._accepting


class CappedSite(web.BaseSite):
    """A TCP site (optionally TLS) that refuses connections past the caps before reading a byte from them."""

    __slots__ = ("_connecting", "_handshake_seconds", "_host", "_listener", "_port", "counts")

    def __init__(self, runner: BaseRunner, host: str, port: int, *, ssl_context: ssl.SSLContext | None,
                 counts: ConnectionCounts, handshake_seconds: float = 10.0, backlog: int = 128) -> None:
        super().__init__(runner, ssl_context=ssl_context, backlog=backlog)
        self._host = host
        self._port = port
        self._handshake_seconds = handshake_seconds
        self.counts = counts
        self._connecting: set[asyncio.Task[None]] = set()
        self._listener: _Listener | None = None

    @property
    def name(self) -> str:
        scheme = "https" if self._ssl_context else "http"
        return f"{scheme}://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        if self._listener is not None and self._listener.sockets:
            return int(self._listener.sockets[0].getsockname()[1])
        return self._port

    async def start(self) -> None:
        await super().start()
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.create_server((self._host, self._port), family=family, backlog=self._backlog)
        sock.setblocking(False)
        accepting = asyncio.get_running_loop().create_task(self._accept(sock))
        self._server = self._listener = _Listener(sock, accepting)

    async def stop(self) -> None:
        await super().stop()
        for task in list(self._connecting):
            task.cancel()

    async def _accept(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, address = await loop.sock_accept(sock)
            except OSError:
                # Out of file descriptors and the like: the client's problem is ours for a moment only.
                await asyncio.sleep(0.05)
                continue
            client = str(address[0])
            if not self.counts.admit(client):
                _reset(conn)
                continue
            task = loop.create_task(self._connect(conn, client))
            self._connecting.add(task)
            task.add_done_callback(self._connecting.discard)

    async def _connect(self, conn: socket.socket, client: str) -> None:
        server = self._runner.server
        assert server is not None
        tracked = _Tracked(server(), self.counts, client)
        try:
            await asyncio.get_running_loop().connect_accepted_socket(
                lambda: tracked, conn, ssl=self._ssl_context,
                ssl_handshake_timeout=self._handshake_seconds if self._ssl_context else None)
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError, asyncio.CancelledError):
            # The handshake failed or timed out (asyncio closed the socket), or the server is stopping.
            tracked.release()
            with contextlib.suppress(OSError):
                conn.close()


def _reset(conn: socket.socket) -> None:
    """Close with a reset: the kernel frees the socket at once (no FIN_WAIT, no TIME_WAIT on our side)."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


# After this many connections closed, or this many bytes of large bodies read, since the last look, free memory
# is given back to the system.
TRIM_AFTER_CLOSED = 64
TRIM_AFTER_BODY_BYTES = 16 * 1024 * 1024


async def give_back_after_bursts(counts: ConnectionCounts, bodies: BodyBudget, poll_seconds: float = 2.0) -> None:
    """Run forever: after a burst of connections or of large bodies, return glibc's free pages (see memory.py)."""
    from webhook.memory import give_back_free_memory

    while True:
        await asyncio.sleep(poll_seconds)
        if counts.peak - counts.total >= TRIM_AFTER_CLOSED or bodies.large_received >= TRIM_AFTER_BODY_BYTES:
            counts.peak = counts.total
            bodies.large_received = 0
            give_back_free_memory()
