"""Policies wherever objects are judged: lint (flags and configuration), suppression, admission, the REST API,
and ``argo-warden policy test``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.admission.conftest import ServerFactory, review, valid_workflow
from webhook.cli import main
from webhook.configuration import from_mapping
from webhook.policy.settings import PolicyError
from webhook.server.config import ServerConfig

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "policies"
CASES = EXAMPLES / "cases"
LIBRARY = str(EXAMPLES / "policies.yaml")


def lint_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["lint", "-o", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def codes(report: dict[str, Any]) -> list[str]:
    return sorted(d["code"] for d in report["diagnostics"])


def test_lint_reports_each_policy_at_the_node_that_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = lint_json(capsys, "--policy", LIBRARY, str(CASES / "compliant.yaml"))
    assert code == 0 and codes(report) == []
    code, report = lint_json(capsys, "--policy", LIBRARY, str(CASES / "org002-cron-sidecar.yaml"))
    [found] = [d for d in report["diagnostics"] if d["code"] == "ORG002"]
    assert code == 1 and found["severity"] == "error"
    assert found["message"] == "image quay.io/oauth2-proxy/oauth2-proxy:v7.6.0 is not from registry.example.com"
    assert found["path"] == "spec.workflowSpec.templates[0].sidecars[0]" and found["line"] == 18
    assert found["hint"] == "Images come from the company registry, so they are scanned and signed."


def test_a_warning_policy_does_not_fail_lint(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = lint_json(capsys, "--policy", LIBRARY, str(CASES / "org007-latest.yaml"))
    assert code == 0 and [(d["code"], d["severity"]) for d in report["diagnostics"]] == [("ORG007", "warning")]


def test_an_assert_that_cannot_run_on_an_object_is_a_finding(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("- {id: ORG050, message: m, for: template, assert: 'template.retryStrategy.limit <= 5'}\n",
                      encoding="utf-8")
    code, report = lint_json(capsys, "--policy", str(policy), str(CASES / "compliant.yaml"))
    messages = [d["message"] for d in report["diagnostics"] if d["code"] == "ORG050"]
    assert code == 1 and len(messages) == 2  # main and fetch have no retryStrategy; build's limit 3 passes
    assert all(m.startswith("policy ORG050 could not be evaluated here: ") for m in messages)


def test_configuration_names_policies_and_selects_them_like_codes(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(CASES / "org009-insecure.yaml", tmp_path / "wf.yaml")
    shutil.copy(LIBRARY, tmp_path / "org.yaml")
    config = tmp_path / ".argo-warden.yaml"
    config.write_text("policies: [org.yaml]\n", encoding="utf-8")
    # (AW507, a warning of argo-warden's own, says the same as the library's ORG009 here.)
    code, report = lint_json(capsys, str(tmp_path / "wf.yaml"))
    assert code == 1 and codes(report) == ["AW507", "ORG009"]
    config.write_text("policies: [org.yaml]\nignore: [ORG0]\n", encoding="utf-8")
    code, report = lint_json(capsys, str(tmp_path / "wf.yaml"))
    assert code == 0 and codes(report) == ["AW507"]
    config.write_text("policies: [org.yaml]\nselect: [ORG]\nseverity: {ORG009: warning}\n", encoding="utf-8")
    code, report = lint_json(capsys, str(tmp_path / "wf.yaml"))
    assert code == 0 and [(d["code"], d["severity"]) for d in report["diagnostics"]] == [("ORG009", "warning")]
    # Written inline in the configuration, in TOML.
    config.unlink()
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.argo-warden.policies]]\nid = "SEC1"\nmessage = "no insecure TLS"\nfor = "http"\n'
        'assert = "http.insecureSkipVerify != true"\n', encoding="utf-8")
    code, report = lint_json(capsys, str(tmp_path / "wf.yaml"))
    assert code == 1 and codes(report) == ["AW507", "SEC1"]


def test_an_unknown_policy_id_in_a_selector_is_refused_with_a_did_you_mean() -> None:
    with pytest.raises(PolicyError, match=r"unknown code or prefix 'ORG0099'; did you mean 'ORG009'"):
        from_mapping({"policies": [LIBRARY], "ignore": ["ORG0099"]}, "cfg.yaml")
    with pytest.raises(PolicyError, match=r"broken-policy.yaml:6:22: AW951 Template has no field 'contianer'"):
        from_mapping({"policies": [str(Path(__file__).with_name("broken-policy.yaml"))]}, "cfg.yaml")


def test_a_broken_policy_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("- {id: ORG1, message: m, for: http, assert: 'http.ulr != \"\"'}\n", encoding="utf-8")
    assert main(["lint", "--policy", str(policy), str(CASES / "compliant.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"{policy}:1:" in err and "AW951 HTTP has no field 'ulr'" in err and "did you mean 'HTTP.url'?" in err
    assert main(["lint", "--policy", str(tmp_path / "missing.yaml"), str(CASES / "compliant.yaml")]) == 2
    assert "no such policy file" in capsys.readouterr().err


def test_suppressions_silence_policies_and_admission_keeps_errors(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    text = (CASES / "org008-no-timeout.yaml").read_text(encoding="utf-8")
    marked = text.replace("      http:\n", "      http:  # argo-warden: ignore[ORG008]\n")
    assert marked != text
    (tmp_path / "wf.yaml").write_text(marked, encoding="utf-8")
    code, report = lint_json(capsys, "--policy", LIBRARY, str(tmp_path / "wf.yaml"))
    assert code == 0 and codes(report) == ["AW510"]  # the info about timeouts; ORG008 silenced, and used (no AW900)
    # An annotation is the object author's: it may not silence an error-severity policy by default.
    settings = from_mapping({"policies": [LIBRARY]}, "cfg")
    assert not settings.annotation_may_silence("ORG008") and settings.annotation_may_silence("ORG007")


def test_policy_test_command_over_the_example_library(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "test", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith(" passed, 0 failed") and "FAIL" not in out
    assert main(["policy", "test", str(EXAMPLES), "-o", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["failed"] == 0 and summary["passed"] >= 30


def test_policy_test_reports_a_mismatch_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "lib")
    test_file = tmp_path / "lib" / "argo-warden-test.yaml"
    test_file.write_text(test_file.read_text(encoding="utf-8").replace(
        "pass: [cases/compliant.yaml]\n    fail: [cases/org009-insecure.yaml]",
        "pass: [cases/org009-insecure.yaml]\n    fail: [cases/compliant.yaml]"), encoding="utf-8")
    assert main(["policy", "test", str(tmp_path / "lib")]) == 1
    out = capsys.readouterr().out
    assert "FAIL  ORG009 pass" in out and "expected no finding, got 1" in out
    assert "FAIL  ORG009 fail" in out and "expected a finding, got none" in out
    test_file.write_text("policies: [policies.yaml]\ntests:\n  - {policy: ORG404, pass: [cases/compliant.yaml]}\n",
                         encoding="utf-8")
    assert main(["policy", "test", str(tmp_path / "lib")]) == 2
    assert "no policy 'ORG404'" in capsys.readouterr().err
    assert main(["policy", "test", str(tmp_path / "nowhere")]) == 2


def test_policy_test_runs_as_a_command() -> None:
    done = subprocess.run([sys.executable, "-m", "webhook", "policy", "test", str(EXAMPLES)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


async def test_admission_applies_the_servers_policies(start_server: ServerFactory) -> None:
    settings = from_mapping({"policies": [LIBRARY, {"id": "GRP1", "message": "only deployers may apply",
                                                    "for": "object", "assert": '"deployers" in user.groups'}],
                             "ignore": ["ORG"]}, "cfg")
    server = await start_server(ServerConfig(policy=settings))
    status, body = await server.post("/validate", review(valid_workflow()))
    assert status == 200 and body["response"]["allowed"] is False
    assert "GRP1" in body["response"]["status"]["message"]
    deployer = review(valid_workflow())
    deployer["request"]["userInfo"]["groups"] = ["system:authenticated", "deployers"]
    status, body = await server.post("/validate", deployer)
    assert status == 200 and body["response"]["allowed"] is True, body


async def test_admission_denies_with_the_policy_message(start_server: ServerFactory) -> None:
    server = await start_server(ServerConfig(policy=from_mapping({"policies": [LIBRARY]}, "cfg")))
    workflow = valid_workflow()
    status, body = await server.post("/validate", review(workflow))
    response = body["response"]
    assert status == 200 and response["allowed"] is False
    assert "ORG001" in response["status"]["message"] and "http://example.com/api/data" in response["status"]["message"]


async def test_the_rest_api_lint_applies_the_policies(api: Any) -> None:
    server = await api(policy=from_mapping({"policies": [LIBRARY]}, "cfg"))
    workflow = valid_workflow()
    workflow["metadata"]["namespace"] = "argo"
    status, body = await server.call("POST", "/api/v1/workflows/argo/lint",
                                     {"namespace": "argo", "workflow": workflow})
    assert status == 400 and "ORG001" in body["message"], body
