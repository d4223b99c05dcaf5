"""A server killed mid-run (SIGKILL) and started again on the same data directory loses no workflow."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, TOKENS, seed_workflow, write_tokens
from tests.api.test_routes_workflows import SLOW_RESPONSES, SLOW_WORKFLOW

TOKEN = TOKENS[0]["token"]
BASE = f"/api/v1/workflows/{NAMESPACE}"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(port: int, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def start(tmp_path: Path, port: int, responses: Path) -> subprocess.Popen[bytes]:
    tokens = write_tokens(tmp_path, TOKENS)
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook", "serve", "--no-tls", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(tmp_path / "data"), "--responses", str(responses), "--tokens", str(tokens)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if call(port, "GET", "/api/v1/version")[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not come up")


def phase_of(port: int, name: str) -> str:
    status, body = call(port, "GET", f"{BASE}/{name}")
    assert status == 200, body
    return str(body.get("status", {}).get("phase", ""))


def wait_phase(port: int, name: str, phases: tuple[str, ...], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while phase_of(port, name) not in phases:
        assert time.monotonic() < deadline, f"{name} never reached {phases}"
        time.sleep(0.05)


def test_sigkill_mid_run_then_restart_keeps_every_workflow_with_an_honest_phase(tmp_path: Path) -> None:
    responses = tmp_path / "responses.yaml"
    responses.write_text(SLOW_RESPONSES + SEED_RESPONSES.read_text(encoding="utf-8").split("responses:", 1)[1],
                         encoding="utf-8")
    port = free_port()
    server = start(tmp_path, port, responses)
    try:
        status, done = call(port, "POST", BASE, {"workflow": seed_workflow()})
        assert status == 200, done
        finished = done["metadata"]["name"]
        wait_phase(port, finished, ("Succeeded",))
        status, slow = call(port, "POST", BASE, {"workflow": SLOW_WORKFLOW})
        assert status == 200, slow
        running = slow["metadata"]["name"]
        deadline = time.monotonic() + 15
        while not (call(port, "GET", f"{BASE}/{running}")[1].get("status", {}).get("nodes")):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert phase_of(port, running) == "Running"
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)

    server = start(tmp_path, port, responses)
    try:
        status, page = call(port, "GET", BASE)
        assert status == 200
        assert {i["metadata"]["name"] for i in page["items"]} == {finished, running}
        status, kept = call(port, "GET", f"{BASE}/{finished}")
        assert kept["status"]["phase"] == "Succeeded"
        assert any(n.get("outputs", {}).get("result") for n in kept["status"]["nodes"].values())
        status, interrupted = call(port, "GET", f"{BASE}/{running}")
        assert interrupted["status"]["phase"] == "Error"
        assert "stopped while this workflow was running" in interrupted["status"]["message"]
        assert interrupted["metadata"]["labels"]["workflows.argoproj.io/completed"] == "true"
        assert not [n for n in interrupted["status"]["nodes"].values() if n["phase"] in ("Running", "Pending")]
        # And it can be run again.
        status, retried = call(port, "PUT", f"{BASE}/{running}/retry", {})
        assert status == 200 and retried["status"]["phase"] == "Running"
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
