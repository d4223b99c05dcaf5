"""Run the server until SIGTERM or SIGINT, then shut down gracefully.

On the signal: readiness turns false, the listening socket closes (no new
connections), every response closes its connection, requests in flight finish
within the grace period, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from aiohttp import web

from webhook.admission.mutation import Mutator, mutators
from webhook.admission.provider import ContextProvider
from webhook.logs import event
from webhook.memory import keep_heaps_small
from webhook.server.app import create_app
from webhook.server.busy_first import QuietConnections, new_event_loop
from webhook.server.config import ServerConfig
from webhook.server.connections import CappedSite, give_back_after_bursts, shrink_tls_buffers
from webhook.server.draining import stop_listening_and_drain
from webhook.server.metrics import Metrics, PoolCollector
from webhook.server.state import RouteGroup, ServerState
from webhook.server.tls import ReloadingTLS
from webhook.server.warming import warm_up
from webhook.server.worker_process import WorkerSettings
from webhook.server.workers import WorkerPool


class ListenError(Exception):
    pass


def run_server(config: ServerConfig, provider: ContextProvider, extra_route_groups: Sequence[RouteGroup] = (),
               chain: tuple[Mutator, ...] | None = None) -> None:
    """``serve`` on an event loop of its own that serves connections in use first (see busy_first.py)."""
    quiet = QuietConnections()
    with asyncio.Runner(loop_factory=lambda: new_event_loop(quiet)) as runner:
        runner.run(serve(config, provider, extra_route_groups, chain, quiet=quiet))


async def serve(config: ServerConfig, provider: ContextProvider, extra_route_groups: Sequence[RouteGroup] = (),
                chain: tuple[Mutator, ...] | None = None, quiet: QuietConnections | None = None) -> None:
    metrics = Metrics()
    register_metrics = getattr(provider, "register_metrics", None)
    if register_metrics is not None:
        # A provider that talks to the cluster exposes its cache and API call counts too.
        register_metrics(metrics.registry)
    listen, files = config.listen, config.tls.files
    tls = ReloadingTLS(files, metrics, config.tls.poll_seconds) if files is not None else None
    state = ServerState(config, provider, metrics=metrics, tls=tls, quiet=quiet,
                        mutators=chain if chain is not None else mutators(config.admission.plugin_mutation))
    app = create_app(config, provider, extra_route_groups, state=state)
    # aiohttp (>= 3.14.4) runs this timer from the moment a connection opens until a request head is complete.
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=listen.grace_period,
                           keepalive_timeout=listen.idle_seconds)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    work = config.validation
    if work.worker_processes > 0:
        state.pool = WorkerPool(work.worker_processes,
                                WorkerSettings(config.policy, config.admission.plugin_mutation, work.max_depth),
                                work.large_body_bytes)
        state.metrics.registry.register(PoolCollector(state.pool))
        # The forkserver warms up in its own process meanwhile.
        starting = asyncio.create_task(state.pool.start())
    warm_up(state.mutators)
    if state.pool is not None:
        await starting
    await provider.start()
    await runner.setup()
    watcher: asyncio.Task[None] | None = None
    trimmer: asyncio.Task[None] | None = None
    try:
        shrink_tls_buffers()
        keep_heaps_small()
        site = CappedSite(runner, listen.host, listen.port, ssl_context=tls.front if tls else None,
                          counts=state.connections, handshake_seconds=config.tls.handshake_seconds, quiet=quiet)
        try:
            await site.start()
        except OSError as exc:
            raise ListenError(f"cannot listen on {listen.host}:{listen.port}: {exc.strerror or exc}") from None
        if tls is not None:
            watcher = asyncio.create_task(tls.watch())
        trimmer = asyncio.create_task(give_back_after_bursts(state.connections, state.bodies))
        event("listening", host=listen.host, port=listen.port, tls=tls is not None,
              failure_policy=str(config.admission.failure_policy), ready=state.not_ready_reason() is None,
              enforcement=str(config.policy.enforcement), policy=config.policy.source)
        await stop.wait()
        state.shutting_down = True
        event("shutting down", in_flight=state.in_flight, grace_period=listen.grace_period)
        # Reviews in flight finish while their connections are still open (see draining.py); answers given
        # meanwhile carry Connection: close, so each open connection takes at most one more request.
        settled = await stop_listening_and_drain(
            site, lambda: state.in_flight > 0 or state.arrivals.count > 0, listen.grace_period)
        if not settled:
            event("grace period over", logging.WARNING, in_flight=state.in_flight)
    finally:
        for task in (watcher, trimmer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        # Closes the connections, ends event streams, waits up to the grace period for any request still
        # running (after a drain, normally none).
        await runner.cleanup()
        await provider.close()
        if state.pool is not None:
            await state.pool.close()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    event("stopped", logging.INFO)
