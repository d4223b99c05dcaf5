"""The engine: steps and DAG semantics, loops, when, depends, failFast, continueOn, onExit, parallelism, stop."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.executor.conftest import TestServer, by_display, phases, run, workflow
from webhook.executor.engine import RunOptions, WorkflowRun
from webhook.executor.nodes import NodeType, Phase
from webhook.executor.workflow import WorkflowInputError
from webhook.spec.lookups import DocumentTemplates

HEAD = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: wf}
spec:
"""
GET = """
  - name: get
    inputs: {parameters: [{name: path, default: /ok}]}
    http: {url: "BASE{{inputs.parameters.path}}", timeoutSeconds: 5}
"""


def wf(body: str, server: TestServer) -> dict:
    return workflow(HEAD + body + GET, server)


async def test_loops_expand_and_aggregate_results(server: TestServer) -> None:
    server.route("GET", "/echo", _echo)
    server.reply("POST", "/collect", 200, "stored")
    doc = wf("""
  entrypoint: main
  arguments: {parameters: [{name: count, value: "3"}]}
  templates:
  - name: main
    steps:
    - - name: items
        template: get
        withItems: [{id: 1, tag: a}, {id: 2, tag: b}]
        arguments: {parameters: [{name: path, value: "/echo?v={{item.id}}-{{item.tag}}"}]}
      - name: seq
        template: get
        withSequence: {start: "5", count: "{{workflow.parameters.count}}", format: "n%02d"}
        arguments: {parameters: [{name: path, value: "/echo?v={{item}}"}]}
    - - name: param
        template: get
        withParam: "{{steps.seq.outputs.result}}"
        arguments: {parameters: [{name: path, value: "/echo?v=again-{{item}}"}]}
    - - name: collect
        template: post
        arguments: {parameters: [{name: body, value: "{{steps.param.outputs.result}}"}]}
  - name: post
    inputs: {parameters: [{name: body}]}
    http: {url: BASE/collect, method: POST, body: "{{inputs.parameters.body}}", timeoutSeconds: 5}
""", server)
    result = await run(doc)
    assert result.phase is Phase.SUCCEEDED, result.message
    names = [n.display_name for n in result.nodes.values() if n.type is NodeType.HTTP]
    assert names[:5] == ["items(0:id:1,tag:a)", "items(1:id:2,tag:b)", "seq(0:n05)", "seq(1:n06)", "seq(2:n07)"]
    assert by_display(result, "items(1:id:2,tag:b)").result == "v=2-b"
    (post,) = server.hits("/collect")
    assert json.loads(post.body) == ["v=again-v=n05", "v=again-v=n06", "v=again-v=n07"]


async def _echo(request):  # type: ignore[no-untyped-def]
    from aiohttp import web

    return web.Response(text=request.query_string)


async def test_dag_loop_is_a_task_group_with_any_succeeded(server: TestServer) -> None:
    server.reply("GET", "/ok", 200, "fine")
    server.reply("GET", "/bad", 500, "broken")
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - name: fan
        template: get
        withItems: [/ok, /bad, /ok]
        arguments: {parameters: [{name: path, value: "{{item}}"}]}
      - {name: some-ok, template: get, depends: fan.AnySucceeded}
      - {name: all-bad, template: get, depends: fan.AllFailed}
      - {name: on-failure, template: get, depends: fan.Failed}
""", server)
    result = await run(doc)
    fan = by_display(result, "fan")
    assert fan.type is NodeType.TASK_GROUP and fan.phase is Phase.FAILED
    assert len(fan.children) == 3
    assert by_display(result, "some-ok").phase is Phase.SUCCEEDED
    assert by_display(result, "all-bad").phase is Phase.OMITTED
    assert by_display(result, "on-failure").phase is Phase.SUCCEEDED
    # The targets that ran succeeded, the omitted one inherits its failed parent: the DAG fails.
    assert result.phase is Phase.FAILED


async def test_when_skips_and_bad_when_errors(server: TestServer) -> None:
    server.reply("GET", "/ok", 200, "heads")
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: flip, template: get}
    - - {name: heads, template: get, when: "{{steps.flip.outputs.result}} == heads"}
      - {name: tails, template: get, when: "{{steps.flip.outputs.result}} == tails"}
      - {name: regex, template: get, when: "'{{steps.flip.outputs.result}}' =~ '^h'"}
""", server)
    result = await run(doc)
    assert phases(result)["heads"] == "Succeeded"
    tails = by_display(result, "tails")
    assert (tails.phase, tails.message) == (Phase.SKIPPED, "when 'heads == tails' evaluated false")
    assert phases(result)["regex"] == "Succeeded"
    assert result.phase is Phase.SUCCEEDED

    bad = wf("""
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: broken, template: get, when: "a-b > 3"}
""", server)
    result = await run(bad)
    broken = by_display(result, "broken")
    assert broken.phase is Phase.ERROR and "needs two numbers" in broken.message
    assert result.phase is Phase.FAILED


async def test_dag_fail_fast_stops_new_tasks_and_waits_for_running_ones(server: TestServer) -> None:
    server.reply("GET", "/bad", 500, "broken")
    server.reply("GET", "/slow", 200, "done", delay=0.5)
    server.reply("GET", "/ok", 200, "fine")
    body = """
  entrypoint: main
  templates:
  - name: main
    dag:
      FAILFAST
      tasks:
      - {name: bad, template: get, arguments: {parameters: [{name: path, value: /bad}]}}
      - {name: slow, template: get, arguments: {parameters: [{name: path, value: /slow}]}}
      - {name: after-slow, template: get, dependencies: [slow]}
"""
    result = await run(wf(body.replace("FAILFAST", ""), server))
    assert by_display(result, "slow").phase is Phase.SUCCEEDED  # running when bad failed: finished
    assert "after-slow" not in phases(result)  # never started
    assert result.phase is Phase.FAILED
    result = await run(wf(body.replace("FAILFAST", "failFast: false"), server))
    assert phases(result)["after-slow"] == "Succeeded"
    assert result.phase is Phase.FAILED


async def test_continue_on_and_depends_results(server: TestServer) -> None:
    server.reply("GET", "/bad", 500, "broken")
    server.reply("GET", "/ok", 200, "fine")
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: bad, template: get, continueOn: {failed: true}, arguments: {parameters: [{name: path, value: /bad}]}}
      - {name: next, template: get, dependencies: [bad]}
""", server)
    result = await run(doc)
    assert phases(result) == {"wf": "Succeeded", "bad": "Failed", "next": "Succeeded"}
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: bad, template: get, arguments: {parameters: [{name: path, value: /bad}]}}
      - {name: cleanup, template: get, depends: "bad.Failed || bad.Errored"}
      - {name: happy, template: get, depends: "bad"}
""", server)
    result = await run(doc)
    assert phases(result)["cleanup"] == "Succeeded"
    happy = by_display(result, "happy")
    assert (happy.phase, happy.message) == (Phase.OMITTED, "omitted: depends condition not met")
    # happy (a target) inherits bad's failure: the DAG fails, as Argo decides it.
    assert result.phase is Phase.FAILED
    assert result.message == f"child '{by_display(result, 'bad').id}' failed"


async def test_steps_group_failure_stops_later_groups(server: TestServer) -> None:
    server.reply("GET", "/bad", 500, "broken")
    server.reply("GET", "/ok", 200, "fine")
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: bad, template: get, arguments: {parameters: [{name: path, value: /bad}]}}
      - {name: good, template: get}
    - - {name: never, template: get}
""", server)
    result = await run(doc)
    bad = by_display(result, "bad")
    group = by_display(result, "[0]")
    assert (group.phase, group.message) == (Phase.FAILED, f"child '{bad.id}' failed")
    assert "never" not in phases(result)
    assert result.message == f"child '{bad.id}' failed"


async def test_on_exit_sees_status_and_failures(server: TestServer) -> None:
    server.reply("GET", "/bad", 500, "broken")
    server.reply("POST", "/report", 200, "noted")
    doc = wf("""
  entrypoint: main
  onExit: report
  templates:
  - name: main
    steps:
    - - {name: bad, template: get, arguments: {parameters: [{name: path, value: /bad}]}}
  - name: report
    http:
      url: BASE/report
      method: POST
      timeoutSeconds: 5
      body: '{"status": "{{workflow.status}}", "failures": {{workflow.failures}}}'
""", server)
    result = await run(doc)
    (report,) = server.hits("/report")
    sent = json.loads(report.body)
    assert sent["status"] == "Failed"
    assert [(f["displayName"], f["message"]) for f in sent["failures"]] == [
        ("bad", "received non-2xx response code: 500")]
    assert by_display(result, "wf.onExit").phase is Phase.SUCCEEDED
    assert result.phase is Phase.FAILED


async def test_failing_exit_handler_fails_a_succeeded_workflow(server: TestServer) -> None:
    server.reply("GET", "/ok", 200, "fine")
    server.reply("GET", "/bad", 500, "broken")
    doc = wf("""
  entrypoint: main
  onExit: report
  templates:
  - name: main
    steps:
    - - {name: good, template: get}
  - name: report
    http: {url: BASE/bad, timeoutSeconds: 5}
""", server)
    result = await run(doc)
    assert result.phase is Phase.FAILED
    assert result.message == "exit handler failed: received non-2xx response code: 500"


async def test_step_exit_hook_sees_the_step_status(server: TestServer) -> None:
    server.route("GET", "/echo", _echo)
    server.reply("GET", "/bad", 500, "broken")
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: bad
        template: get
        continueOn: {failed: true}
        arguments: {parameters: [{name: path, value: /bad}]}
        hooks:
          exit:
            template: get
            arguments: {parameters: [{name: path, value: "/echo?status={{steps.bad.status}}"}]}
""", server)
    result = await run(doc)
    hook = by_display(result, "bad.onExit")
    assert hook.result == "status=Failed"
    assert result.phase is Phase.SUCCEEDED


@pytest.mark.parametrize("where", ["workflow", "template"])
async def test_parallelism_bounds_concurrent_requests(server: TestServer, where: str) -> None:
    server.reply("GET", "/slow", 200, "done", delay=0.1)
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - name: fan
        template: get
        withSequence: {count: "8"}
        arguments: {parameters: [{name: path, value: /slow}]}
""", server)
    if where == "workflow":
        doc["spec"]["parallelism"] = 2
    else:
        doc["spec"]["templates"][0]["parallelism"] = 2
    result = await run(doc)
    assert result.phase is Phase.SUCCEEDED
    assert len(server.hits("/slow")) == 8
    assert server.peak == 2


async def test_template_fail_fast_with_parallelism(server: TestServer) -> None:
    server.reply("GET", "/bad", 500, "broken", delay=0.05)
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    parallelism: 1
    failFast: true
    steps:
    - - name: each
        template: get
        withSequence: {count: "4"}
        arguments: {parameters: [{name: path, value: /bad}]}
""", server)
    result = await run(doc)
    root = by_display(result, "wf")
    assert root.message == "template has failed or errored children and failFast enabled"
    assert len(server.hits("/bad")) == 1


async def test_nested_templates_pass_outputs_up(server: TestServer) -> None:
    server.route("GET", "/echo", _echo)
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: inner
        template: inner
        arguments: {parameters: [{name: who, value: world}]}
    - - name: use
        template: get
        arguments: {parameters: [{name: path, value: "/echo?{{steps.inner.outputs.parameters.greeting}}"}]}
  - name: inner
    inputs: {parameters: [{name: who}]}
    dag:
      tasks:
      - name: a
        template: get
        arguments: {parameters: [{name: path, value: "/echo?hello={{inputs.parameters.who}}"}]}
    outputs:
      parameters:
      - name: greeting
        valueFrom: {parameter: "{{tasks.a.outputs.result}}"}
""", server)
    result = await run(doc)
    assert result.phase is Phase.SUCCEEDED, result.message
    assert by_display(result, "use").result == "hello=world"
    assert by_display(result, "inner").parameters == {"greeting": "hello=world"}


async def test_template_ref_into_another_document(server: TestServer) -> None:
    server.route("GET", "/echo", _echo)
    library = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: library}
spec:
  templates:
  - name: twice
    steps:
    - - {name: one, template: call}
    - - {name: two, template: call}
  - name: call
    http: {url: "BASE/echo?from=library", timeoutSeconds: 5}
""", server)
    templates = DocumentTemplates()
    templates.add("WorkflowTemplate", library, None)
    doc = workflow(HEAD + """
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: use
        templateRef: {name: library, template: twice}
""", server)
    result = await run(doc, templates=templates)
    assert result.phase is Phase.SUCCEEDED, result.message
    assert by_display(result, "two").result == "from=library"


async def test_parameters_defaults_and_overrides(server: TestServer) -> None:
    server.route("GET", "/echo", _echo)
    doc = wf("""
  entrypoint: main
  arguments:
    parameters:
    - {name: greeting, value: hello}
    - {name: mode, value: a, enum: [a, b]}
  templates:
  - name: main
    inputs: {parameters: [{name: greeting}]}
    steps:
    - - name: call
        template: get
        arguments:
          parameters: [{name: path, value: "/echo?{{inputs.parameters.greeting}}-{{workflow.parameters.mode}}"}]
""", server)
    result = await run(doc)
    assert by_display(result, "call").result == "hello-a"
    result = await run(doc, parameters={"greeting": "hi", "mode": "b"})
    assert by_display(result, "call").result == "hi-b"
    with pytest.raises(WorkflowInputError) as info:
        WorkflowRun(doc, RunOptions(parameters={"mode": "c", "greting": "x"}))
    problems = " | ".join(info.value.problems)
    assert "-p greting: the workflow declares no parameter 'greting' (did you mean 'greeting'?)" in problems
    assert "parameter 'mode': 'c' is not one of a, b" in problems


async def test_generate_name_uid_and_namespace(server: TestServer) -> None:
    server.route("GET", "/echo", _echo)
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: call
        template: get
        arguments:
          parameters: [{name: path, value: "/echo?{{workflow.name}}|{{workflow.namespace}}|{{workflow.uid}}"}]
""", server)
    doc["metadata"] = {"generateName": "gen-", "namespace": "team-a"}
    result = await run(doc)
    name, namespace, uid = by_display(result, "call").result.split("|")
    assert name == result.name and name.startswith("gen-") and len(name) == len("gen-") + 5
    assert namespace == "team-a" and uid == result.uid


def test_templates_that_are_not_http_are_reported_by_name_up_front() -> None:
    doc = workflow(HEAD + """
  entrypoint: main
  onExit: cleanup
  templates:
  - name: main
    steps:
    - - {name: build, template: build}
      - {name: call, template: call}
  - name: build
    container: {image: alpine}
  - name: call
    http: {url: "http://example.com"}
  - name: cleanup
    script: {image: python, source: "print(1)"}
  - name: unused
    resource: {action: create}
""")
    with pytest.raises(WorkflowInputError) as info:
        WorkflowRun(doc, RunOptions())
    assert sorted(info.value.problems) == [
        "template 'build' is a container template; argo-warden run executes HTTP and suspend templates and the "
        "steps and DAG templates that call them",
        "template 'cleanup' is a script template; argo-warden run executes HTTP and suspend templates and the "
        "steps and DAG templates that call them",
    ]


async def test_stop_ends_running_nodes_and_runs_the_exit_handler(server: TestServer) -> None:
    server.reply("GET", "/slow", 200, "done", delay=5)
    server.reply("GET", "/ok", 200, "fine")
    doc = wf("""
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - {name: slow, template: get, arguments: {parameters: [{name: path, value: /slow}]}}
  - name: bye
    http: {url: BASE/ok, timeoutSeconds: 5}
""", server)
    events: list = []
    workflow_run = WorkflowRun(doc, RunOptions(policy=_loopback(), on_event=events.append))
    task = asyncio.create_task(workflow_run.execute())
    while not server.hits("/slow"):
        await asyncio.sleep(0.01)
    workflow_run.stop()
    result = await asyncio.wait_for(task, 3)
    slow = by_display(result, "slow")
    assert (slow.phase, slow.message) == (Phase.FAILED, "Stopped with strategy 'Stop'")
    assert result.phase is Phase.FAILED and result.stopped
    assert by_display(result, "wf.onExit").phase is Phase.SUCCEEDED
    assert events[-1].kind == "workflow" and events[-1].workflow["phase"] == "Failed"

    workflow_run = WorkflowRun(doc, RunOptions(policy=_loopback()))
    task = asyncio.create_task(workflow_run.execute())
    await asyncio.sleep(0.05)
    workflow_run.stop(terminate=True)
    result = await asyncio.wait_for(task, 3)
    assert "wf.onExit" not in phases(result)
    assert by_display(result, "slow").message == "Stopped with strategy 'Terminate'"


def _loopback():  # type: ignore[no-untyped-def]
    from tests.executor.conftest import LOOPBACK

    return LOOPBACK


async def test_node_and_result_shapes(server: TestServer) -> None:
    server.reply("GET", "/ok", 200, "fine")
    doc = wf("""
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: get}
      - {name: b, template: get, dependencies: [a]}
""", server)
    result = await run(doc)
    out = result.to_json()
    assert set(out) == {"name", "phase", "message", "nodes"}
    a = by_display(result, "a")
    node = out["nodes"][a.id]
    assert set(node) >= {"name", "displayName", "templateName", "phase", "message", "outputs", "startedAt",
                         "finishedAt"}
    assert node["outputs"] == {"result": "fine"} and node["startedAt"].endswith("Z")
    status = result.to_status()
    root = status["nodes"]["wf"]
    assert root["type"] == "DAG" and root["children"] == [a.id]
    assert status["nodes"][a.id]["children"] == [by_display(result, "b").id]
    assert status["nodes"][a.id]["boundaryID"] == "wf"
    assert status["phase"] == "Succeeded"
