"""A bounded TTL cache of lookups shared by concurrent reviews, with one fetch for any number of waiters.

- Answers are kept for a time that depends on what they say: found, missing
  (negative caching) or unknown (a short pause before asking a failing API
  server again).
- A key being fetched is fetched once: later askers wait for the same task. The
  task's time limit is the latest deadline among its waiters, so a call is never
  cut short for a review that still has time, nor left running past the last one.
- Each waiter stops waiting at its own deadline and gets an UNKNOWN answer; the
  fetch goes on for the others (and for the cache).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

from webhook.admission.provider import Deadline
from webhook.logs import event, exception_site
from webhook.settings import DEFAULT_CLUSTER, TTLs
from webhook.spec.lookups import Lookup, LookupState, unknown

TIMED_OUT = "the API server did not answer before the review's deadline"


def ttl_of(ttls: TTLs, lookup: Lookup) -> float:
    if lookup.state is LookupState.FOUND:
        return ttls.found
    return ttls.missing if lookup.state is LookupState.MISSING else ttls.unknown


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    # Askers that joined a fetch already in flight instead of starting one.
    coalesced: int = 0
    # Askers whose deadline passed before the answer came.
    timeouts: int = 0


@dataclass(eq=False)
class _Flight:
    task: asyncio.Task[Lookup] | None = None
    # Loop time by which the fetch must end: the latest deadline among its waiters.
    until: float = 0.0
    timeout: asyncio.Timeout | None = None

    def extend(self, until: float) -> None:
        if until > self.until:
            self.until = until
            if self.timeout is not None:
                self.timeout.reschedule(until)


@dataclass(eq=False)
class LookupCache:
    ttls: TTLs = field(default_factory=TTLs)
    max_entries: int = DEFAULT_CLUSTER.cache_entries
    clock: Callable[[], float] = time.monotonic
    stats: CacheStats = field(default_factory=CacheStats)
    _entries: OrderedDict[Hashable, tuple[float, Lookup]] = field(default_factory=OrderedDict)
    _flights: dict[Hashable, _Flight] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._entries)

    def cached(self, key: Hashable) -> Lookup | None:
        """The answer for ``key`` if one is kept and fresh (counts as a hit), else None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, lookup = entry
        if expires <= self.clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return lookup

    def known(self, key: Hashable) -> bool:
        """Whether ``key`` has a fresh answer or a fetch in flight (counts nothing)."""
        entry = self._entries.get(key)
        return key in self._flights or (entry is not None and entry[0] > self.clock())

    async def get(self, key: Hashable, fetch: Callable[[], Awaitable[Lookup]], deadline: Deadline) -> Lookup:
        hit = self.cached(key)
        if hit is not None:
            return hit
        loop = asyncio.get_running_loop()
        until = loop.time() + deadline.remaining()
        flight = self._flights.get(key)
        if flight is None:
            self.stats.misses += 1
            flight = _Flight(until=until)
            self._flights[key] = flight
            flight.task = loop.create_task(self._fetch(key, fetch, flight))
        else:
            self.stats.coalesced += 1
            flight.extend(until)
        assert flight.task is not None
        try:
            async with asyncio.timeout(deadline.remaining()):
                # shield: one waiter giving up must not cancel the fetch the others wait for.
                return await asyncio.shield(flight.task)
        except TimeoutError:
            self.stats.timeouts += 1
            return unknown(TIMED_OUT)

    async def _fetch(self, key: Hashable, fetch: Callable[[], Awaitable[Lookup]], flight: _Flight) -> Lookup:
        try:
            async with asyncio.timeout_at(flight.until) as timeout:
                flight.timeout = timeout
                lookup = await fetch()
        except TimeoutError:
            lookup = unknown(TIMED_OUT)
        except Exception as exc:
            # A fault of ours must not leave waiters with an exception nobody reads; the log says where.
            event("cluster lookup failed", logging.ERROR, error=type(exc).__name__, where=exception_site(exc))
            lookup = unknown(f"internal error ({type(exc).__name__}); see the argo-warden log")
        finally:
            self._flights.pop(key, None)
        self.store(key, lookup)
        return lookup

    def store(self, key: Hashable, lookup: Lookup) -> None:
        self._entries[key] = (self.clock() + ttl_of(self.ttls, lookup), lookup)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
