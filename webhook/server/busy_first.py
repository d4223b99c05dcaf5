"""Connections in use first: each pass of the event loop serves every connection that has had a request lately,
and at most ``QUIET_PER_PASS`` of the others.

asyncio runs, in one pass, every callback for every socket ``epoll`` reported
ready. Work on connections that carry no review — TLS handshakes of new
connections (~0.3 ms of CPU each), idle connections being closed (~0.2 ms each:
TLS shutdown, the socket, aiohttp's teardown), request heads trickling in — is
cheap one by one but comes in bursts: an attacker opening 2,000 connections in
batches of 100, or closing 1,300 idle ones at once, made single passes of 20 to
150 ms, and every review in flight waited for them (bench/attack.py, "1,000
slowloris" and "2,000 idle keep-alive": probe p99 44-111 ms).

So the selector hands the loop every ready socket that is not a *quiet*
connection — one that has had no request answered within ``BUSY_SECONDS``
(new connections, idle ones), and the server's own sockets (worker pipes, the
listening socket, signals) are never quiet — and at most ``QUIET_PER_PASS``
quiet ones. The others stay ready (epoll is level-triggered) and are reported
again at the next pass, which comes at once: nothing is dropped, a burst is
only spread over passes of a few milliseconds each. The API server's own
connections, which carry reviews all the time, are never held back.
"""

from __future__ import annotations

import asyncio
import selectors
import time

# A connection that had a request within this long (seconds) is in use; the API server's keep-alive connections
# carry reviews much more often than that.
BUSY_SECONDS = 30.0
# Quiet connections' events handled per pass of the loop: a TLS handshake costs ~0.3 ms, so a pass spends at most a
# few milliseconds on them.
QUIET_PER_PASS = 16


class QuietConnections:
    """The open connections by file descriptor, with when each last had a request (0: never)."""

    __slots__ = ("_last_request",)

    def __init__(self) -> None:
        self._last_request: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self._last_request)

    def opened(self, fd: int) -> None:
        self._last_request[fd] = 0.0

    def served(self, fd: int) -> None:
        if fd in self._last_request:
            self._last_request[fd] = time.monotonic()

    def closed(self, fd: int) -> None:
        self._last_request.pop(fd, None)

    def is_quiet(self, fd: int, now: float) -> bool:
        last = self._last_request.get(fd)
        return last is not None and now - last > BUSY_SECONDS


class BusyFirstSelector(selectors.DefaultSelector):
    """The platform's selector, reporting at most ``per_pass`` quiet connections' sockets per call (see above)."""

    def __init__(self, quiet: QuietConnections, per_pass: int = QUIET_PER_PASS) -> None:
        super().__init__()
        self.quiet = quiet
        self.per_pass = max(1, per_pass)
        # Calls that held some quiet connections back (for tests and curiosity).
        self.held_back = 0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready: list[tuple[selectors.SelectorKey, int]] = super().select(timeout)
        if len(ready) <= self.per_pass:
            return ready
        now = time.monotonic()
        is_quiet = self.quiet.is_quiet
        chosen = []
        quiet = 0
        for item in ready:
            if is_quiet(item[0].fd, now):
                if quiet >= self.per_pass:
                    continue
                quiet += 1
            chosen.append(item)
        if len(chosen) < len(ready):
            self.held_back += 1
        return chosen


def new_event_loop(quiet: QuietConnections) -> asyncio.AbstractEventLoop:
    """An event loop whose selector serves connections in use first."""
    return asyncio.SelectorEventLoop(BusyFirstSelector(quiet))
