#!/usr/bin/env python3
"""Admission latency with cluster secret checks: three secret references vs none, cold and warm cache, one run.

One process holds the stand-in Kubernetes API server (TLS, 5 ms latency per
call by default) and ``argo-warden``'s admission app with the cluster provider
(reached through a real kubeconfig), both on 127.0.0.1 over TLS. Reviews are
sent one at a time, so the figures are latencies:

- none: the seed workflow with no secret reference (the baseline);
- cold: the seed workflow sending three secrets (header secretKeyRef, lookups in url and body),
  with the lookup cache emptied before each review: 3 secret reads + 6 access reviews + 1 read of the
  namespace (its argo-warden.io/enforcement label: the workflow has warnings);
- warm: the same workflow with the answers cached (alternated with "none", review by review).

Prints p50/p99 for each and the ratio warm p50 / none p50. Target: ≤ 1.10.

Usage: python bench/admission_secrets.py [--requests N] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NAMESPACE = "team"


def no_secret_workflow(base: dict[str, Any]) -> dict[str, Any]:
    wf: dict[str, Any] = json.loads(json.dumps(base))
    # The seed's Authorization header is a secret lookup: leave it out.
    del wf["spec"]["templates"][1]["http"]["headers"][1]
    return wf


def three_secret_workflow(base: dict[str, Any]) -> dict[str, Any]:
    wf: dict[str, Any] = json.loads(json.dumps(base))
    get = wf["spec"]["templates"][1]["http"]
    get["headers"][1] = {"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "api-token", "key": "token"}}}
    get["url"] = "https://example.com/{{=lookup 'secret' 'url-part' 'path'}}"
    post = wf["spec"]["templates"][2]["http"]
    post["body"] = post["body"].replace("Processing data", "{{=lookup 'secret' 'body-part' 'greeting'}}")
    return wf


async def measure(session: Any, url: str, body: bytes, requests: int, before: Any = None) -> list[float]:
    times: list[float] = []
    for _ in range(requests):
        if before is not None:
            before()
        started = time.perf_counter()
        async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
            answer = await response.json()
        times.append(time.perf_counter() - started)
        if not answer["response"]["allowed"]:
            raise SystemExit(f"review denied: {answer['response'].get('status')}")
    return times


def line(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    p50 = statistics.median(ordered)
    return f"  {name:<5} p50 {p50 * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms   ({len(times)} reviews)"


async def run(args: argparse.Namespace) -> int:
    import aiohttp
    from aiohttp import web

    from tests.admission.conftest import review, valid_workflow
    from tests.kube_standin import KubeStandIn
    from webhook.admission.provider import FailurePolicy
    from webhook.certs import issue
    from webhook.kube.connection import from_kubeconfig
    from webhook.kube.provider import ClusterProvider
    from webhook.server.app import create_app
    from webhook.server.config import ServerConfig
    from webhook.server.tls import context_from_files

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        standin = KubeStandIn(directory, latency=args.latency)
        for name, key in (("api-token", "token"), ("url-part", "path"), ("body-part", "greeting")):
            standin.add_secret(NAMESPACE, name, {key: "bench-value"})
        standin.allow("alice", namespace=NAMESPACE)
        standin.allow(f"system:serviceaccount:{NAMESPACE}:default", namespace=NAMESPACE)
        await standin.start()
        provider = ClusterProvider(from_kubeconfig(str(standin.kubeconfig())), FailurePolicy.CLOSED)
        files = issue(directory / "certs")
        app = create_app(ServerConfig(), provider)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context_from_files(str(files.cert), str(files.key)))
        await site.start()
        port = runner.addresses[0][1]
        url = f"https://127.0.0.1:{port}/validate?timeout=10s"
        client_ssl = ssl.create_default_context(cafile=str(files.ca_cert))
        plain = json.dumps(review(no_secret_workflow(valid_workflow()), namespace=NAMESPACE)).encode()
        secret = json.dumps(review(three_secret_workflow(valid_workflow()), namespace=NAMESPACE)).encode()
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=client_ssl, limit=1)) as session:
                await measure(session, url, plain, args.warmup)
                await measure(session, url, secret, args.warmup)
                calls_before = sum(standin.calls.values())
                cold = await measure(session, url, secret, args.requests, before=provider.lookups.cache.clear)
                cold_calls = sum(standin.calls.values()) - calls_before
                await measure(session, url, secret, 1)
                warm_before = sum(standin.calls.values())
                # Alternated one by one, so drift in the machine's load falls on both alike.
                none: list[float] = []
                warm: list[float] = []
                for _ in range(args.requests):
                    none += await measure(session, url, plain, 1)
                    warm += await measure(session, url, secret, 1)
                warm_calls = sum(standin.calls.values()) - warm_before
        finally:
            await runner.cleanup()
            await provider.close()
            await standin.stop()
    print(f"admission latency, 3 secret references, stand-in API latency {args.latency * 1000:.1f} ms:")
    print(line("none", none))
    print(line("cold", cold) + f"   API calls: {cold_calls / max(len(cold), 1):.1f} per review")
    print(line("warm", warm) + f"   API calls: {warm_calls}")
    ratio = statistics.median(warm) / statistics.median(none)
    print(f"warm p50 / none p50: {ratio:.3f} (target <= 1.10)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.005, help="stand-in API latency per call, seconds")
    args = parser.parse_args()
    if args.requests <= 0 or args.warmup < 0 or args.latency < 0:
        parser.error("--requests must be > 0, --warmup and --latency >= 0")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
