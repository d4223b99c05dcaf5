"""``argo-warden serve`` and ``argo-warden certs`` as processes: flags, certificates, hot reload, SIGTERM."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography import x509

from tests.admission.conftest import ROOT, free_port, review, valid_workflow
from tests.admission.test_server import big_workflow
from tests.conftest import CliRunner
from tests.shutdown import split_across_sigterm
from webhook.certs import issue


class ServeProcess:
    def __init__(self, args: list[str], cwd: Path, api: bool = False, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.stderr_path = cwd / f"serve-{self.port}.log"
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "webhook", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             *([] if api else ["--no-api"]), *args],
            cwd=cwd, stdout=subprocess.PIPE, stderr=self._stderr,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        )
        self.url = f"https://127.0.0.1:{self.port}"

    def log(self) -> list[dict[str, Any]]:
        lines = self.stderr_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    async def wait_ready(self, ctx: ssl.SSLContext | bool, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, f"serve exited: {self.stderr_path.read_text()}"
                try:
                    async with session.get(self.url + "/readyz", ssl=ctx) as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"not ready within {seconds}s: {self.stderr_path.read_text()}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self._stderr.close()
            if self.proc.stdout:
                self.proc.stdout.close()
        return code


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for p in started:
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait(10)


async def served_serial(port: int, ctx: ssl.SSLContext) -> int:
    """Serial number of the certificate a new TLS connection to the server gets."""
    _reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        return int(x509.load_der_x509_certificate(der).serial_number)
    finally:
        writer.close()
        await writer.wait_closed()


# ---------------------------------------------------------------- certs


def test_certs_writes_a_ca_and_serving_certificate(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli("certs", "--out", str(out), "--dns", "extra.example", "--ip", "10.1.2.3",
                 "--service", "warden", "--namespace", "tools", "--days", "30")
    assert result.returncode == 0, result.stderr
    bundle = result.stdout.strip()
    assert "\n" not in bundle and base64.b64decode(bundle) == (out / "ca.crt").read_bytes()
    for key in ("ca.key", "tls.key"):
        assert (out / key).stat().st_mode & 0o777 == 0o600
    ca = x509.load_pem_x509_certificate((out / "ca.crt").read_bytes())
    cert = x509.load_pem_x509_certificate((out / "tls.crt").read_bytes())
    cert.verify_directly_issued_by(ca)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) >= {
        "localhost", "warden", "warden.tools", "warden.tools.svc", "warden.tools.svc.cluster.local", "extra.example"}
    assert {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1", "10.1.2.3"}
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 30
    # Run again: the CA is kept (the caBundle in the cluster stays valid), the serving certificate is new.
    again = cli("certs", "--out", str(out))
    assert again.returncode == 0 and again.stdout.strip() == bundle and "kept the CA" in again.stderr
    assert x509.load_pem_x509_certificate((out / "tls.crt").read_bytes()).serial_number != cert.serial_number


@pytest.mark.parametrize("args, message", [
    (["--ip", "300.1.1.1"], "'300.1.1.1' is not an IP address"),
    (["--dns", "bad name"], "'bad name' is not a DNS name"),
    (["--service=-x-"], "'-x-' is not a DNS name"),
    (["--days", "0"], "must be greater than 0"),
])
def test_certs_refuses_bad_input(cli: CliRunner, tmp_path: Path, args: list[str], message: str) -> None:
    result = cli("certs", "--out", str(tmp_path / "c"), *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_certs_reports_an_unwritable_directory(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = cli("certs", "--out", str(tmp_path / "file" / "sub"))
    assert result.returncode == 2 and "cannot create" in result.stderr


# ---------------------------------------------------------------- serve flags


@pytest.mark.parametrize("args, message", [
    ([], "choose --tls-cert FILE --tls-key FILE, --self-signed, or --no-tls"),
    (["--tls-cert", "a.crt"], "--tls-cert and --tls-key go together"),
    (["--no-tls", "--self-signed"], "--no-tls cannot be combined with --self-signed"),
    (["--self-signed", "--tls-key", "k"], "--self-signed makes its own certificate"),
    (["--no-tls", "--secrets", "missing.yaml"], "--secrets missing.yaml: no such file"),
    (["--no-tls", "--kubeconfig", "kc"], "kubeconfig kc does not exist"),
    (["--no-tls", "--kubeconfig", "kc", "--secrets", "s.yaml"],
     "--secrets reads Secret manifests instead of a cluster"),
    (["--no-tls", "--failure-policy", "maybe"], "invalid choice: 'maybe'"),
    (["--no-tls", "--allow-host", "10.0.0.0/99"], "--allow-host/--deny-host:"),
    (["--no-tls", "--max-body", "0"], "--max-body"),
])
def test_serve_refuses_bad_flags(cli: CliRunner, tmp_path: Path, args: list[str], message: str) -> None:
    result = cli("serve", *args, cwd=str(tmp_path), timeout=30)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_serve_reports_a_port_in_use(cli: CliRunner, tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("serve", "--no-tls", "--no-api", "--host", "127.0.0.1", "--port", str(port), cwd=str(tmp_path))
    assert result.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


# ---------------------------------------------------------------- running


async def test_self_signed_serves_with_the_printed_ca_and_logs_one_line_per_review(
        tmp_path: Path, processes: list[ServeProcess]) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: my-api-secret}\n"
                       "stringData: {token: sup3r-s3cret-value}\n")
    server = ServeProcess(["--self-signed", "--secrets", str(secrets)], tmp_path)
    processes.append(server)
    assert server.proc.stdout is not None
    bundle = server.proc.stdout.readline().decode().strip()
    ca_pem = base64.b64decode(bundle)
    assert ca_pem == (tmp_path / "certs" / "ca.crt").read_bytes()
    assert (tmp_path / "certs" / "tls.key").stat().st_mode & 0o777 == 0o600
    ctx = ssl.create_default_context(cadata=ca_pem.decode())
    await server.wait_ready(ctx)
    doc = review(valid_workflow(), uid="log-me", namespace="team-a")
    async with aiohttp.ClientSession() as session:
        async with session.post(server.url + "/validate?timeout=5s", json=doc, ssl=ctx) as resp:
            assert resp.status == 200 and (await resp.json())["response"]["allowed"] is True
        async with session.post(server.url + "/mutate?timeout=5s", json=doc, ssl=ctx) as resp:
            assert resp.status == 200
    assert server.stop() == 0
    reviews = [e for e in server.log() if e["msg"] == "review"]
    assert [e["webhook"] for e in reviews] == ["validate", "mutate"]
    first = reviews[0]
    assert {k: first[k] for k in ("uid", "kind", "operation", "namespace", "name", "user", "verdict")} == {
        "uid": "log-me", "kind": "Workflow", "operation": "CREATE", "namespace": "team-a",
        "name": "http-example-*", "user": "alice", "verdict": "allowed"}
    assert isinstance(first["ms"], float) and sorted(first["codes"]) == ["AW511", "AW514", "AW608"]
    assert not any(e["msg"].startswith("secret references are not checked") for e in server.log())
    text = server.stderr_path.read_text()
    for content in ("example.com", "my-api-secret", "sup3r-s3cret-value", "Processing data"):
        assert content not in text


async def test_readiness_waits_for_certificates_then_serves_them(tmp_path: Path,
                                                                processes: list[ServeProcess]) -> None:
    certs = tmp_path / "later"
    server = ServeProcess(["--tls-cert", str(certs / "tls.crt"), "--tls-key", str(certs / "tls.key")], tmp_path)
    processes.append(server)
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(server.url + "/readyz", ssl=False) as resp:
                    status, body = resp.status, await resp.json()
                    break
            except aiohttp.ClientConnectorError:
                await asyncio.sleep(0.05)
        assert status == 503 and body["reason"].startswith("waiting for ")
        files = issue(certs)
    await server.wait_ready(ssl.create_default_context(cafile=str(files.ca_cert)), seconds=10)
    assert server.stop() == 0
    # No cluster and no --secrets: said once at start, not left for someone to discover.
    assert [e["level"] for e in server.log() if e["msg"].startswith("secret references are not checked")] == ["warning"]


async def _load(url: str, ctx: ssl.SSLContext, stop: asyncio.Event, workers: int, force_close: bool,
                body: bytes, max_requests: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Send reviews until ``stop`` (or max_requests); returns the uids answered 200 and the failures (uid, error)."""
    ok: list[str] = []
    failed: list[tuple[str, str]] = []
    sent = 0
    template = json.loads(body)
    connector = aiohttp.TCPConnector(ssl=ctx, force_close=force_close, limit=workers)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=20)) as session:

        async def worker() -> None:
            nonlocal sent
            while not stop.is_set() and sent < max_requests:
                sent += 1
                uid = str(uuid.uuid4())
                template["request"]["uid"] = uid
                payload = json.dumps(template).encode()
                try:
                    async with session.post(url, data=payload, headers={"Content-Type": "application/json"}) as resp:
                        answer = await resp.json()
                        if resp.status == 200 and answer["response"]["uid"] == uid:
                            ok.append(uid)
                        else:
                            failed.append((uid, f"HTTP {resp.status}"))
                except (TimeoutError, aiohttp.ClientError) as exc:
                    failed.append((uid, type(exc).__name__))
                    await asyncio.sleep(0.01)

        await asyncio.gather(*(worker() for _ in range(workers)))
    return ok, failed


async def test_certificate_swap_under_load_fails_no_request(tmp_path: Path, processes: list[ServeProcess]) -> None:
    certs = tmp_path / "certs"
    files = issue(certs)
    spare = tmp_path / "spare"
    issue(spare)  # a second serving pair from a different CA: written in place, half a file at a time
    shutil.copy(files.ca_cert, spare / "other-ca.crt")
    server = ServeProcess(["--tls-cert", str(files.cert), "--tls-key", str(files.key)], tmp_path)
    processes.append(server)
    ctx = ssl.create_default_context(cafile=str(files.ca_cert))
    ctx.load_verify_locations(cafile=str(spare / "ca.crt"))
    await server.wait_ready(ctx)
    stop = asyncio.Event()
    body = json.dumps(review(valid_workflow())).encode()
    load = asyncio.create_task(_load(server.url + "/validate?timeout=10s", ctx, stop, 6, True, body, 20_000))
    serials = [await served_serial(server.port, ctx)]
    try:
        await asyncio.sleep(0.5)
        issue(certs)  # same CA, new serving certificate (key first, then certificate; each renamed into place)
        await asyncio.sleep(1.5)
        serials.append(await served_serial(server.port, ctx))
        # In place and non-atomically: the certificate first, so for a while it does not match the key.
        (certs / "tls.crt").write_bytes((spare / "tls.crt").read_bytes())
        await asyncio.sleep(1.2)
        assert await served_serial(server.port, ctx) == serials[-1], "a mismatched pair is never served"
        (certs / "tls.key").write_bytes((spare / "tls.key").read_bytes())
        await asyncio.sleep(1.5)
        serials.append(await served_serial(server.port, ctx))
    finally:
        stop.set()
    ok, failed = await asyncio.wait_for(load, 30)
    assert failed == []
    assert len(ok) > 100
    assert len(set(serials)) == 3, "every certificate was served in turn"
    assert serials[-1] == x509.load_pem_x509_certificate((spare / "tls.crt").read_bytes()).serial_number
    assert server.stop() == 0
    loaded = [e for e in server.log() if e["msg"] == "certificates loaded"]
    refused = [e for e in server.log() if e["msg"] == "certificates not loaded"]
    assert len(loaded) == 3 and refused and "key values mismatch" in refused[0]["error"]


async def test_sigterm_under_load_answers_every_accepted_request(tmp_path: Path,
                                                                processes: list[ServeProcess]) -> None:
    files = issue(tmp_path / "certs")
    server = ServeProcess(["--tls-cert", str(files.cert), "--tls-key", str(files.key), "--grace-period", "10"],
                          tmp_path)
    processes.append(server)
    ctx = ssl.create_default_context(cafile=str(files.ca_cert))
    await server.wait_ready(ctx)
    url = server.url + "/validate?timeout=10s"
    stop = asyncio.Event()
    small = json.dumps(review(valid_workflow())).encode()
    # About 60 ms each, validated by the large lane at low CPU priority: while the small reviews keep both cores
    # busy that lane gets a small share of the CPU, so a larger object would mostly measure its starvation.
    large = json.dumps(review(big_workflow(dags=6))).encode()
    loads = [
        asyncio.create_task(_load(url, ctx, stop, 4, False, small, 50_000)),
        asyncio.create_task(_load(url, ctx, stop, 2, True, small, 50_000)),
        asyncio.create_task(_load(url, ctx, stop, 3, False, large, 1_000)),
    ]
    await asyncio.sleep(1.5)
    server.proc.send_signal(signal.SIGTERM)
    await asyncio.sleep(1.0)
    stop.set()
    results = await asyncio.wait_for(asyncio.gather(*loads), 60)
    code = server.proc.wait(20)
    assert code == 0
    log = server.log()
    accepted = {e["uid"] for e in log if e["msg"] == "review"}
    answered = {uid for ok, _ in results for uid in ok}
    failures = [f for _, failed in results for f in failed]
    # Every review the server took on was answered to its client; what failed never reached a handler.
    lost = {uid: [e for e in log if e.get("uid") == uid] for uid in accepted - answered}
    assert accepted == answered, ({uid: why for uid, why in failures if uid in lost}, lost)
    assert all(uid not in accepted for uid, _ in failures)
    with_status = [f for f in failures if f[1].startswith("HTTP")]
    assert not with_status, with_status[:5]
    shutdown = next(e for e in log if e["msg"] == "shutting down")
    assert shutdown["in_flight"] >= 1, "SIGTERM arrived while no review was in flight: nothing was drained"
    assert log[-1]["msg"] == "stopped"
    server.stop()


@pytest.mark.parametrize("endpoint", ["admission", "rest-api"])
async def test_a_request_whose_body_is_still_arriving_at_sigterm_is_answered(
        tmp_path: Path, processes: list[ServeProcess], endpoint: str) -> None:
    # aiohttp drops every byte that arrives on a connection once it closes it for shutdown; the server must
    # let such a request finish first, not leave it waiting for the rest of its body until its deadline.
    files = issue(tmp_path / "certs")
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text('- {token: "t0k3n-for-the-drain-test", user: alice, namespaces: ["*"]}\n')
    server = ServeProcess(["--tls-cert", str(files.cert), "--tls-key", str(files.key), "--grace-period", "10",
                           "--tokens", str(tokens)], tmp_path, api=endpoint == "rest-api")
    processes.append(server)
    ctx = ssl.create_default_context(cafile=str(files.ca_cert))
    await server.wait_ready(ctx)
    if endpoint == "admission":
        path, headers = "/validate?timeout=8s", {}
        body = json.dumps(review(valid_workflow(), uid="half-sent")).encode()
    else:
        path, headers = "/api/v1/workflows/argo/lint", {"Authorization": "Bearer t0k3n-for-the-drain-test"}
        body = json.dumps({"namespace": "argo", "workflow": valid_workflow()}).encode()
    head, payload, elapsed = await split_across_sigterm(server.port, server.proc, path, body, headers, ctx)
    assert head.startswith(b"HTTP/1.1 200"), head + payload[:300]
    assert b"connection: close" in head.lower()
    if endpoint == "admission":
        answered = json.loads(payload)["response"]
        assert answered["uid"] == "half-sent" and answered["allowed"] is True
    else:
        assert json.loads(payload)["metadata"]["generateName"] == "http-example-"
    assert elapsed < 3
    assert server.proc.wait(20) == 0


async def test_a_client_sending_its_request_head_slowly_is_cut_off_while_others_are_served(
        tmp_path: Path, processes: list[ServeProcess]) -> None:
    files = issue(tmp_path / "certs")
    server = ServeProcess(["--tls-cert", str(files.cert), "--tls-key", str(files.key), "--idle-timeout", "1"],
                          tmp_path)
    processes.append(server)
    ctx = ssl.create_default_context(cafile=str(files.ca_cert))
    await server.wait_ready(ctx)

    async def dribble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> float:
        """Send a request head one byte every 0.2 s; seconds until the server closed the connection."""
        started = time.monotonic()
        head = b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
        for byte in head:
            writer.write(bytes([byte]))
            try:
                await writer.drain()
                if await asyncio.wait_for(reader.read(1024), 0.2) == b"":
                    break
            except TimeoutError:
                continue
            except (ConnectionError, ssl.SSLError):
                break
        return time.monotonic() - started

    slow = [await asyncio.open_connection("127.0.0.1", server.port, ssl=ctx) for _ in range(8)]
    cut_after = asyncio.gather(*(dribble(r, w) for r, w in slow))
    async with aiohttp.ClientSession() as session:
        for _ in range(5):
            async with session.post(server.url + "/validate?timeout=5s", json=review(valid_workflow()),
                                    ssl=ctx) as resp:
                assert resp.status == 200
            await asyncio.sleep(0.1)
    seconds = await cut_after
    # Every slow connection was closed after about the idle timeout, long before its head was complete (40 s).
    assert all(0.8 <= s <= 4 for s in seconds), seconds
    for _r, w in slow:
        w.close()
    assert server.stop() == 0
