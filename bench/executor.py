#!/usr/bin/env python3
"""The embedded executor's overhead: argo-warden's engine against raw aiohttp, same server, same run.

A small aiohttp server runs in its own process on 127.0.0.1 (GET /item returns a
small JSON body). Then, in this process, alternately:

(a) sequential: a Workflow whose steps template has N groups of one HTTP step
    each, against a raw ``aiohttp`` loop of N sequential GETs (one session);
    target ratio ours / raw ≤ 1.3 (N = 200);
(b) fan-out: a DAG of M independent HTTP tasks, against ``asyncio.gather`` of M
    raw GETs (one session, aiohttp's default pool of 100 connections, as ours);
    target ratio ≤ 2 (M = 1,000), and peak RSS of this process ≤ 150 MB.

After one warm-up, --repeat rounds each run the two sides back to back; the
ratio printed is the median over rounds of ours / baseline (a slow spell of the
machine, which it shares with the server process and anything else, hits both
runs of a round alike), next to the ratio of the two best runs. The engine runs
with the SSRF guard on (127.0.0.1 allowed) and events off, as a library caller would, after the
start-up objects are frozen out of the GC's full passes as ``argo-warden plugin`` and ``run`` do.

Usage: python bench/executor.py [--sequential N] [--fanout M] [--repeat R]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BODY = b'{"status": "completed", "data": {"items": [1, 2, 3]}}'


def serve(port: int) -> None:
    from aiohttp import web

    async def item(request: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="application/json")

    app = web.Application()
    app.router.add_get("/item", item)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the benchmark server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the benchmark server did not start")


def sequential_workflow(url: str, n: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "bench-sequential"},
        "spec": {"entrypoint": "main", "templates": [
            {"name": "main", "steps": [[{"name": f"s{i}", "template": "get"}] for i in range(n)]},
            {"name": "get", "http": {"url": url, "timeoutSeconds": 30}},
        ]},
    }


def fanout_workflow(url: str, m: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "bench-fanout"},
        "spec": {"entrypoint": "main", "templates": [
            {"name": "main", "dag": {"tasks": [{"name": f"t{i}", "template": "get"} for i in range(m)]}},
            {"name": "get", "http": {"url": url, "timeoutSeconds": 30}},
        ]},
    }


async def raw_sequential(url: str, n: int) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        for _ in range(n):
            async with session.get(url) as response:
                await response.read()
                assert response.status == 200


async def raw_gather(url: str, m: int) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async def one() -> None:
            async with session.get(url) as response:
                await response.read()
                assert response.status == 200

        await asyncio.gather(*(one() for _ in range(m)))


async def ours(workflow: dict[str, Any]) -> None:
    from webhook.executor.engine import RunOptions, WorkflowRun
    from webhook.executor.guard import HostPolicy
    from webhook.executor.nodes import Phase

    run = WorkflowRun(workflow, RunOptions(policy=HostPolicy.from_entries(["127.0.0.1"])))
    result = await run.execute()
    if result.phase is not Phase.SUCCEEDED:
        raise SystemExit(f"the benchmark workflow did not succeed: {result.message}")


async def timed(make: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await make()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Comparison:
    baseline: float  # best run, seconds
    ours: float
    # Median over rounds of ours / baseline, each round's two runs back to back: a slow spell of the machine
    # hits both sides of a round alike, where the two best runs may come from different spells.
    paired_ratio: float

    @property
    def best_ratio(self) -> float:
        return self.ours / self.baseline


async def compare(baseline: Callable[[], Awaitable[None]], engine: Callable[[], Awaitable[None]],
                  repeat: int) -> Comparison:
    await baseline()
    await engine()
    base_times: list[float] = []
    our_times: list[float] = []
    for _ in range(repeat):
        base_times.append(await timed(baseline))
        our_times.append(await timed(engine))
    paired = statistics.median(o / b for o, b in zip(our_times, base_times, strict=True))
    return Comparison(min(base_times), min(our_times), paired)


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(args: argparse.Namespace) -> int:
    from webhook.memory import freeze_start_up_objects

    # As the plugin sidecar does once it has started: what lives as long as the process (modules, grammars)
    # leaves the GC's full passes, which would otherwise walk it every few hundred steps, on both sides.
    freeze_start_up_objects()
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        wait_listening(port, server)
        url = f"http://127.0.0.1:{port}/item"
        seq = sequential_workflow(url, args.sequential)
        fan = fanout_workflow(url, args.fanout)
        sequential = await compare(lambda: raw_sequential(url, args.sequential), lambda: ours(seq), args.repeat)
        fanout = await compare(lambda: raw_gather(url, args.fanout), lambda: ours(fan), args.repeat)
    finally:
        server.terminate()
        server.wait(timeout=10)
    rss = peak_rss_mb()

    def verdict(ok: bool) -> str:
        return "ok" if ok else "OVER TARGET"

    def figures(c: Comparison, target: float) -> str:
        return (f"ratio {c.paired_ratio:.2f} (median of rounds; best vs best {c.best_ratio:.2f}; "
                f"target <= {target:g}: {verdict(c.paired_ratio <= target)})")

    print(f"(a) {args.sequential} sequential steps   raw aiohttp loop {sequential.baseline * 1000:8.1f} ms   "
          f"argo-warden {sequential.ours * 1000:8.1f} ms   {figures(sequential, 1.3)}")
    print(f"(b) {args.fanout}-task fan-out DAG    asyncio.gather   {fanout.baseline * 1000:8.1f} ms   "
          f"argo-warden {fanout.ours * 1000:8.1f} ms   {figures(fanout, 2)}")
    print(f"peak RSS {rss:.0f} MB (target <= 150: {verdict(rss <= 150)})")
    per_raw, per_ours = sequential.baseline / args.sequential * 1e6, sequential.ours / args.sequential * 1e6
    print(f"per step: raw {per_raw:.0f} us, argo-warden {per_ours:.0f} us "
          f"(engine overhead {per_ours - per_raw:.0f} us)")
    return 0


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--fanout", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    options = parse()
    if options.serve:
        serve(options.serve)
        raise SystemExit(0)
    raise SystemExit(asyncio.run(main(options)))
