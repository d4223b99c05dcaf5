"""Our OpenAPI document: it describes exactly the routes served, in Argo's names, and schemathesis finds no
server error and no response that breaks it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import SEED_RESPONSES, TOKENS
from tests.api.test_restart import free_port, start
from webhook.api.openapi import ARGO, document
from webhook.api.routes import _ROUTES, V1

ROOT = Path(__file__).resolve().parents[2]
# A token for every namespace: schemathesis makes up namespaces.
ADMIN = TOKENS[1]["token"]


def served() -> set[tuple[str, str]]:
    return {(method.lower(), V1 + path) for method, path, _, _ in _ROUTES}


def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, item in doc["paths"].items() for method in item}


def test_the_document_describes_exactly_what_is_served() -> None:
    doc = document()
    assert documented(doc) == served()
    # Every $ref points at a schema that is there.
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}:
        assert ref in doc["components"]["schemas"], ref


def test_the_document_is_valid_openapi() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document())
    broken = document()
    broken["paths"][f"{V1}/version"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "no-such-type"}
    with pytest.raises(Exception, match="no-such-type"):
        validator.validate(broken)


def test_names_match_argo_servers_own_document(reference_dir: Path) -> None:
    reference = json.loads((reference_dir / "argo-server-swagger.json").read_text(encoding="utf-8"))
    ours = document()
    for method, path in documented(ours):
        if path == f"{V1}/openapi.json":
            continue  # ours alone
        assert path in reference["paths"] and method in reference["paths"][path], (method, path)
        theirs = {p["name"] for p in reference["paths"][path][method].get("parameters", []) if p["in"] != "body"}
        mine = {p["name"] for p in ours["paths"][path][method]["parameters"]}
        assert mine <= theirs, (path, mine - theirs)
    for name, schema in ours["components"]["schemas"].items():
        if not name.startswith(ARGO) or name not in reference["definitions"]:
            continue
        their_fields = set(reference["definitions"][name].get("properties", {}))
        assert set(schema.get("properties", {})) <= their_fields, (name, set(schema["properties"]) - their_fields)


@pytest.mark.skipif(shutil.which("st", path=os.path.dirname(sys.executable)) is None,
                    reason="schemathesis is not installed")
def test_schemathesis_finds_no_server_error_and_no_broken_response(tmp_path: Path) -> None:
    port = free_port()
    server = start(tmp_path, port, SEED_RESPONSES)
    try:
        proc = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "st"), "run", f"http://127.0.0.1:{port}{V1}/openapi.json",
             "-H", f"Authorization: Bearer {ADMIN}",
             "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,"
                         "content_type_conformance",
             # The event stream does not end by itself; its own tests cover it.
             "--exclude-path", f"{V1}/workflow-events/{{namespace}}",
             "-n", "10", "--max-time", "25", "--rate-limit", "40/s", "--seed", "7", "--no-color"],
            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", proc.stdout)
    assert counts is not None and counts[1] == counts[2] and int(counts[1]) > 100, proc.stdout[-3000:]
