#!/usr/bin/env python3
"""The REST API's cost: the lint endpoint against the admission ``/validate`` of the same workflow, and
workflows created and run to completion per second, in one run against one server.

One ``argo-warden serve`` process on 127.0.0.1 with TLS (a certificate from
``webhook.certs``), a token file, the seed workflow's recorded responses and no
API rate limit. The same aiohttp client, at the same concurrency:

(a) ``POST /api/v1/workflows/{ns}/lint`` with the seed workflow, and ``POST /validate``
    with an AdmissionReview of the same workflow, in alternating rounds;
    prints requests/s for both and the ratio lint / validate; both paths memoise
    verdicts, so this is repeated once with every request a different workflow
    (the seed with its own label value), where the validation itself is paid;
(b) M seed workflows created through ``POST /api/v1/workflows/{ns}`` while an event
    stream counts them Succeeded: workflows created-and-completed per second;
and the server's peak RSS.

Usage: python bench/api.py [--requests N] [--workflows M] [--concurrency C] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from admission import free_port, wait_ready  # noqa: E402 - a sibling script (bench/ is on sys.path)

NAMESPACE = "bench"
TOKEN = "bench-token-0123456789abcdef"
SEED = ROOT / "examples" / "seed.yaml"
RESPONSES = ROOT / "examples" / "seed-responses.yaml"


def seed() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    return data


def admission_review(obj: dict[str, Any]) -> bytes:
    return json.dumps({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "bench", "kind": {"group": "argoproj.io", "version": "v1alpha1", "kind": "Workflow"},
                    "resource": {"group": "argoproj.io", "version": "v1alpha1", "resource": "workflows"},
                    "operation": "CREATE", "namespace": NAMESPACE, "userInfo": {"username": "bench"},
                    "object": obj},
    }).encode()


async def rate(session: Any, url: str, bodies: bytes | list[bytes], requests: int, concurrency: int) -> float:
    """Requests per second for ``requests`` POSTs at ``concurrency`` (of one body, or of each of ``bodies``
    once); every answer must be 200."""
    remaining = requests
    failures = 0

    async def worker() -> None:
        nonlocal remaining, failures
        while remaining > 0:
            remaining -= 1
            body = bodies if isinstance(bodies, bytes) else bodies[remaining]
            async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
                await response.read()
                failures += response.status != 200

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{failures} of {requests} requests to {url} failed")
    return requests / elapsed


async def completed_per_second(session: Any, base: str, workflows: int, concurrency: int) -> float:
    """Create ``workflows`` seed workflows and wait, on the event stream, until every one Succeeded."""
    body = json.dumps({"workflow": seed()}).encode()
    succeeded: set[str] = set()
    failed: list[str] = []
    ready = asyncio.Event()

    async def follow() -> None:
        async with session.get(f"{base}/api/v1/workflow-events/{NAMESPACE}?listOptions.resourceVersion=0") as resp:
            ready.set()
            async for line in resp.content:
                if not line.strip():
                    continue
                event = json.loads(line)
                if "result" not in event:
                    # The stream ended with an error ({"error": {"code", "message"}}, as grpc-gateway sends).
                    raise SystemExit(f"the event stream failed: {event.get('error')}")
                obj = event["result"]["object"]
                phase = obj.get("status", {}).get("phase")
                if phase == "Succeeded":
                    succeeded.add(obj["metadata"]["name"])
                elif phase in ("Failed", "Error"):
                    failed.append(obj["metadata"]["name"])
                if len(succeeded) + len(failed) >= workflows:
                    return

    follower = asyncio.create_task(follow())
    await ready.wait()
    remaining = workflows

    async def create() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            async with session.post(f"{base}/api/v1/workflows/{NAMESPACE}", data=body,
                                    headers={"Content-Type": "application/json"}) as response:
                await response.read()
                if response.status != 200:
                    raise SystemExit(f"create answered {response.status}")

    started = time.perf_counter()
    await asyncio.gather(*(create() for _ in range(concurrency)))
    await asyncio.wait_for(follower, timeout=120)
    elapsed = time.perf_counter() - started
    if failed:
        raise SystemExit(f"{len(failed)} benchmark workflows did not succeed")
    return workflows / elapsed


def distinct_seeds(count: int, tag: str) -> list[dict[str, Any]]:
    """``count`` seed workflows that differ in one label, so no verdict memo can answer them."""
    out = []
    for i in range(count):
        workflow = seed()
        workflow["metadata"].setdefault("labels", {})["bench"] = f"{tag}-{i}"
        out.append(workflow)
    return out


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def run(args: argparse.Namespace) -> int:
    import aiohttp

    from webhook.certs import issue

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        files = issue(directory / "certs")
        tokens = directory / "tokens.yaml"
        tokens.write_text(f'- {{token: "{TOKEN}", user: bench, namespaces: ["*"]}}\n', encoding="utf-8")
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "webhook", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--tls-cert", str(files.cert), "--tls-key", str(files.key), "--tokens", str(tokens),
             "--responses", str(RESPONSES), "--data-dir", str(directory / "data"), "--api-rate-limit", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        client_ssl = ssl.create_default_context(cafile=str(files.ca_cert))
        base = f"https://127.0.0.1:{port}"
        try:
            await wait_ready(f"{base}/readyz", client_ssl, server)
            connector = aiohttp.TCPConnector(ssl=client_ssl, limit=args.concurrency + 1)
            async with aiohttp.ClientSession(connector=connector,
                                             headers={"Authorization": f"Bearer {TOKEN}"}) as session:
                lint_url = f"{base}/api/v1/workflows/{NAMESPACE}/lint"
                lint_body = json.dumps({"workflow": seed()}).encode()
                review = admission_review(seed())
                await rate(session, lint_url, lint_body, args.warmup, args.concurrency)
                await rate(session, f"{base}/validate", review, args.warmup, args.concurrency)
                lint_rates, validate_rates = [], []
                for _ in range(args.rounds):
                    lint_rates.append(await rate(session, lint_url, lint_body, args.requests, args.concurrency))
                    validate_rates.append(await rate(session, f"{base}/validate", review, args.requests,
                                                     args.concurrency))
                fresh_lint, fresh_validate = [], []
                for round_ in range(args.rounds):
                    lint_bodies = [json.dumps({"workflow": w}).encode()
                                   for w in distinct_seeds(args.requests, f"lint{round_}")]
                    reviews = [admission_review(w) for w in distinct_seeds(args.requests, f"validate{round_}")]
                    fresh_lint.append(await rate(session, lint_url, lint_bodies, args.requests, args.concurrency))
                    fresh_validate.append(await rate(session, f"{base}/validate", reviews, args.requests,
                                                     args.concurrency))
                per_second = await completed_per_second(session, base, args.workflows, args.concurrency)
            rss = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    lint, validate = max(lint_rates), max(validate_rates)
    distinct_lint, distinct_validate = max(fresh_lint), max(fresh_validate)
    print(f"REST API bench: seed workflow, concurrency {args.concurrency}, TLS on 127.0.0.1, one server process")
    print(f"(a) lint endpoint     {lint:8.0f} req/s")
    print(f"    admission validate{validate:8.0f} req/s")
    print(f"    ratio lint / validate: {lint / validate:.2f}")
    print("    every request a different workflow (no memo):")
    print(f"    lint endpoint     {distinct_lint:8.0f} req/s")
    print(f"    admission validate{distinct_validate:8.0f} req/s")
    print(f"    ratio lint / validate, distinct workflows: {distinct_lint / distinct_validate:.2f}")
    print(f"(b) {args.workflows} workflows created and run to Succeeded: {per_second:.1f} per second")
    print(f"peak RSS of the server {rss:.0f} MB")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per round and endpoint")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--workflows", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="a tiny run (smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.rounds, args.warmup, args.workflows = 40, 1, 10, 10
    if min(args.requests, args.rounds, args.workflows, args.concurrency) <= 0 or args.warmup < 0:
        parser.error("sizes must be above 0")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
