"""``argo-warden run`` as a user runs it: the shipped examples offline, exit codes, output, Ctrl-C, secrets."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliRunner
from tests.executor.conftest import EXAMPLES, TestServer

EXAMPLE_RUNS = [
    ("seed-verbatim.yaml", []),
    ("seed.yaml", []),
    ("seed-portable.yaml", []),
    ("seed-steps.yaml", []),
    ("seed-secret.yaml", ["--secrets", "examples/secrets.yaml"]),
    ("loops.yaml", []),
    ("retries.yaml", []),
]


@pytest.mark.parametrize("name, extra", EXAMPLE_RUNS)
def test_every_example_runs_offline(cli: CliRunner, name: str, extra: list[str]) -> None:
    responses = f"examples/{name.removesuffix('.yaml')}-responses.yaml"
    proc = cli("run", f"examples/{name}", "--responses", responses, "-o", "json", *extra)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    out = json.loads(proc.stdout)
    assert out["phase"] == "Succeeded"
    assert all(n["phase"] in ("Succeeded", "Skipped", "Failed") for n in out["nodes"].values())


def test_every_example_with_responses_is_run_above() -> None:
    recorded = {p.name.replace("-responses", "") for p in EXAMPLES.glob("*-responses.yaml")}
    assert recorded == {name for name, _ in EXAMPLE_RUNS}


async def test_the_verbatim_seed_runs_and_its_post_carries_the_get_body(server: TestServer, tmp_path: Path) -> None:
    """The seed as written, through the CLI against a real server: the body step one received goes out in step
    two's POST (through the input parameter the portable form gives http-post)."""
    data = json.dumps({"status": "completed", "data": {"items": ["a", "b"]}})
    server.reply("GET", "/api/data", 200, data, headers={"Content-Type": "application/json"})
    server.reply("POST", "/api/process", 201, '{"accepted": true}')
    workflow_file = tmp_path / "seed-verbatim.yaml"
    workflow_file.write_text((EXAMPLES / "seed-verbatim.yaml").read_text().replace("http://example.com", server.base))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "webhook", "run", str(workflow_file), "--allow-host", "127.0.0.1", "-o", "json",
        cwd=str(ROOT), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, stderr.decode()
    assert json.loads(stdout)["phase"] == "Succeeded"
    warned = stderr.decode()
    assert "warning[AW408]" in warned and "warning[AW514]" in warned and "error" not in warned
    (post,) = server.hits("/api/process")
    assert data.encode() in post.body
    assert post.body.decode().startswith('{\n  "message": "Processing data from Argo",')
    assert post.headers["Content-Type"] == "application/json"
    (get,) = server.hits("/api/data")
    assert get.headers["Authorization"] == "Bearer my-secret-token"


def test_examples_lint_clean(cli: CliRunner) -> None:
    proc = cli("lint", "examples/", "-o", "json")
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["summary"]["errors"] == 0


def test_plain_output_and_json_shape(cli: CliRunner, tmp_path: Path) -> None:
    proc = cli("run", "examples/seed.yaml", "--responses", "examples/seed-responses.yaml")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Running http-example-")
    assert any(line.startswith("Succeeded") and ".get-data  (http-get)" in line for line in lines)
    assert lines[-1].startswith("Workflow http-example-") and " Succeeded in " in lines[-1]


def test_a_failed_workflow_exits_1_with_the_reason(cli: CliRunner, tmp_path: Path) -> None:
    responses = tmp_path / "r.yaml"
    responses.write_text("responses:\n- {url: 'http://example.com/api/data', status: 500, body: down}\n")
    proc = cli("run", "examples/seed.yaml", "--responses", str(responses), "-o", "json")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["phase"] == "Failed"
    get = next(n for n in out["nodes"].values() if n["displayName"] == "get-data")
    assert get["message"] == "successCondition 'status_code == 200' evaluated false"
    assert get["outputs"]["result"] == "down"


def test_an_unmatched_request_names_method_and_url(cli: CliRunner, tmp_path: Path) -> None:
    responses = tmp_path / "r.yaml"
    responses.write_text("responses:\n- {method: GET, url: 'http://example.com/api/data', json: {status: completed}}\n")
    proc = cli("run", "examples/seed.yaml", "--responses", str(responses))
    assert proc.returncode == 1
    assert f"no recorded response for POST http://example.com/api/process in {responses}" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["missing.yaml"], "missing.yaml: no such file or directory"),
    (["examples"], "is a directory"),
    (["examples/seed.yaml", "-p", "novalue"], "-p 'novalue': write NAME=VALUE"),
    (["examples/seed.yaml", "-p", "x=1"], "-p x: the workflow declares no parameter 'x'"),
    (["examples/seed.yaml", "--responses", "nope.yaml"], "--responses: nope.yaml"),
    (["examples/seed.yaml", "--secrets", "nope.yaml"], "--secrets nope.yaml: no such file"),
    (["examples/seed.yaml", "--max-body", "0"], "must be greater than 0"),
])
def test_usage_and_input_errors_exit_2(cli: CliRunner, args: list[str], message: str) -> None:
    proc = cli("run", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_responses_file_points_at_the_line(cli: CliRunner, tmp_path: Path) -> None:
    responses = tmp_path / "r.yaml"
    responses.write_text("responses:\n  - url: http://x\n    status: 999\n")
    proc = cli("run", "examples/seed.yaml", "--responses", str(responses))
    assert proc.returncode == 2
    assert f"{responses}:3:13: entry #1: status must be a whole number from 100 to 599" in proc.stderr


def test_invalid_workflow_is_refused_with_lint_diagnostics(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "seed.yaml").read_text().replace("template: http-post", "template: http-pst"))
    proc = cli("run", str(bad), "--responses", "examples/seed-responses.yaml")
    assert proc.returncode == 2
    assert f"{bad}:" in proc.stderr and "error[AW209]" in proc.stderr and "http-pst" in proc.stderr
    assert "1 validation error; nothing was run" in proc.stderr
    assert proc.stdout == ""


def test_non_http_templates_are_named_before_anything_runs(cli: CliRunner, tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: mixed-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: call, template: call}
    - - {name: build, template: build}
  - name: call
    http: {url: "http://example.com/api/data", timeoutSeconds: 5}
  - name: build
    container: {image: alpine:3.20, command: [make]}
""")
    proc = cli("run", str(wf), "--responses", "examples/seed-responses.yaml")
    assert proc.returncode == 2
    assert "template 'build' is a container template" in proc.stderr
    assert proc.stdout == ""


def test_workflow_template_runs_and_parameters_override(cli: CliRunner, tmp_path: Path) -> None:
    wf = tmp_path / "wft.yaml"
    wf.write_text("""
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: fetcher}
spec:
  entrypoint: main
  arguments: {parameters: [{name: path, value: data}]}
  templates:
  - name: main
    http: {url: "http://example.com/api/{{workflow.parameters.path}}", timeoutSeconds: 5}
""")
    proc = cli("run", str(wf), "-p", "path=process", "--responses", "examples/seed-responses.yaml", "-o", "json")
    # POST-only recording: the GET to /api/process is not matched.
    out = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert out["name"].startswith("fetcher-")
    (node,) = out["nodes"].values()
    assert node["message"].startswith("no recorded response for GET http://example.com/api/process")


async def test_secret_values_never_appear_in_any_output(server: TestServer, tmp_path: Path) -> None:
    planted = "pl4nted-Secret-93c1e0"

    async def echo(request):  # type: ignore[no-untyped-def]
        from aiohttp import web

        auth = request.headers.get("Authorization", "")
        return web.Response(status=500 if request.method == "POST" else 200, text=f"you sent {auth}")

    server.route("GET", "/api/data", echo)
    server.route("POST", "/api/process", echo)
    workflow_file = tmp_path / "wf.yaml"
    workflow_file.write_text((EXAMPLES / "seed-secret.yaml").read_text()
                             .replace("http://example.com", server.base)
                             .replace("successCondition: status_code == 200", "successCondition: status_code == 201"))
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(f"apiVersion: v1\nkind: Secret\nmetadata: {{name: my-api-secret}}\n"
                       f"stringData: {{token: {planted}}}\n")
    outputs = []
    for mode in ("text", "json"):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "webhook", "run", str(workflow_file), "--secrets", str(secrets),
            "--allow-host", "127.0.0.1", "-o", mode, cwd=str(ROOT),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 1
        outputs.append(stdout.decode() + stderr.decode())
    assert all(s.headers.get("Authorization") == planted for s in server.seen)
    for text in outputs:
        assert planted not in text
    assert "you sent ***" in outputs[1]


def test_ctrl_c_stops_cleanly_and_reports_what_ran(tmp_path: Path) -> None:
    import subprocess

    responses = tmp_path / "r.yaml"
    responses.write_text("responses:\n- {url: 'http://example.com/api/data', json: {status: completed}, delay: 30s}\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook", "run", "examples/seed.yaml", "--responses", str(responses)],
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("Running ")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 130
    assert "stopped by Ctrl-C" in stderr and "Traceback" not in stderr
    assert "get-data  (http-get)" in stdout and "Stopped with strategy 'Terminate'" in stdout
    assert stdout.splitlines()[-1].startswith("Workflow http-example-") and " Failed " in stdout.splitlines()[-1]
