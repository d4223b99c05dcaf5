"""--plugin-mutation: http templates become argo-warden plugin templates; the admission hook picks it up."""

from __future__ import annotations

import copy

import yaml

from tests.executor.conftest import EXAMPLES
from webhook.admission.mutation import PLUGIN_MUTATOR, load_mutator, mutation_verdict, mutators
from webhook.manifest import Manifest
from webhook.plugin.mutation import to_plugin_template, to_plugin_templates


def test_to_plugin_template_is_pure_and_keeps_the_position() -> None:
    template = {"name": "get", "retryStrategy": {"limit": 2}, "http": {"url": "http://x", "headers": []},
                "timeout": "5s"}
    before = copy.deepcopy(template)
    out = to_plugin_template(template)
    assert template == before
    assert list(out) == ["name", "retryStrategy", "plugin", "timeout"]
    assert out["plugin"] == {"argo-warden": {"url": "http://x", "headers": []}}
    out["plugin"]["argo-warden"]["url"] = "changed"
    assert template["http"]["url"] == "http://x"


def test_templates_that_are_not_http_come_back_unchanged() -> None:
    for template in ({"name": "s", "steps": []}, {"name": "p", "plugin": {"argo-warden": {"url": "u"}}},
                     {"name": "both", "http": {"url": "u"}, "plugin": {"slack": {}}}):
        assert to_plugin_template(template) == template


def test_the_mutating_webhook_rewrites_every_http_template_once() -> None:
    workflow = yaml.safe_load((EXAMPLES / "seed.yaml").read_text())
    workflow["spec"]["templates"][0]["dag"]["tasks"].append(
        {"name": "inline", "inline": {"http": {"url": "http://example.com/inline"}}})
    manifest = Manifest("Workflow", workflow)
    assert load_mutator(PLUGIN_MUTATOR) is to_plugin_templates
    verdict = mutation_verdict(manifest, mutators(plugin_mutation=True))
    paths = {op["path"] for op in verdict.patch or []}
    assert "/spec/templates/1/http" in paths and "/spec/templates/1/plugin" in paths
    assert "/spec/templates/0/dag/tasks/2/inline/plugin" in paths
    mutated = copy.deepcopy(workflow)
    to_plugin_templates(Manifest("Workflow", mutated))
    assert all("http" not in t for t in mutated["spec"]["templates"])
    assert mutated["spec"]["templates"][2]["plugin"]["argo-warden"]["method"] == "POST"
    # Idempotent: a second pass changes nothing.
    again = copy.deepcopy(mutated)
    to_plugin_templates(Manifest("Workflow", again))
    assert again == mutated


def test_without_the_option_http_templates_stay() -> None:
    workflow = yaml.safe_load((EXAMPLES / "seed.yaml").read_text())
    verdict = mutation_verdict(Manifest("Workflow", workflow), mutators(plugin_mutation=False))
    assert not any(op["path"].endswith("/plugin") for op in verdict.patch or [])


def test_a_mutated_workflow_still_runs_and_lints(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    workflow = yaml.safe_load((EXAMPLES / "seed.yaml").read_text())
    to_plugin_templates(Manifest("Workflow", workflow))
    path = tmp_path / "plugin-seed.yaml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False))
    proc = cli("lint", str(path))
    assert proc.returncode == 0, proc.stdout
    proc = cli("run", str(path), "--responses", "examples/seed-responses.yaml", "-o", "json")
    assert proc.returncode == 0, proc.stderr
    assert '"type": "Plugin"' in proc.stdout


def test_the_verbatim_seed_under_plugin_mutation_is_portable_and_runs(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With --plugin-mutation the chain still rewrites the seed's dialect first: the plugin template reads its
    input parameter, the calling task passes it, and the result lints with no dialect left and runs."""
    import jsonpatch

    workflow = yaml.safe_load((EXAMPLES / "seed-verbatim.yaml").read_text())
    chain = mutators(plugin_mutation=True)
    verdict = mutation_verdict(Manifest("Workflow", copy.deepcopy(workflow)), chain)
    mutated = jsonpatch.apply_patch(workflow, verdict.patch or [])
    post = mutated["spec"]["templates"][2]
    assert "http" not in post and post["inputs"] == {"parameters": [{"name": "get-data-result"}]}
    plugin = post["plugin"]["argo-warden"]
    assert "{{inputs.parameters.get-data-result}}" in plugin["body"] and "contentType" not in plugin
    assert mutated["spec"]["templates"][0]["dag"]["tasks"][1]["arguments"]["parameters"][0]["name"] == \
        "get-data-result"
    assert mutation_verdict(Manifest("Workflow", copy.deepcopy(mutated)), chain).patch is None
    path = tmp_path / "plugin-seed-verbatim.yaml"
    path.write_text(yaml.safe_dump(mutated, sort_keys=False))
    proc = cli("lint", str(path))
    assert proc.returncode == 0, proc.stdout
    assert not any(code in proc.stdout for code in ("AW408", "AW511", "AW608"))
    proc = cli("run", str(path), "--responses", "examples/seed-verbatim-responses.yaml", "-o", "json")
    assert proc.returncode == 0, proc.stderr
    assert '"type": "Plugin"' in proc.stdout
