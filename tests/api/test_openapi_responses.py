"""Answers the server gives in states schemathesis cannot reach (stored, running and finished workflows, the
``fields`` parameter, each error status) conform to our OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, TOKENS, ApiFactory, ApiServer, seed_workflow
from tests.api.test_routes_templates_and_events import TEMPLATES, seed_template
from tests.api.test_routes_workflows import BASE, SLOW_RESPONSES, SLOW_WORKFLOW, started, wait_finished
from webhook.api.openapi import document


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0's schema dialect as JSON Schema: ``nullable`` becomes a null type."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


class Contract:
    def __init__(self) -> None:
        self.doc = document()
        self.components = json_schema(self.doc["components"])
        self.checked: set[tuple[str, str, str]] = set()

    async def check(self, server: ApiServer, method: str, path: str, template: str, body: Any = None, *,
                    token: str | None = "") -> Any:
        """Call ``path`` and check the answer against the schema of ``template``'s operation for its status."""
        status, answer = await server.call(method, path, body, token=token)
        responses = self.doc["paths"][template][method.lower()]["responses"]
        assert str(status) in responses, (method, path, status, answer)
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        jsonschema.validate(answer, {"components": self.components, "allOf": [json_schema(schema)]})
        self.checked.add((method, template, str(status)))
        return answer


async def test_answers_in_every_state_conform(api: ApiFactory, tmp_path: Path) -> None:
    responses = tmp_path / "responses.yaml"
    recorded = yaml.safe_load(SEED_RESPONSES.read_text(encoding="utf-8"))
    recorded["responses"] += yaml.safe_load(SLOW_RESPONSES)["responses"]
    responses.write_text(yaml.safe_dump(recorded), encoding="utf-8")
    server = await api(responses=responses)
    contract = Contract()
    ns, named = "/api/v1/workflows/{namespace}", "/api/v1/workflows/{namespace}/{name}"

    created = await contract.check(server, "POST", BASE, ns, {"workflow": seed_workflow()})
    done = await wait_finished(server, created["metadata"]["name"])
    assert done["status"]["phase"] == "Succeeded"
    running = await started(server, SLOW_WORKFLOW)
    for name in (done["metadata"]["name"], running):
        for fields in ("", "?fields=status.phase", "?fields=-metadata,spec", "?fields=status.nodes.x",
                       "?fields=0"):
            await contract.check(server, "GET", f"{BASE}/{name}{fields}", named)
    for query in ("", "?fields=items.status.phase", "?fields=-items", "?fields=metadata.continue",
                  "?listOptions.limit=1", "?listOptions.fieldSelector=status.phase=Running"):
        await contract.check(server, "GET", BASE + query, ns)
    await contract.check(server, "GET", f"{BASE}/missing", named)
    await contract.check(server, "GET", f"{BASE}?listOptions.limit=x", ns)
    await contract.check(server, "GET", BASE, ns, token=None)
    await contract.check(server, "GET", "/api/v1/workflows/elsewhere", ns)
    await contract.check(server, "POST", BASE, ns, {"workflow": done})  # the name is taken
    await contract.check(server, "PUT", f"{BASE}/{running}/stop", f"{named}/stop", {"message": "enough"})
    await wait_finished(server, running)
    await contract.check(server, "PUT", f"{BASE}/{running}/terminate", f"{named}/terminate", {})
    await contract.check(server, "PUT", f"{BASE}/{running}/retry", f"{named}/retry", {})
    await contract.check(server, "PUT", f"{BASE}/{running}/terminate", f"{named}/terminate", {})
    await wait_finished(server, running)
    fresh = await contract.check(server, "PUT", f"{BASE}/{running}/resubmit", f"{named}/resubmit", {})
    await contract.check(server, "DELETE", f"{BASE}/{fresh['metadata']['name']}", named)

    templates, template = "/api/v1/workflow-templates/{namespace}", "/api/v1/workflow-templates/{namespace}/{name}"
    first = await contract.check(server, "POST", TEMPLATES, templates, {"template": seed_template()})
    await contract.check(server, "POST", TEMPLATES, templates, {"template": seed_template()})
    await contract.check(server, "GET", TEMPLATES, templates)
    await contract.check(server, "PUT", f"{TEMPLATES}/seed", template, {"template": first})
    await contract.check(server, "PUT", f"{TEMPLATES}/seed", template, {"template": first})  # stale
    await contract.check(server, "POST", f"{BASE}/submit", f"{ns}/submit",
                         {"resourceKind": "WorkflowTemplate", "resourceName": "seed"})
    await contract.check(server, "DELETE", f"{TEMPLATES}/seed", template)
    await contract.check(server, "GET", f"{TEMPLATES}/seed", template)
    for path in ("version", "info", "userinfo"):
        await contract.check(server, "GET", f"/api/v1/{path}", f"/api/v1/{path}")

    statuses = {status for _, _, status in contract.checked}
    assert statuses == {"200", "400", "401", "403", "404", "409"}, statuses
    assert NAMESPACE == "argo"


async def test_the_documents_request_examples_are_accepted(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES)
    contract = Contract()
    # Templates first: submit and update name the example template.
    order = sorted(contract.doc["paths"].items(), key=lambda item: "workflow-templates" not in item[0])
    tried = 0
    for template, item in order:
        for method, operation in item.items():
            example = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("example")
            if example is None:
                continue
            path = template.replace("{namespace}", NAMESPACE).replace("{name}", "example")
            if "{name}" in template and "workflows/" in template:
                continue  # run control needs a workflow that exists: covered above
            # A ClusterWorkflowTemplate belongs to no namespace: only a token for every namespace may lint one.
            token = TOKENS[1]["token"] if "{namespace}" not in template else ""
            answer = await contract.check(server, method.upper(), path, template, example, token=token)
            assert ("POST", template, "200") in contract.checked or ("PUT", template, "200") in contract.checked, (
                template, answer)
            tried += 1
    assert tried == 8, tried
