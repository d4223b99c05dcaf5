"""A planted secret value reaches argo-warden (the stand-in sends it) and goes nowhere else.

``argo-warden serve --kubeconfig`` runs as a real process; everything it prints
and logs, every answer it returns and its /metrics are scanned for the value,
raw and base64-encoded.
"""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import sys
import uuid
from pathlib import Path

import aiohttp

from tests.admission.conftest import ROOT, free_port, review
from tests.kube.test_admission_cluster import NS, secret_workflow
from tests.kube_standin import KubeStandIn


async def test_a_planted_value_never_leaves(standin: KubeStandIn, tmp_path: Path) -> None:
    planted = f"planted-{uuid.uuid4().hex}"
    standin.add_secret(NS, "api-token", {"token": planted, "user": planted + "-user"})
    standin.allow("alice", namespace=NS, name="api-token")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "webhook", "serve", "--no-tls", "--host", "127.0.0.1", "--port", str(port),
        "--no-api", "--kubeconfig", str(standin.kubeconfig()), cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    answers: list[str] = []
    try:
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    async with session.get(base + "/readyz") as ready:
                        if ready.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            cases = [
                (secret_workflow(), "alice"),               # allowed
                (secret_workflow(key="tokn"), "alice"),     # missing key: key names in the hint
                (secret_workflow(), "mallory"),             # denied user
                (secret_workflow(name="absent"), "alice"),  # user may not read a secret that does not exist
            ]
            for obj, user in cases:
                for path in ("/validate", "/mutate"):
                    async with session.post(base + path, json=review(obj, namespace=NS, user=user)) as resp:
                        answers.append(await resp.text())
            async with session.get(base + "/metrics") as resp:
                answers.append(await resp.text())
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    printed = stdout.decode() + stderr.decode()
    assert process.returncode == 0, printed
    everything = printed + "\n".join(answers)
    # The value did reach argo-warden: the stand-in sent the Secret with it.
    assert standin.count("GET", "secrets") >= 1
    decisions = [json.loads(a)["response"] for a in answers[:-1]]
    assert [d["allowed"] for d in decisions[::2]] == [True, False, False, False]
    assert "AW702" in decisions[2]["status"]["message"] and "AW703" in decisions[4]["status"]["message"]
    assert "argo_warden_kube_api_requests_total" in answers[-1]
    assert '"msg":"review"' in printed
    for needle in (planted, base64.b64encode(planted.encode()).decode(), planted[8:24]):
        assert needle not in everything
