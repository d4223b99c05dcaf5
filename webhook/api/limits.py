"""Per-client limits of the REST API: a request rate (token bucket) and open event streams.

Their sizes are settings (``ApiSettings`` in ``webhook.server.config``).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from webhook.api.errors import ApiError, Code


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


@dataclass(eq=False)
class RateLimiter:
    rate: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    # Clients seen recently; the least recent are forgotten first (a forgotten client starts with a full bucket).
    max_clients: int = 10_000
    _buckets: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict)

    def take(self, client: str) -> None:
        """Spend one request of ``client``'s allowance; RESOURCE_EXHAUSTED (429 + Retry-After) if none is left."""
        now = self.clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = _Bucket(float(self.burst), now)
            if len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(client)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
        if bucket.tokens < 1.0:
            wait = (1.0 - bucket.tokens) / self.rate
            raise ApiError(Code.RESOURCE_EXHAUSTED,
                           f"too many requests: at most {self.rate:g} per second (bursts of {self.burst}); "
                           f"retry in {wait:.1f} s", retry_after=wait)
        bucket.tokens -= 1.0


@dataclass(eq=False)
class StreamSlots:
    per_client: int
    total: int
    _open: dict[str, int] = field(default_factory=dict)

    def acquire(self, client: str) -> None:
        if sum(self._open.values()) >= self.total:
            raise ApiError(Code.RESOURCE_EXHAUSTED, f"the server has {self.total} event streams open; retry later",
                           retry_after=5)
        if self._open.get(client, 0) >= self.per_client:
            raise ApiError(Code.RESOURCE_EXHAUSTED,
                           f"at most {self.per_client} event streams per client; close one first", retry_after=5)
        self._open[client] = self._open.get(client, 0) + 1

    def release(self, client: str) -> None:
        left = self._open.get(client, 0) - 1
        if left > 0:
            self._open[client] = left
        else:
            self._open.pop(client, None)
