"""``argo-warden serve --config/--select/--ignore/--enforcement`` as a process, and its refusals."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.admission.conftest import invalid_workflow, review, valid_workflow
from tests.admission.test_serve_process import ServeProcess
from tests.conftest import CliRunner


@pytest.mark.parametrize(("files", "args", "message"), [
    ({}, ["--config", "missing.yaml"], "--config missing.yaml: no such file"),
    ({"p.yaml": "ignor: [AW5]\n"}, ["--config", "p.yaml"], "ignor: unknown setting; did you mean 'ignore'?"),
    ({"p.yaml": "admission: {enforcement: dryrun}\n"}, ["--config", "p.yaml"],
     "'dryrun' is not one of deny, warn, audit"),
    ({}, ["--ignore", "AW5100"], "did you mean 'AW510'?"),
    ({}, ["--enforcement", "enforce"], "invalid choice: 'enforce'"),
])
def test_serve_refuses_bad_policy(cli: CliRunner, tmp_path: Path, files: dict[str, str], args: list[str],
                                  message: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = cli("serve", "--no-tls", "--no-api", *args, cwd=str(tmp_path), timeout=30)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


async def test_serve_reads_its_policy_file(tmp_path: Path) -> None:
    # The format the chart's ConfigMap holds; --enforcement on the command line wins over the file.
    (tmp_path / "policy.yaml").write_text("ignore: [AW511]\nadmission:\n  enforcement: audit\n")
    server = ServeProcess(["--no-tls", "--config", "policy.yaml", "--enforcement", "warn"], tmp_path)
    server.url = server.url.replace("https://", "http://")
    try:
        await server.wait_ready(False)
        async with aiohttp.ClientSession() as session:
            async with session.post(server.url + "/validate", json=review(valid_workflow())) as resp:
                allowed = (await resp.json())["response"]
            async with session.post(server.url + "/validate", json=review(invalid_workflow())) as resp:
                warned = (await resp.json())["response"]
    finally:
        assert server.stop() == 0
    assert allowed["allowed"] is True and not any(w.startswith("AW511") for w in allowed.get("warnings", []))
    assert warned["allowed"] is True and warned["warnings"][0].startswith("would be denied: AW403")
    listening = next(e for e in server.log() if e["msg"] == "listening")
    assert listening["enforcement"] == "warn" and listening["policy"] == "policy.yaml"
