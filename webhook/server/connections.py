"""Accepting connections within caps: per client address, in all, and in memory per connection.

Every open connection costs memory whether or not it ever sends a request, so the
number of them is what bounds the server's memory (measured on 127.0.0.1 over
TLS, see the chart's values): ``CappedSite`` accepts sockets itself and refuses
one past ``max_connections_per_client`` from one address, *before* any TLS work
— the socket is reset at once, costing neither a handshake nor a buffer. A
refused client sees a connection reset and the API server retries on another
connection.

At ``max_connections`` in all, a newcomer is not simply refused: that would let
a few addresses that each stay under the per-client cap lock the API server out
of new connections for as long as they hold theirs. The cap is shared fairly
instead (max-min): a connection from an address holding fewer connections than
the largest holder displaces that holder's least recently active connection,
which aiohttp closes gracefully (at once when idle, after its answer when a
review is in flight). A newcomer from the largest holder itself is refused.
While displaced connections finish, the total may exceed the cap by at most
``DISPLACING_SLACK``, which the chart's memory limit allows for.

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
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_runner import BaseRunner

from webhook.server.bodies import BodyBudget
from webhook.server.busy_first import QUIET_PER_PASS, QuietConnections

# Bytes asyncio's TLS layer reads from an SSL object at a time (and keeps per connection); see above.
TLS_READ_BUFFER = 32 * 1024


def shrink_tls_buffers(size: int = TLS_READ_BUFFER) -> None:
    """Make every TLS connection of this process keep a ``size`` read buffer instead of 256 KiB."""
    import asyncio.sslproto

    protocol: Any = getattr(asyncio.sslproto, "SSLProtocol", None)
    if protocol is not None and isinstance(getattr(protocol, "max_size", None), int):
        protocol.max_size = min(protocol.max_size, size)


# Connections that may be open past max_connections while the ones they displaced finish their answers.
DISPLACING_SLACK = 32


class Displaceable(Protocol):
    def displace(self) -> bool:
        """Close gracefully to make room; False when it cannot be closed yet (its TLS handshake is running)."""


@dataclass(slots=True)
class ConnectionCounts:
    max_total: int
    max_per_client: int
    # How long a displaced connection may take to finish the review in flight: the longest ?timeout= allowed.
    grace_seconds: float = 30.0
    total: int = 0
    by_client: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    displaced: int = 0
    # Most connections open at once since the last ``take_peak()``.
    peak: int = 0
    # Per address, its open connections from least to most recently active.
    _open: dict[str, OrderedDict[Displaceable, None]] = field(default_factory=dict)
    # Connections asked to close to make room that have not closed yet.
    _leaving: set[Displaceable] = field(default_factory=set)

    def admit(self, client: str, connection: Displaceable | None = None) -> bool:
        """Count ``connection`` from ``client`` in, displacing another when the total cap is reached; or refuse it."""
        held = self.by_client[client]
        if held >= self.max_per_client or (self.total - len(self._leaving) >= self.max_total
                                           and not self._displace_for(held)):
            self.refused += 1
            return False
        self.total += 1
        self.peak = max(self.peak, self.total)
        self.by_client[client] = held + 1
        if connection is not None:
            self._open.setdefault(client, OrderedDict())[connection] = None
        return True

    def _displace_for(self, held: int) -> bool:
        """Close the least recently active connection of the largest holder, if it holds more than ``held`` + 1."""
        if self.total >= self.max_total + DISPLACING_SLACK or not self.by_client:
            return False
        # Only on a full server: linear in the addresses holding connections (at most max_total of them).
        largest, count = max(self.by_client.items(), key=lambda item: item[1])
        if count <= held + 1:
            return False
        for victim in self._open.get(largest, ()):
            if victim not in self._leaving and victim.displace():
                self._leaving.add(victim)
                self.displaced += 1
                return True
        return False

    def active(self, client: str, connection: Displaceable) -> None:
        """``connection`` received data: it is now its address's most recently active one."""
        connections = self._open.get(client)
        if connections is not None and connection in connections:
            connections.move_to_end(connection)

    def release(self, client: str, connection: Displaceable | None = None) -> None:
        self.total -= 1
        left = self.by_client[client] - 1
        if left:
            self.by_client[client] = left
        else:
            del self.by_client[client]  # the map holds only addresses with open connections
        if connection is not None:
            self._leaving.discard(connection)
            connections = self._open.get(client)
            if connections is not None:
                connections.pop(connection, None)
                if not connections:
                    del self._open[client]


# Displaced connections being closed (a task must be referenced until it ends).
_CLOSING: set[asyncio.Task[None]] = set()


class _Tracked(asyncio.Protocol):
    """aiohttp's protocol for one connection, with its place in the counts given back when it ends."""

    __slots__ = ("_client", "_connected", "_counts", "_fd", "_inner", "_quiet", "_released")

    def __init__(self, counts: ConnectionCounts, client: str, quiet: QuietConnections | None = None,
                 fd: int = -1) -> None:
        # aiohttp's protocol, made only once the connection is admitted (a refused one costs nothing).
        self._inner: Any = None
        self._counts = counts
        self._client = client
        self._released = False
        self._connected = False
        # The event loop's list of connections by socket, when it serves those in use first (busy_first.py).
        self._quiet = quiet
        self._fd = fd

    def attach(self, inner: asyncio.Protocol) -> None:
        self._inner = inner

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._counts.release(self._client, self)
            if self._quiet is not None:
                self._quiet.closed(self._fd)

    def displace(self) -> bool:
        if not self._connected or self._released or not isinstance(self._inner, RequestHandler):
            return False
        # close() stops the connection taking another request (and wakes an idle one); shutdown() then lets a
        # review in flight finish, within the longest deadline a review may have, and closes the transport.
        self._inner.close()
        closing = asyncio.get_running_loop().create_task(self._inner.shutdown(self._counts.grace_seconds))
        _CLOSING.add(closing)
        closing.add_done_callback(_CLOSING.discard)
        return True

    @property
    def connected(self) -> bool:
        """Whether the connection is made (its TLS handshake done): aiohttp may be reading a request on it."""
        return self._connected

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._connected = True
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.release()
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._counts.active(self._client, self)
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        keep_open: bool | None = self._inner.eof_received()
        return keep_open

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

    __slots__ = ("_connecting", "_handshake_seconds", "_host", "_listener", "_port", "_quiet", "counts")

    def __init__(self, runner: BaseRunner, host: str, port: int, *, ssl_context: ssl.SSLContext | None,
                 counts: ConnectionCounts, handshake_seconds: float = 10.0, backlog: int = 128,
                 quiet: QuietConnections | None = None) -> None:
        super().__init__(runner, ssl_context=ssl_context, backlog=backlog)
        self._host = host
        self._port = port
        self._handshake_seconds = handshake_seconds
        self.counts = counts
        self._quiet = quiet
        # Connections being set up (accepted, TLS handshake running) and their protocols.
        self._connecting: dict[asyncio.Task[None], _Tracked] = {}
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
        self._stop_handshakes()

    def _stop_handshakes(self) -> None:
        """Cancel the connections still in their TLS handshake.

        One whose handshake is done but whose setting-up task has not resumed yet is left alone: its request may
        already be in a handler, and cancelling the task made asyncio close the transport under it — the review
        was answered and logged, and the answer never left (seen under SIGTERM with a new connection per request).
        """
        for task, tracked in list(self._connecting.items()):
            if not tracked.connected:
                task.cancel()

    async def _accept(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        accepted = 0
        while True:
            try:
                conn, address = await loop.sock_accept(sock)
            except OSError:
                # Out of file descriptors and the like: the client's problem is ours for a moment only.
                await asyncio.sleep(0.05)
                continue
            accepted += 1
            if accepted % QUIET_PER_PASS == 0:
                # sock_accept does not yield while connections are pending: a burst of them would all be set up
                # (and their handshakes started) in one pass of the loop, reviews in flight waiting meanwhile.
                await asyncio.sleep(0)
            client = str(address[0])
            fd = conn.fileno()
            tracked = _Tracked(self.counts, client, self._quiet, fd)
            if not self.counts.admit(client, tracked):
                _reset(conn)
                continue
            if self._quiet is not None:
                self._quiet.opened(fd)
            task = loop.create_task(self._connect(conn, tracked))
            self._connecting[task] = tracked
            task.add_done_callback(self._set_up)

    def _set_up(self, task: asyncio.Task[None]) -> None:
        self._connecting.pop(task, None)

    async def _connect(self, conn: socket.socket, tracked: _Tracked) -> None:
        server = self._runner.server
        assert server is not None
        tracked.attach(server())
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
