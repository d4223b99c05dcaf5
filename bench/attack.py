#!/usr/bin/env python3
"""The write path under attack: normal reviews' latency while an attacker sends what issue 13 found.

Starts a real ``argo-warden serve`` (TLS, ``--no-api``, its default worker
processes and caps) and ``argo-warden plugin`` on 127.0.0.1, measures the latency
of a probe — a normal review of a new object every 20 ms from 127.0.0.1, with
the chart's ``?timeout=5s`` — alone, then during each attack, sent from other
loopback addresses (127.0.0.2 and up) as another client would. The probe runs in
a process of its own, as the API server is not the attacker: in one event loop,
the attacker's own TLS handshakes and megabyte bodies delayed the probe's
requests and were counted as the server's latency.

- regex bomb: an HTTP template whose ``url`` is ``{`` repeated (60 KB, 1 MB), a step name of ``{{`` (60 KB, 1 MB);
- huge kind: a 3 MB ``object.kind``;
- a 5,000-digit integer;
- 100 slow bodies (a byte a second) with ``?timeout=30s``;
- 1,000 slowloris connections (a request head a byte a second);
- 2,000 idle keep-alive TLS connections (past ``--max-connections`` they are reset at once);
- a 3,000-task DAG; a 1.4 MiB object near Kubernetes' size limit;
- duplicate plugin calls: two identical ``template.execute`` at once, repeatedly.

For each it prints the probe's p50/p99, the 5xx answers (probe and attack),
answers given after their request's deadline, and the serve process's RSS
before, at its peak and after (the worker processes' total in brackets).
Targets: probe p99 ≤ max(50 ms, 3 × its baseline); no 5xx; nothing past its
deadline; RSS ≤ 200 MiB at peak with 2,000 idle connections and back within
25% of baseline after they close. Every attack is bounded in size and time
(``--seconds`` each), so the run ends by itself in a few minutes.

Usage: python bench/attack.py [--seconds S] [--scale F] [--only NAME ...] [--check]
(``--scale 0.05`` shrinks every size and count: the smoke test's run).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = ROOT / "bench" / "data" / "seed-workflow.yaml"
PROBE_TIMEOUT = 5.0  # the chart's webhook timeoutSeconds
PROBE_INTERVAL = 0.02
PLUGIN_TOKEN = "attack-bench-token"
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- objects


def valid_workflow() -> dict[str, Any]:
    import yaml

    wf: dict[str, Any] = yaml.safe_load(SEED.read_text())
    templates = wf["spec"]["templates"]
    templates[0]["dag"]["tasks"][1]["arguments"] = {
        "parameters": [{"name": "data", "value": "{{tasks.get-data.outputs.result}}"}]}
    templates[2]["inputs"] = {"parameters": [{"name": "data"}]}
    templates[2]["http"]["body"] = templates[2]["http"]["body"].replace(
        "{{tasks.get-data.outputs.result}}", "{{inputs.parameters.data}}")
    return wf


def review(obj: dict[str, Any], uid: str) -> bytes:
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) and len(obj["kind"]) < 64 else "Workflow"
    return json.dumps({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": uid, "kind": {"group": "argoproj.io", "version": "v1alpha1", "kind": kind},
                    "resource": {"group": "argoproj.io", "version": "v1alpha1", "resource": "workflows"},
                    "operation": "CREATE", "namespace": "default", "userInfo": {"username": "attacker"},
                    "object": obj},
    }).encode()


def url_bomb(size: int) -> bytes:
    wf = valid_workflow()
    wf["spec"]["templates"][1]["http"]["url"] = "{" * size
    return review(wf, "url-bomb")


def step_name_bomb(size: int) -> bytes:
    wf = valid_workflow()
    wf["spec"]["templates"][0]["dag"]["tasks"][0]["name"] = "{{" * (size // 2)
    return review(wf, "name-bomb")


def huge_kind(size: int) -> bytes:
    wf = valid_workflow()
    wf["kind"] = ("Workflowz" * (size // 9 + 1))[:size]
    return review(wf, "huge-kind")


def long_integer(digits: int) -> bytes:
    wf = valid_workflow()
    wf["spec"]["parallelism"] = 0
    return review(wf, "long-int").replace(b'"parallelism": 0', b'"parallelism": ' + b"9" * digits)


def long_dag(tasks: int) -> bytes:
    wf = valid_workflow()
    chain: list[dict[str, Any]] = [{"name": "t0", "template": "get-data"}]
    chain += [{"name": f"t{i}", "template": "get-data", "dependencies": [f"t{i - 1}"]} for i in range(1, tasks)]
    wf["spec"]["templates"][0]["dag"]["tasks"] = chain
    return review(wf, "long-dag")


def near_size_limit(size: int) -> bytes:
    wf = valid_workflow()
    http = wf["spec"]["templates"][1]
    count = max(1, size // len(json.dumps(http)))
    for i in range(count):
        wf["spec"]["templates"].append({**http, "name": f"call-{i}"})
    return review(wf, "near-limit")


# ---------------------------------------------------------------- measuring


@dataclass
class Tally:
    """What one side (probe or attacker) saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: int = 0
    past_deadline: int = 0
    failures: int = 0  # no answer at all (connection reset, refused)
    # A valid probe not allowed: answered under the failure policy ("could not check this object").
    unchecked: int = 0

    def note(self, status: int, seconds: float, timeout: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.server_errors += status >= 500
        self.past_deadline += seconds > timeout


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


class Memory:
    """RSS of the serve process (and of its children: the workers), sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        import psutil  # type: ignore[import-untyped]

        self.proc = psutil.Process(pid)
        self.peak = 0
        self.children_peak = 0
        self._task: asyncio.Task[None] | None = None

    def rss(self) -> tuple[int, int]:
        import psutil

        own = self.proc.memory_info().rss
        children = 0
        for child in self.proc.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                children += child.memory_info().rss
        return own, children

    async def _sample(self) -> None:
        while True:
            own, children = self.rss()
            self.peak = max(self.peak, own)
            self.children_peak = max(self.children_peak, children)
            await asyncio.sleep(0.05)

    def start(self) -> None:
        self.peak, self.children_peak = self.rss()
        self._task = asyncio.create_task(self._sample())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


@dataclass
class Target:
    serve: str
    plugin: str
    serve_port: int
    plugin_port: int
    ctx: ssl.SSLContext
    scale: float
    seconds: float
    upstream: str  # the plugin's HTTP target
    ca_file: str = ""  # for the probe's process

    def n(self, full: int, least: int = 1) -> int:
        return max(least, int(full * self.scale))


async def probe(target: Target, stop: asyncio.Event, tally: Tally) -> None:
    """A normal review of a new object every PROBE_INTERVAL, over one kept connection from 127.0.0.1."""
    wf = valid_workflow()
    connector = aiohttp.TCPConnector(ssl=target.ctx, limit=4)
    async with aiohttp.ClientSession(connector=connector) as session:
        i = 0
        while not stop.is_set():
            i += 1
            wf["metadata"] = {"name": f"probe-{os.getpid()}-{time.monotonic_ns()}-{i}"}
            body = review(wf, f"probe-{i}")
            started = time.perf_counter()
            try:
                async with session.post(f"{target.serve}/validate?timeout={PROBE_TIMEOUT:g}s", data=body,
                                        headers={"Content-Type": "application/json"}) as resp:
                    payload = await resp.read()
                    seconds = time.perf_counter() - started
                    if resp.status == 200 and f'"uid":"probe-{i}"'.encode() not in payload:
                        tally.failures += 1
                    elif resp.status == 200 and b'"allowed":true' not in payload.replace(b" ", b""):
                        tally.unchecked += 1
                    tally.note(resp.status, seconds, PROBE_TIMEOUT)
            except (aiohttp.ClientError, OSError):
                tally.failures += 1
            await asyncio.sleep(PROBE_INTERVAL)


async def probe_in_child(url: str, ca_file: str) -> None:
    """The probe's own process: probe until stdin closes, then print what it saw as JSON."""
    ctx = ssl.create_default_context(cafile=ca_file)
    target = Target(url, "", 0, 0, ctx, 1.0, 0.0, "")
    stop = asyncio.Event()
    tally = Tally()
    loop = asyncio.get_running_loop()
    closed = loop.run_in_executor(None, sys.stdin.buffer.read)
    closed.add_done_callback(lambda _: stop.set())
    print("ready", flush=True)
    await probe(target, stop, tally)
    print(json.dumps(dataclasses.asdict(tally)), flush=True)


class ProbeProcess:
    """``probe`` in a process of its own (see the module's docstring)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--probe", self.target.serve, self.target.ca_file,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        if line.strip() != b"ready":
            raise SystemExit(f"the probe's process did not start: {line!r}")

    async def stop(self) -> Tally:
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        out = await asyncio.wait_for(self.proc.stdout.read(), 60)
        await self.proc.wait()
        fields = json.loads(out)
        fields["statuses"] = {int(k): v for k, v in fields["statuses"].items()}
        return Tally(**fields)


def attacker_session(target: Target, source: str = "127.0.0.2", limit: int = 8) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=target.ctx, local_addr=(source, 0),
                                                                limit=limit))


async def post_repeatedly(target: Target, body: bytes, tally: Tally, timeout: float = 10.0,
                          concurrency: int = 2) -> None:
    """POST ``body`` to /validate again and again from ``concurrency`` clients for the attack's time."""
    end = time.monotonic() + target.seconds
    async with attacker_session(target) as session:
        async def one() -> None:
            while time.monotonic() < end:
                started = time.perf_counter()
                try:
                    async with session.post(f"{target.serve}/validate?timeout={timeout:g}s", data=body,
                                            headers={"Content-Type": "application/json"}) as resp:
                        await resp.read()
                        tally.note(resp.status, time.perf_counter() - started, timeout)
                except (aiohttp.ClientError, OSError):
                    tally.failures += 1
        await asyncio.gather(*(one() for _ in range(concurrency)))


async def open_tls(target: Target, source: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    try:
        return await asyncio.wait_for(asyncio.open_connection(
            "127.0.0.1", target.serve_port, ssl=target.ctx, local_addr=(source, 0)), 10)
    except (OSError, ssl.SSLError, TimeoutError):
        return None


def sources(count: int, first: int) -> list[str]:
    """Loopback source addresses, a serve's per-client cap (250) of connections each."""
    return [f"127.0.0.{first + i // 250}" for i in range(count)]


async def many_connections(target: Target, count: int, first_source: int, tally: Tally,
                           behave: Callable[[asyncio.StreamReader, asyncio.StreamWriter],
                                            Coroutine[Any, Any, None]]) -> None:
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    started = time.perf_counter()
    for batch in range(0, count, 100):
        results = await asyncio.gather(*(open_tls(target, s) for s in sources(count, first_source)[batch:batch + 100]))
        opened += [r for r in results if r is not None]
        tally.failures += sum(r is None for r in results)  # reset at accept: past a cap
    tally.statuses[0] = len(opened)  # "0": connections held open
    opening = time.perf_counter() - started
    behaving = [asyncio.create_task(behave(r, w)) for r, w in opened]
    await asyncio.sleep(max(0.0, target.seconds - opening))
    for task in behaving:
        task.cancel()
    await asyncio.gather(*behaving, return_exceptions=True)
    for _r, w in opened:
        w.close()


# ---------------------------------------------------------------- the attacks


async def attack_post(make: Callable[[], bytes], timeout: float = 10.0) -> Callable[[Target, Tally], Awaitable[None]]:
    body = make()

    async def run(target: Target, tally: Tally) -> None:
        await post_repeatedly(target, body, tally, timeout)
    return run


async def slow_bodies(target: Target, tally: Tally) -> None:
    body = review(valid_workflow(), "slow-body")
    head = (f"POST /validate?timeout=30s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()

    async def dribble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        started = time.perf_counter()
        answered = asyncio.create_task(reader.read(64))
        try:
            writer.write(head + body[:1])
            for byte in body[1:]:
                done, _ = await asyncio.wait([answered], timeout=1.0)
                if done:
                    break
                writer.write(bytes([byte]))
            answer = await answered
            if answer.startswith(b"HTTP/1.1 "):
                tally.note(int(answer[9:12]), time.perf_counter() - started, 30.0)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            answered.cancel()

    await many_connections(target, target.n(100), 2, tally, dribble)


async def slowloris(target: Target, tally: Tally) -> None:
    head = b"POST /validate?timeout=30s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 4096

    async def dribble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            for byte in head:
                writer.write(bytes([byte]))
                await asyncio.sleep(1.0)

    await many_connections(target, target.n(1000), 10, tally, dribble)


async def idle_connections(target: Target, tally: Tally) -> None:
    async def idle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    await many_connections(target, target.n(2000), 20, tally, idle)


async def duplicate_plugin_calls(target: Target, tally: Tally) -> None:
    end = time.monotonic() + target.seconds
    headers = {"Authorization": f"Bearer {PLUGIN_TOKEN}"}
    async with aiohttp.ClientSession() as session:
        async def call(i: int) -> None:
            body = {"workflow": {"metadata": {"name": "wf", "namespace": "team", "uid": f"u-{i}"}},
                    "template": {"name": "call", "inputs": {}, "outputs": {},
                                 "plugin": {"argo-warden": {"url": f"{target.upstream}/slow", "timeoutSeconds": 5}}}}
            started = time.perf_counter()
            try:
                async with session.post(f"{target.plugin}/api/v1/template.execute", json=body,
                                        headers=headers) as resp:
                    await resp.read()
                    tally.note(resp.status, time.perf_counter() - started, 10.0)
            except (aiohttp.ClientError, OSError):
                tally.failures += 1
        i = 0
        while time.monotonic() < end:
            i += 1
            await asyncio.gather(call(i), call(i))


async def upstream_server() -> tuple[Any, str]:
    """The HTTP endpoint the plugin's steps call: answers after 0.2 s."""
    from aiohttp import web

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.2)
        return web.Response(text="done")

    app = web.Application()
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------- the run


@dataclass
class Row:
    name: str
    probe: Tally
    attack: Tally
    rss_before: int
    rss_peak: int
    rss_after: int
    workers_peak: int


async def measure(name: str, target: Target, memory: Memory,
                  attack: Callable[[Target, Tally], Awaitable[None]] | None) -> Row:
    await asyncio.sleep(0.5)
    before, _ = memory.rss()
    memory.start()
    attack_tally = Tally()
    probing = ProbeProcess(target)
    await probing.start()
    if attack is None:
        await asyncio.sleep(target.seconds)
    else:
        await asyncio.sleep(0.2)
        await attack(target, attack_tally)
    probe_tally = await probing.stop()
    await memory.stop()
    # The server gives memory back after a burst of connections closes (it looks every 2 s).
    after, _ = memory.rss()
    for _ in range(12):
        if after <= before * 1.25:
            break
        await asyncio.sleep(0.5)
        after, _ = memory.rss()
    return Row(name, probe_tally, attack_tally, before, memory.peak, after, memory.children_peak)


def attacks(scale: float) -> list[tuple[str, Callable[[], Awaitable[Callable[[Target, Tally], Awaitable[None]]]]]]:
    def sized(n: int) -> int:
        return max(64, int(n * scale))

    async def ready(run: Callable[[Target, Tally], Awaitable[None]]) -> Callable[[Target, Tally], Awaitable[None]]:
        return run

    return [
        ("regex bomb: url 60 KB", lambda: attack_post(lambda: url_bomb(sized(60_000)))),
        ("regex bomb: url 1 MB", lambda: attack_post(lambda: url_bomb(sized(1_000_000)))),
        ("regex bomb: step name 60 KB", lambda: attack_post(lambda: step_name_bomb(sized(60_000)))),
        ("regex bomb: step name 1 MB", lambda: attack_post(lambda: step_name_bomb(sized(1_000_000)))),
        ("huge kind 3 MB", lambda: attack_post(lambda: huge_kind(sized(3_000_000)))),
        ("5,000-digit integer", lambda: attack_post(lambda: long_integer(5000))),
        ("100 slow bodies, ?timeout=30s", lambda: ready(slow_bodies)),
        ("1,000 slowloris connections", lambda: ready(slowloris)),
        ("2,000 idle keep-alive connections", lambda: ready(idle_connections)),
        ("3,000-task DAG", lambda: attack_post(lambda: long_dag(max(10, int(3000 * scale))))),
        ("1.4 MiB object", lambda: attack_post(lambda: near_size_limit(sized(int(1.4 * MIB))))),
        ("duplicate plugin calls", lambda: ready(duplicate_plugin_calls)),
    ]


def report(rows: list[Row]) -> bool:
    baseline = rows[0]
    base_p99 = percentile(baseline.probe.latencies, 0.99)
    limit = max(0.050, 3 * base_p99)
    print(f"attack bench: probe = a new valid Workflow every {PROBE_INTERVAL * 1000:.0f} ms, ?timeout="
          f"{PROBE_TIMEOUT:g}s; probe p99 limit {limit * 1000:.1f} ms (max of 50 ms and 3x baseline)")
    print(f"  {'attack':36s} {'probe p50':>9s} {'p99':>8s} {'n':>5s} {'5xx':>4s} {'late':>5s} {'no answer':>9s}"
          f" {'unchecked':>9s}   RSS MiB before / peak / after [workers peak]   attack answers")
    ok = True
    for row in rows:
        p50 = percentile(row.probe.latencies, 0.5) * 1000
        p99 = percentile(row.probe.latencies, 0.99) * 1000
        errors = row.probe.server_errors + row.attack.server_errors
        late = row.probe.past_deadline + row.attack.past_deadline
        statuses = ", ".join(f"{'held open' if k == 0 else k}: {v}" for k, v in sorted(row.attack.statuses.items()))
        if row.attack.failures:
            statuses += f", reset/no answer: {row.attack.failures}"
        met = (p99 <= limit * 1000 and errors == 0 and late == 0 and row.probe.failures == 0
               and row.probe.unchecked == 0)
        if row.name.startswith("2,000 idle"):
            met = met and row.rss_peak <= 200 * MIB and row.rss_after <= row.rss_before * 1.25
        ok = ok and met
        print(f"  {row.name:36s} {p50:7.1f}ms {p99:6.1f}ms {len(row.probe.latencies):5d} {errors:4d} {late:5d}"
              f" {row.probe.failures:9d} {row.probe.unchecked:9d}"
              f"   {row.rss_before / MIB:6.1f} / {row.rss_peak / MIB:6.1f} / {row.rss_after / MIB:6.1f}"
              f" [{row.workers_peak / MIB:5.1f}]   {statuses or '-'}"
              f"{'' if met or row is baseline else '   << target missed'}")
    print(f"all targets met: {'yes' if ok else 'no'}")
    return ok


async def main_async(args: argparse.Namespace) -> int:
    from webhook.certs import issue

    with tempfile.TemporaryDirectory(prefix="argo-warden-attack-") as tmp:
        files = issue(tmp)
        token = Path(tmp) / "token"
        token.write_text(PLUGIN_TOKEN)
        ctx = ssl.create_default_context(cafile=str(files.ca_cert))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        serve_port, plugin_port = free_port(), free_port()
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "cwd": tmp}
        serve = subprocess.Popen([sys.executable, "-m", "webhook", "serve", "--host", "127.0.0.1", "--port",
                                  str(serve_port), "--tls-cert", str(files.cert), "--tls-key", str(files.key),
                                  "--no-api"], **quiet)  # type: ignore[call-overload]
        plugin = subprocess.Popen([sys.executable, "-m", "webhook", "plugin", "--port", str(plugin_port),
                                   "--token-file", str(token), "--allow-host", "127.0.0.1"],
                                  **quiet)  # type: ignore[call-overload]
        upstream, upstream_url = await upstream_server()
        try:
            target = Target(f"https://127.0.0.1:{serve_port}", f"http://127.0.0.1:{plugin_port}", serve_port,
                            plugin_port, ctx, args.scale, args.seconds, upstream_url, str(files.ca_cert))
            await wait_ready(target, serve)
            memory = Memory(serve.pid)
            rows = [await measure("baseline (no attack)", target, memory, None)]
            for name, make in attacks(args.scale):
                if args.only and not any(o.lower() in name.lower() for o in args.only):
                    continue
                rows.append(await measure(name, target, memory, await make()))
                if serve.poll() is not None or plugin.poll() is not None:
                    print(f"a server exited during '{name}'", file=sys.stderr)
                    return 2
        finally:
            await upstream.cleanup()
            for proc in (serve, plugin):
                proc.terminate()
            for proc in (serve, plugin):
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
    met = report(rows)
    return 1 if args.check and not met else 0


async def wait_ready(target: Target, serve: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if serve.poll() is not None:
                raise SystemExit(f"serve exited with {serve.returncode}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(f"{target.serve}/readyz", ssl=target.ctx) as resp:
                    if resp.status == 200:
                        break
            await asyncio.sleep(0.1)
        else:
            raise SystemExit("serve not ready")
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", target.plugin_port), 0.2):
                return
            await asyncio.sleep(0.1)
    raise SystemExit("plugin not listening")


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--probe":
        asyncio.run(probe_in_child(sys.argv[2], sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="how long each attack (and the baseline) lasts")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size and count (smoke: 0.05)")
    parser.add_argument("--only", nargs="*", default=[], help="run only attacks whose name contains one of these")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    started = time.monotonic()
    code = asyncio.run(main_async(args))
    print(f"({time.monotonic() - started:.0f} s)")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
