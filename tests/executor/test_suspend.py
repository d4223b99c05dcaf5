"""Suspend templates and workflow suspension: waiting for a duration, resuming, outputs, stopping."""

from __future__ import annotations

import asyncio
import time

from tests.executor.conftest import LOOPBACK, TestServer, by_display, phases, run, workflow
from webhook.executor.engine import RunOptions, WorkflowRun
from webhook.executor.nodes import NodeType, Phase

GATED = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: gated}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: approve, template: approval}
    - - name: call
        template: call
        arguments: {parameters: [{name: who, value: "{{steps.approve.outputs.parameters.approver}}"}]}
  - name: approval
    suspend: SUSPEND
    outputs:
      parameters:
      - name: approver
        valueFrom: {supplied: {}, default: nobody}
  - name: call
    inputs: {parameters: [{name: who}]}
    http: {url: "BASE/approved?by={{inputs.parameters.who}}", timeoutSeconds: 5}
"""


def gated(server: TestServer, suspend: str) -> dict:
    return workflow(GATED.replace("SUSPEND", suspend), server)


async def test_a_suspend_with_a_duration_waits_then_goes_on(server: TestServer) -> None:
    server.reply("GET", "/approved", 200, "ok")
    started = time.monotonic()
    result = await run(gated(server, "{duration: '0.3s'}"))
    assert time.monotonic() - started >= 0.3
    node = by_display(result, "approve")
    assert node.type is NodeType.SUSPEND and node.phase is Phase.SUCCEEDED
    assert node.parameters == {"approver": "nobody"}  # nothing supplied: the default
    assert result.phase is Phase.SUCCEEDED and server.seen[0].query == "by=nobody"


async def test_an_open_suspend_waits_for_resume_with_supplied_outputs(server: TestServer) -> None:
    server.reply("GET", "/approved", 200, "ok")
    wf_run = WorkflowRun(gated(server, "{}"), RunOptions(policy=LOOPBACK))
    task = asyncio.create_task(wf_run.execute())
    await asyncio.sleep(0.2)
    assert not task.done() and wf_run.suspended and server.seen == []
    assert by_display(wf_run.result(), "approve").phase is Phase.RUNNING
    assert wf_run.resume(lambda n: n["displayName"] == "other") == 0  # the selector picks none
    assert wf_run.resume(lambda n: n["displayName"] == "approve", {"approver": "alice"}) == 1
    result = await asyncio.wait_for(task, 5)
    assert result.phase is Phase.SUCCEEDED and server.seen[0].query == "by=alice"


async def test_stopping_a_suspended_workflow_fails_the_waiting_node(server: TestServer) -> None:
    wf_run = WorkflowRun(gated(server, "{}"), RunOptions(policy=LOOPBACK))
    task = asyncio.create_task(wf_run.execute())
    await asyncio.sleep(0.1)
    wf_run.stop()
    result = await asyncio.wait_for(task, 5)
    assert result.phase is Phase.FAILED and phases(result)["approve"] == "Failed"
    assert "call" not in phases(result)


async def test_a_bad_duration_is_an_error_and_a_deadline_still_holds(server: TestServer) -> None:
    result = await run(gated(server, "{duration: soon}"))
    assert by_display(result, "approve").phase is Phase.ERROR
    assert "suspend duration 'soon' is not a duration" in by_display(result, "approve").message
    wf = gated(server, "{}")
    wf["spec"]["templates"][1]["activeDeadlineSeconds"] = 0.2
    result = await asyncio.wait_for(run(wf), 5)
    assert by_display(result, "approve").phase is Phase.FAILED


async def test_spec_suspend_holds_new_nodes_until_resumed(server: TestServer) -> None:
    server.reply("GET", "/approved", 200, "ok")
    wf = gated(server, "{duration: '0'}")
    wf["spec"]["suspend"] = True
    wf_run = WorkflowRun(wf, RunOptions(policy=LOOPBACK))
    task = asyncio.create_task(wf_run.execute())
    await asyncio.sleep(0.2)
    assert wf_run.suspended and server.seen == [] and "approve" not in phases(wf_run.result())
    wf_run.resume()
    assert (await asyncio.wait_for(task, 5)).phase is Phase.SUCCEEDED
    # Suspending a running workflow: the running step finishes, the next one waits.
    server.reply("GET", "/approved", 200, "ok", delay=0.3)
    wf_run = WorkflowRun(gated(server, "{duration: '0'}"), RunOptions(policy=LOOPBACK))
    task = asyncio.create_task(wf_run.execute())
    await asyncio.sleep(0.1)
    wf_run.suspend()
    await asyncio.sleep(0.5)
    assert not task.done() or (await task).phase is Phase.SUCCEEDED
    wf_run.resume()
    assert (await asyncio.wait_for(task, 5)).phase is Phase.SUCCEEDED


async def test_an_output_neither_supplied_nor_defaulted_is_an_error(server: TestServer) -> None:
    wf = gated(server, "{duration: '0'}")
    wf["spec"]["templates"][1]["outputs"]["parameters"][0]["valueFrom"] = {"supplied": {}}
    result = await run(wf)
    assert by_display(result, "approve").phase is Phase.ERROR
    assert "'approver' was not supplied" in by_display(result, "approve").message
