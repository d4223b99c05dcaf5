"""The page's graphs: what a workflow's templates will run, what a run did, and their layout."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from webhook.ui import graph as graph_module
from webhook.ui.graph import from_spec, from_status
from webhook.ui.layout import lay_out

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def workflow(templates: list[dict[str, Any]], entrypoint: str = "main", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "w"},
            "spec": {"entrypoint": entrypoint, "templates": templates, **spec}}


HTTP = {"name": "call", "http": {"url": "https://example.com/x", "method": "POST"}}


def edges(g: Any) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, e.label) for e in g.edges}


def test_seed_dag_draws_tasks_dependency_and_http_method_and_url() -> None:
    g = from_spec(yaml.safe_load((EXAMPLES / "seed.yaml").read_text()))
    nodes = {n.id: n for n in g.nodes}
    assert set(nodes) == {"entry", "entry.get-data", "entry.process-data"}
    assert nodes["entry"].kind == "dag"
    assert nodes["entry.get-data"].detail == "GET http://example.com/api/data"
    assert nodes["entry.process-data"].detail == "POST http://example.com/api/process"
    assert edges(g) == {("entry", "entry.get-data", ""), ("entry.get-data", "entry.process-data", "")}


def test_depends_and_when_are_written_on_the_edges() -> None:
    g = from_spec(workflow([
        {"name": "main", "dag": {"tasks": [
            {"name": "a", "template": "call"},
            {"name": "b", "template": "call", "when": "{{workflow.parameters.go}} == yes"},
            {"name": "c", "template": "call", "depends": "a.Succeeded && b.Failed"},
            {"name": "d", "template": "call", "depends": "a || (b.Errored)"},
            {"name": "e", "template": "call", "depends": "c && !d.Succeeded", "when": "x == y"},
            {"name": "f", "template": "call", "dependencies": ["e"], "when": "p == q"},
        ]}}, HTTP]))
    assert edges(g) == {
        ("entry", "entry.a", ""),
        ("entry", "entry.b", "when {{workflow.parameters.go}} == yes"),
        ("entry.a", "entry.c", "Succeeded"),
        ("entry.b", "entry.c", "Failed"),
        # beyond a plain conjunction each edge shows its own term, the node the whole expression
        ("entry.a", "entry.d", ""),
        ("entry.b", "entry.d", "Errored"),
        ("entry.c", "entry.e", ""),
        ("entry.d", "entry.e", "!Succeeded"),
        # a `when` is on the edge when there is one, else said once on the node
        ("entry.e", "entry.f", "when p == q"),
    }
    notes = {n.id: n.note for n in g.nodes if n.note}
    assert notes == {"entry.d": "depends: a || (b.Errored)", "entry.e": "depends: c && !d.Succeeded · when x == y"}


def test_step_groups_chain_through_junctions_and_called_templates_are_drawn_inside() -> None:
    g = from_spec(workflow([
        {"name": "main", "steps": [[{"name": "one", "template": "inner"}],
                                   [{"name": "two", "template": "call", "when": "x == y"},
                                    {"name": "three", "template": "call"}]]},
        {"name": "inner", "dag": {"tasks": [{"name": "t", "template": "call"}]}}, HTTP]))
    kinds = {n.id: n.kind for n in g.nodes}
    assert kinds == {"entry": "steps", "entry[0]": "group", "entry[0].one": "dag", "entry[0].one.t": "http",
                     "entry[1]": "group", "entry[1].two": "http", "entry[1].three": "http"}
    assert edges(g) == {
        ("entry", "entry[0]", ""), ("entry[0]", "entry[0].one", ""), ("entry[0].one", "entry[0].one.t", ""),
        # the next group waits for what the called DAG ends with, as Argo's outbound nodes
        ("entry[0].one.t", "entry[1]", ""),
        ("entry[1]", "entry[1].two", "when x == y"), ("entry[1]", "entry[1].three", ""),
    }


def test_recursion_missing_templates_refs_and_loops_are_marked_not_followed() -> None:
    g = from_spec(workflow([
        {"name": "main", "dag": {"tasks": [
            {"name": "again", "template": "main"},
            {"name": "gone", "template": "nope"},
            {"name": "ref", "templateRef": {"name": "lib", "template": "t"}},
            {"name": "each", "template": "call", "withItems": [1, 2]},
        ]}}, HTTP], onExit="call"))
    nodes = {n.id: n for n in g.nodes}
    assert nodes["entry.again"].kind == "recursive"
    assert nodes["entry.gone"].kind == "missing" and "nope" in nodes["entry.gone"].detail
    assert nodes["entry.ref"].kind == "ref" and nodes["entry.ref"].detail == "templateRef lib/t"
    assert nodes["entry.each"].label == "each (loop)"
    assert nodes["exit"].label == "onExit: call"


def test_hostile_shapes_give_a_graph_not_an_exception() -> None:
    for spec in [None, [], {"templates": "x"}, {"entrypoint": 3, "templates": [None, 1, {"name": 2}]},
                 {"entrypoint": "m", "templates": [{"name": "m", "dag": {"tasks": [None, {"name": "a"}]}},
                                                   {"name": "m", "steps": "x"}]},
                 {"entrypoint": "m", "templates": [{"name": "m", "steps": [None, [None, {"name": "s"}]]}]}]:
        lay_out(from_spec({"spec": spec}))


def test_a_template_library_without_entrypoint_draws_its_top_templates() -> None:
    g = from_spec({"kind": "WorkflowTemplate", "spec": {"templates": [
        {"name": "top", "dag": {"tasks": [{"name": "a", "template": "call"}]}}, HTTP]}})
    assert [n.id for n in g.nodes] == ["template:top", "template:top.a"]


def test_size_is_capped_even_for_a_template_fan_out_that_would_explode() -> None:
    # Each level calls the next one ten times: 10**6 leaves if followed naively.
    templates = [{"name": f"l{i}", "dag": {"tasks": [{"name": f"t{j}", "template": f"l{i + 1}"} for j in range(10)]}}
                 for i in range(6)] + [{"name": "l6", "http": {"url": "https://example.com"}}]
    started = time.perf_counter()
    g = from_spec(workflow(templates, entrypoint="l0"))
    layout = lay_out(g)
    assert len(g.nodes) == graph_module.MAX_NODES and g.omitted > 0
    assert layout["omitted"] == g.omitted
    assert time.perf_counter() - started < 10


def test_a_run_is_drawn_from_status_nodes_and_children() -> None:
    wf = workflow([{"name": "main", "dag": {"tasks": [{"name": "a", "template": "call"}]}}, HTTP])
    wf["status"] = {"phase": "Running", "nodes": {
        "w": {"id": "w", "name": "w", "displayName": "w", "type": "DAG", "templateName": "main",
              "phase": "Running", "children": ["w-1", "missing-child"]},
        "w-1": {"id": "w-1", "name": "w.a", "displayName": "a", "type": "HTTP", "templateName": "call",
                "phase": "Succeeded"},
        "bad": "not a node",
    }}
    g = from_status(wf)
    nodes = {n.id: n for n in g.nodes}
    assert set(nodes) == {"w", "w-1"}
    assert nodes["w-1"].phase == "Succeeded" and nodes["w-1"].detail == "POST https://example.com/x"
    assert edges(g) == {("w", "w-1", "")}


def test_layout_places_layers_top_down_and_routes_edges_from_bottom_to_top() -> None:
    g = from_spec(yaml.safe_load((EXAMPLES / "seed.yaml").read_text()))
    layout = lay_out(g)
    by_id = {n["id"]: n for n in layout["nodes"]}
    assert [n["id"] for n in layout["nodes"]] == ["entry", "entry.get-data", "entry.process-data"]
    assert by_id["entry"]["y"] < by_id["entry.get-data"]["y"] < by_id["entry.process-data"]["y"]
    for edge in layout["edges"]:
        source, target = by_id[edge["source"]], by_id[edge["target"]]
        assert edge["points"][0][1] == source["y"] + source["height"]
        assert edge["points"][-1][1] == target["y"]
    assert layout["width"] >= max(n["x"] + n["width"] for n in layout["nodes"])


def test_layout_routes_long_edges_around_and_survives_cycles_and_emptiness() -> None:
    g = from_spec(workflow([{"name": "main", "dag": {"tasks": [
        {"name": "a", "template": "call"}, {"name": "b", "template": "call", "dependencies": ["a"]},
        {"name": "c", "template": "call", "dependencies": ["a", "b"]},
        # a cycle (the linter reports it); drawn all the same
        {"name": "x", "template": "call", "dependencies": ["y"]},
        {"name": "y", "template": "call", "dependencies": ["x"]},
    ]}}, HTTP]))
    layout = lay_out(g)
    long_edge = next(e for e in layout["edges"] if (e["source"], e["target"]) == ("entry.a", "entry.c"))
    assert len(long_edge["points"]) >= 3  # a bend through the layer between
    assert lay_out(from_spec({}))["nodes"] == []


def test_every_bend_lies_between_its_edges_ends_also_with_many_components() -> None:
    # igraph 1.0 shifts bends onto other edges when one layout holds several components: each is laid out alone.
    tasks: list[dict[str, Any]] = []
    for k in range(4):
        tasks += [{"name": f"a{k}", "template": "call"},
                  {"name": f"b{k}", "template": "call", "dependencies": [f"a{k}"]},
                  {"name": f"c{k}", "template": "call", "dependencies": [f"a{k}", f"b{k}"]}]
    library = {"kind": "WorkflowTemplate", "spec": {"templates": [
        {"name": f"top{k}", "dag": {"tasks": tasks[3 * k: 3 * k + 3]}} for k in range(4)] + [HTTP]}}
    layout = lay_out(from_spec(library))
    by_id = {n["id"]: n for n in layout["nodes"]}
    bent = 0
    for edge in layout["edges"]:
        top = by_id[edge["source"]]["y"] + by_id[edge["source"]]["height"]
        bottom = by_id[edge["target"]]["y"]
        for _, y in edge["points"][1:-1]:
            assert top < y < bottom, edge
            bent += 1
    assert bent == 4  # a→c of each component skips b's layer
    xs = sorted({by_id[f"template:top{k}"]["x"] for k in range(4)})
    assert len(xs) == 4  # side by side, not on top of each other


def test_a_whole_scalar_diagnostic_is_highlighted_over_the_scalar() -> None:
    from webhook.ui.compute import _span

    lines = ['  template: nope  # a comment', "  x: 'it''s' tail", '  y: "a \\" b" z', "  z: [1, 2]", "", "  k: v"]
    assert _span(lines, 1, 13, 1) == len("nope")
    assert _span(lines, 2, 6, 1) == len("'it''s'")
    assert _span(lines, 3, 6, 1) == len('"a \\" b"')
    assert _span(lines, 4, 6, 1) == 1
    assert _span(lines, 5, 1, 1) == 1
    assert _span(lines, 6, 6, 1) == 1
    assert _span(lines, 1, 3, 8) == 8  # the linter's own width wins
    assert _span(lines, None, None, 1) == 1 and _span(lines, 99, 1, 1) == 1


def test_the_servers_policy_applies_to_the_playgrounds_lint() -> None:
    from webhook.policy.settings import PolicySettings
    from webhook.ui.compute import lint_text

    seed = (EXAMPLES / "seed.yaml").read_text()
    codes = {d["code"] for d in lint_text(seed, None, None)["diagnostics"]}
    assert "AW608" in codes
    quiet = lint_text(seed, None, None, PolicySettings(ignore=("AW608",)))
    assert "AW608" not in {d["code"] for d in quiet["diagnostics"]}


def test_the_playgrounds_graph_knows_where_each_template_is_defined_and_its_condition() -> None:
    from webhook.ui.compute import graph_of_text

    seed = (EXAMPLES / "seed.yaml").read_text()
    lines = seed.split("\n")
    nodes = {n["label"]: n for n in graph_of_text(seed)["nodes"]}
    get = nodes["get-data"]
    assert lines[get["templateLine"] - 1][get["templateColumn"] - 1:].startswith("name: http-get")
    assert get["condition"] == "status_code == 200"
    assert lines[nodes["main"]["templateLine"] - 1].strip() == "- name: main"
    cron = graph_of_text("kind: CronWorkflow\napiVersion: argoproj.io/v1alpha1\nmetadata: {name: c}\nspec:\n"
                         "  schedule: '* * * * *'\n  workflowSpec:\n    entrypoint: m\n    templates:\n"
                         "      - name: m\n        suspend: {}\n")
    assert [(n["label"], n["templateLine"]) for n in cron["nodes"]] == [("m", 9)]


def test_a_run_also_shows_what_has_not_started_yet_by_argos_node_names() -> None:
    wf = workflow([
        {"name": "main", "dag": {"tasks": [{"name": "a", "template": "call"},
                                           {"name": "b", "template": "steps", "depends": "a.Succeeded"}]}},
        {"name": "steps", "steps": [[{"name": "s", "template": "call"}]]}, HTTP], onExit="call")
    wf["status"] = {"phase": "Running", "nodes": {
        "w": {"id": "w", "name": "w", "displayName": "w", "type": "DAG", "templateName": "main",
              "phase": "Running", "children": ["w-1"]},
        "w-1": {"id": "w-1", "name": "w.a", "displayName": "a", "type": "HTTP", "templateName": "call",
                "phase": "Running"},
    }}
    g = from_status(wf)
    nodes = {n.id: n for n in g.nodes}
    assert set(nodes) == {"w", "w-1", "planned:w.b", "planned:w.b[0]", "planned:w.b[0].s", "planned:w.onExit"}
    assert nodes["planned:w.b"].phase == "Pending" and nodes["planned:w.b[0].s"].detail == "POST https://example.com/x"
    assert edges(g) == {("w", "w-1", ""), ("w-1", "planned:w.b", "Succeeded"),
                        ("planned:w.b", "planned:w.b[0]", ""), ("planned:w.b[0]", "planned:w.b[0].s", "")}
