"""What every route group of one server shares: config, provider, metrics, readiness and the worker threads."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from aiohttp import web

from webhook.admission.mutation import Mutator, mutators
from webhook.admission.provider import ContextProvider, Deadline
from webhook.server.bodies import BodyBudget
from webhook.server.busy_first import QuietConnections
from webhook.server.config import ServerConfig
from webhook.server.connections import ConnectionCounts
from webhook.server.draining import Arrivals
from webhook.server.metrics import MemoCollector, Metrics
from webhook.server.tls import ReloadingTLS
from webhook.server.workers import WorkerPool
from webhook.validation.memo import ValidationMemo

_T = TypeVar("_T")


@dataclass(eq=False)
class ServerState:
    config: ServerConfig
    provider: ContextProvider
    metrics: Metrics = field(default_factory=Metrics)
    tls: ReloadingTLS | None = None
    mutators: tuple[Mutator, ...] = field(default_factory=mutators)
    shutting_down: bool = False
    # Reviews between taking a slot and answering.
    in_flight: int = 0
    # Bodies of other requests (the REST API's) being received.
    arrivals: Arrivals = field(default_factory=Arrivals)
    # The validation worker processes, once started (serve starts them; in-process tests may not).
    pool: WorkerPool | None = None
    # The open connections, when the event loop serves those in use first (serve's loop; see busy_first.py).
    quiet: QuietConnections | None = None
    memo: ValidationMemo = field(init=False)
    bodies: BodyBudget = field(init=False)
    connections: ConnectionCounts = field(init=False)
    executor: ThreadPoolExecutor = field(init=False)
    slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        # Worker threads validating a large object hold the GIL; with Python's default 5 ms switch
        # interval the event loop waited up to ~35 ms per step for it (measured), 1 ms keeps it at ~5 ms.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
        config = self.config
        self.executor = ThreadPoolExecutor(config.validation.worker_threads, thread_name_prefix="argo-warden-review")
        self.slots = asyncio.Semaphore(config.admission.max_concurrency)
        self.connections = ConnectionCounts(config.listen.max_connections, config.listen.max_connections_per_client,
                                            grace_seconds=config.admission.max_timeout)
        self.bodies = BodyBudget(config.admission.body_budget_bytes, config.admission.small_body_bytes)
        self.memo = ValidationMemo(config.validation.memo_entries, config.validation.memo_bytes)
        self.metrics.registry.register(MemoCollector(self.memo))

    def not_ready_reason(self) -> str | None:
        if self.shutting_down:
            return "shutting down"
        if self.tls is not None and not self.tls.loaded:
            return self.tls.error or "certificates not loaded yet"
        return None

    async def run(self, deadline: Deadline, offload: bool, fn: Callable[..., _T], *args: object) -> _T:
        """Run CPU-bound ``fn``: in a worker thread for large inputs (bounded by the deadline), else right here.

        Small reviews take about a millisecond, less than handing them to a thread
        costs; large ones would stall every other request if run on the event loop.
        """
        if not offload:
            return fn(*args)
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.run_in_executor(self.executor, fn, *args), deadline.remaining())

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


STATE = web.AppKey("argo_warden_state", ServerState)
RouteGroup = Callable[[web.Application, ServerState], None]
