"""Helm's own lint over charts/argo-warden: default values, each option switched on, and values it must refuse.

Helm's lint renders every template with the chart's values.yaml and checks the
values against values.schema.json, so each case is a copy of the chart whose
values.yaml is the defaults with the case's overrides merged in. helm-sdkpy
needs Python >= 3.12: it lives in .helm-venv, which .ci/run creates.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "argo-warden"
HELM_PYTHON = Path(os.environ.get("ARGO_WARDEN_HELM_PYTHON", ROOT / ".helm-venv" / "bin" / "python"))
# Helm's support.Severity: 1 info, 2 warning, 3 error.
WARNING = 2

OPTIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "cert-manager": {"tls": {"mode": "certManager"}},
    "cert-manager-issuer": {"tls": {"mode": "certManager",
                                    "certManager": {"issuerRef": {"name": "corp-ca", "kind": "ClusterIssuer"}}}},
    "own-secret": {"tls": {"mode": "secret", "secretName": "my-tls", "caBundle": "TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpK"}},
    "autoscaling": {"autoscaling": {"enabled": True, "minReplicas": 3, "maxReplicas": 9}},
    "service-monitor": {"serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}}},
    "rest-api": {"api": {"enabled": True}},
    "rest-api-offline-with-a-volume": {"api": {"enabled": True, "existingClaim": "argo-warden-data"},
                                       "cluster": {"enabled": False}, "replicaCount": 1},
    "plugin-mutation": {"server": {"pluginMutation": True, "failurePolicy": "open"}},
    "executor-plugin": {"executorPlugin": {"enabled": True, "namespace": "argo", "allowHosts": ["10.0.0.0/8"],
                                           "denyHosts": ["*.internal.example"], "extraArgs": ["--secrets=/x"]}},
    "rbac-rules": {"rbac": {"rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}},
    "no-pdb": {"podDisruptionBudget": {"enabled": False}},
    "connection-caps": {"server": {"workers": 3, "maxConnections": 2000, "maxConnectionsPerClient": 500},
                        "resources": {"limits": {"memory": "448Mi"}}},
    "policy-audit": {"policy": {"enforcement": "audit", "select": ["AW"], "ignore": ["AW510", "AW6"],
                                "severity": {"AW508": "error"}, "unsuppressible": ["AW7", "AW201"]},
                     "podAnnotations": {"team": "platform"}},
    "offline": {"cluster": {"enabled": False}},
    "org-policies": {"policy": {"ignore": ["ORG9"], "severity": {"ORG002": "warning"}, "rules": [
        {"id": "ORG001", "message": "only https, not {{ http.url }}", "for": "http",
         "assert": 'http.url startsWith "https://"'},
        {"id": "ORG002", "message": "registry", "for": "container", "severity": "error",
         "match": {"kinds": ["Workflow"], "namespaces": ["prod-*"]},
         "assert": 'container.image startsWith "registry.example.com/"'}]}},
    "secrets-in-some-namespaces": {"cluster": {"secretNamespaces": ["team-a", "team-b"], "secretAccess": "metadata"}},
    "validating-only": {"webhook": {"mutating": {"enabled": False}, "skipServiceAccounts": []}},
    "fail-open": {"webhook": {"validating": {"failurePolicy": "Ignore"}, "timeoutSeconds": 2,
                              "objectSelector": {"matchLabels": {"argo-warden.io/check": "true"}}}},
    "scheduling": {"nodeSelector": {"kubernetes.io/os": "linux"}, "priorityClassName": "system-cluster-critical",
                   "tolerations": [{"key": "dedicated", "operator": "Exists"}], "podLabels": {"team": "platform"},
                   "serviceAccount": {"create": False, "name": "existing"}},
}

REFUSED: dict[str, dict[str, Any]] = {
    "zero-replicas": {"replicaCount": 0},
    "negative-workers": {"server": {"workers": -1}},
    "no-connections": {"server": {"maxConnections": 0}},
    "unknown-tls-mode": {"tls": {"mode": "vault"}},
    "misspelt-key": {"replicas": 3},
    "unknown-secret-access": {"cluster": {"secretAccess": "values"}},
    "timeout-over-30": {"webhook": {"timeoutSeconds": 45}},
    "bad-failure-policy": {"webhook": {"validating": {"failurePolicy": "Deny"}}},
    "executor-plugin-port": {"executorPlugin": {"enabled": True, "port": 70000}},
    "unknown-enforcement": {"policy": {"enforcement": "dryrun"}},
    "policy-code-not-a-code": {"policy": {"ignore": ["W510"]}},
    "policy-bad-severity": {"policy": {"severity": {"AW510": "fatal"}}},
    "org-policy-without-assert": {"policy": {"rules": [{"id": "ORG001", "message": "m", "for": "http"}]}},
    "org-policy-aw-id": {"policy": {"rules": [{"id": "aw1", "message": "m", "for": "http", "assert": "true"}]}},
}


def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


@pytest.fixture(scope="module")
def lint_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    if not HELM_PYTHON.exists():
        pytest.skip(f"{HELM_PYTHON} is absent: .ci/run creates it (Python >= 3.12 venv with helm-sdkpy)")
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    cases = {**OPTIONS, **REFUSED}
    dirs = []
    base = tmp_path_factory.mktemp("charts")
    for name, overrides in cases.items():
        target = base / name / "argo-warden"
        shutil.copytree(CHART, target)
        (target / "values.yaml").write_text(yaml.safe_dump(merged(defaults, overrides), sort_keys=False))
        dirs.append(str(target))
    proc = subprocess.run([str(HELM_PYTHON), str(Path(__file__).with_name("helm_lint.py")), *dirs],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return dict(zip(cases, json.loads(proc.stdout), strict=True))


def problems(result: dict[str, Any]) -> list[tuple[int, str]]:
    return [(m["Severity"], m["Path"]) for m in result["Messages"] if m["Severity"] >= WARNING]


@pytest.mark.parametrize("case", list(OPTIONS))
def test_chart_lints_clean(lint_results: dict[str, dict[str, Any]], case: str) -> None:
    result = lint_results[case]
    assert result["TotalChartsLinted"] == 1
    assert problems(result) == [], f"helm lint found problems with {case} values"


@pytest.mark.parametrize("case", list(REFUSED))
def test_chart_refuses_bad_values(lint_results: dict[str, dict[str, Any]], case: str) -> None:
    assert (3, "values.yaml") in problems(lint_results[case])


def test_chart_defaults_match_the_issue() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["replicaCount"] == 2
    assert values["securityContext"]["readOnlyRootFilesystem"] is True
    assert values["podSecurityContext"]["runAsNonRoot"] is True
    assert values["resources"]["requests"]
    webhooks = (CHART / "templates" / "webhooks.yaml").read_text()
    for text in ("sideEffects: None", "admissionReviewVersions: [v1]", "operations: [CREATE, UPDATE]"):
        assert text in webhooks
    for kind in ("workflows", "workflowtemplates", "clusterworkflowtemplates", "cronworkflows"):
        assert f'"{kind}"' in webhooks
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert set(schema["properties"]) - {"global"} == set(values)


def test_the_executor_plugin_sidecar_listens_on_loopback_without_network_probes() -> None:
    # Argo's agent calls its sidecars on localhost; the kubelet's httpGet/tcpSocket probes go to the pod's address,
    # where a sidecar bound to 127.0.0.1 is not listening, so such a probe would restart it for ever.
    template = (CHART / "templates" / "executor-plugin.yaml").read_text()
    sidecar = template.split("sidecar.container: |", 1)[1]
    assert "- --host=127.0.0.1" in sidecar
    for probe in ("readinessProbe", "livenessProbe", "startupProbe", "httpGet", "tcpSocket"):
        assert probe not in sidecar, probe


def test_the_memory_limit_covers_what_was_measured_for_the_connection_cap() -> None:
    # Issue 13: the old 256Mi limit was reached by ~700 idle connections (an OOM kill). Measured since: ~85 MiB
    # for the server, forkserver and two workers at rest, ~52 KiB per idle TLS connection, ~100 MiB for two
    # workers validating 1.4 MiB objects at once.
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    server = values["server"]
    limit = values["resources"]["limits"]["memory"]
    assert limit.endswith("Mi")
    needed = 85 + server["maxConnections"] * 52 / 1024 + 100
    assert int(limit[:-2]) >= needed, (limit, needed)
    deployment = (CHART / "templates" / "deployment.yaml").read_text()
    for flag in ("--workers=", "--max-connections=", "--max-connections-per-client="):
        assert flag in deployment
