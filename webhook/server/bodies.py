"""How many bytes of request bodies may be arriving at once.

A body that has not fully arrived is buffered by aiohttp until it has. Small
bodies (every review of a normal object) are bounded by the connection caps
(``webhook.server.connections``): connections × the small size. A large one may
be up to ``max_body_bytes`` (4 MiB), and a client that declares one and then
sends it slowly must not be able to make the server hold that much on each of
its connections: large bodies take their declared size from a budget first, and
one that does not fit is refused at once (503) rather than queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class BodyBudget:
    def __init__(self, budget_bytes: int, free_below: int) -> None:
        self.budget_bytes = budget_bytes
        # Bodies smaller than this take nothing from the budget.
        self.free_below = free_below
        self.reserved = 0
        # Bytes of large bodies received since the last trim (webhook.server.connections gives memory back).
        self.large_received = 0

    def received(self, size: int) -> None:
        if size >= self.free_below:
            self.large_received += size

    @contextmanager
    def reserve(self, size: int) -> Iterator[bool]:
        """Yield whether ``size`` bytes may be received now; what was granted is given back on exit."""
        if size < self.free_below:
            yield True
            return
        if self.reserved + size > self.budget_bytes:
            yield False
            return
        self.reserved += size
        try:
            yield True
        finally:
            self.reserved -= size
