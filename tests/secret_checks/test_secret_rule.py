"""Finding secret references, and the secret rule offline: a file of Secret manifests, or no store at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.conftest import CliRunner
from webhook.diagnostics import Severity
from webhook.lint import LintOptions, lint_paths
from webhook.manifest import Manifest
from webhook.secrets.files import FileSecrets
from webhook.secrets.references import SecretUse, find_secret_references, lookup_calls, parse_secret_lookup

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: s-, namespace: team}
spec:
  entrypoint: main
  imagePullSecrets: [{name: regcred}]
  volumes:
  - {name: v, secret: {secretName: vol, items: [{key: a, path: a}]}}
  - {name: p, projected: {sources: [{secret: {name: proj}}]}}
  templates:
  - name: main
    steps: [[{name: a, template: get}], [{name: b, template: c}], [{name: d, template: plug}]]
  - name: get
    http:
      url: "https://example.com/{{=lookup 'secret' 'url-secret' 'path'}}"
      method: POST
      timeoutSeconds: 5
      body: 'x {{=lookup "secret" "body-secret" "k"}} {{inputs.parameters.y}}'
      headers:
      - name: Authorization
        valueFrom: {secretKeyRef: {name: api-token, key: tokn}}
      - name: X-Other
        value: "Bearer {{=lookup 'secret' 'api-token' 'token'}}"
  - name: c
    container:
      image: alpine
      env: [{name: T, valueFrom: {secretKeyRef: {name: env-secret, key: tt}}}]
      envFrom: [{secretRef: {name: envfrom}}]
    outputs:
      artifacts:
      - name: o
        path: /tmp/o
        s3: {bucket: b, key: k, endpoint: x, accessKeySecret: {name: s3cred, key: ak},
             secretKeySecret: {name: s3cred, key: sk}}
  - name: plug
    plugin:
      argo-warden:
        url: https://example.com/
        timeoutSeconds: 5
        headers: [{name: X-Key, value: "{{=lookup 'secret' 'plugin-secret' 'key'}}"}]
"""

SECRETS = """\
apiVersion: v1
kind: Secret
metadata: {name: api-token, namespace: team}
stringData: {token: planted-offline-value}
---
apiVersion: v1
kind: Secret
metadata: {name: env-secret, namespace: team}
data: {t: dmFsdWU=}
"""


def manifest() -> Manifest:
    data: dict[str, Any] = yaml.safe_load(WORKFLOW)
    return Manifest("Workflow", data)


def test_every_reference_is_found_with_its_place() -> None:
    refs = {(r.use, r.name, r.key, r.template, r.where) for r in find_secret_references(manifest())}
    assert refs == {
        (SecretUse.LOOKUP, "url-secret", "path", "get", "url"),
        (SecretUse.LOOKUP, "body-secret", "k", "get", "body"),
        (SecretUse.HEADER, "api-token", "tokn", "get", "header 'Authorization'"),
        (SecretUse.LOOKUP, "api-token", "token", "get", "header 'X-Other'"),
        (SecretUse.LOOKUP, "plugin-secret", "key", "plug", "header 'X-Key'"),
        (SecretUse.IMAGE_PULL, "regcred", None, None, "imagePullSecrets"),
        (SecretUse.VOLUME, "vol", "a", None, "volume"),
        (SecretUse.VOLUME, "proj", None, None, "volume"),
        (SecretUse.ENV, "env-secret", "tt", "c", "env 'T'"),
        (SecretUse.ENV_FROM, "envfrom", None, "c", "envFrom"),
        (SecretUse.ARTIFACT, "s3cred", "ak", "c", "accessKeySecret"),
        (SecretUse.ARTIFACT, "s3cred", "sk", "c", "secretKeySecret"),
    }
    url = next(r for r in find_secret_references(manifest()) if r.name == "url-secret")
    text = "https://example.com/{{=lookup 'secret' 'url-secret' 'path'}}"
    assert url.name_span is not None and url.key_span is not None
    assert text[url.name_span[0]:url.name_span[1]] == "url-secret"
    assert text[url.key_span[0]:url.key_span[1]] == "path"
    assert url.name_at == ("spec", "templates", 1, "http", "url") and url.sent


def test_lookup_calls_only_inside_expression_tags() -> None:
    assert lookup_calls("lookup 'secret' 'a' 'b'") == []  # plain text, no tag
    assert lookup_calls("{{lookup 'secret' 'a' 'b'}}") == []  # a reference tag, not an expression
    assert lookup_calls("{{=lookup 'secret' 'a' 'b'") == []  # never closed: the reference rule reports it
    two = lookup_calls("{{=lookup 'secret' 'a' 'b'}}:{{=lookup \"secret\" \"c\" \"d\"}}")
    assert [(c.ref.name, c.ref.key) for c in two] == [("a", "b"), ("c", "d")]
    assert parse_secret_lookup("{{=lookup 'secret' 'a' 'b'}}:x") is None


def _lint(tmp_path: Path, secrets: str | None, workflow: str = WORKFLOW) -> list[tuple[str, str, str]]:
    path = tmp_path / "wf.yaml"
    path.write_text(workflow)
    store = None
    if secrets is not None:
        (tmp_path / "secrets.yaml").write_text(secrets)
        store = FileSecrets.from_path(str(tmp_path / "secrets.yaml"))
    result = lint_paths([str(path)], LintOptions(secrets=store, search_repository=False))
    return [(d.code, str(d.severity), d.message) for d in result.diagnostics if d.code.startswith("AW7")]


def test_file_store(tmp_path: Path) -> None:
    found = _lint(tmp_path, SECRETS)
    by_code: dict[str, list[str]] = {}
    for code, severity, text in found:
        by_code.setdefault(code, []).append(text)
        assert severity == ("error" if code in ("AW700", "AW702") else "warning"), (code, severity)
    assert sorted(by_code) == ["AW700", "AW702", "AW710", "AW711"]
    assert by_code["AW702"] == ["template 'get' header 'Authorization': secret 'api-token' has no key 'tokn'"]
    assert len(by_code["AW700"]) == 3  # url-secret, body-secret, plugin-secret
    assert by_code["AW711"] == ["template 'c' env 'T': secret 'env-secret' has no key 'tt'"]
    assert len(by_code["AW710"]) == 6  # regcred, vol, proj, envfrom, s3cred twice


def test_no_store_says_so_once_per_run(tmp_path: Path) -> None:
    (tmp_path / "second.yaml").write_text(WORKFLOW)
    (tmp_path / "wf.yaml").write_text(WORKFLOW)
    result = lint_paths([str(tmp_path / "wf.yaml"), str(tmp_path / "second.yaml")],
                        LintOptions(search_repository=False))
    notes = [d for d in result.diagnostics if d.code == "AW701"]
    assert len(notes) == 1 and notes[0].severity is Severity.INFO
    assert "secret references not checked: no secret store" in notes[0].message
    assert not [d for d in result.diagnostics if d.code in ("AW700", "AW702", "AW710")]


def test_a_workflow_without_secrets_gets_no_note(tmp_path: Path) -> None:
    plain = WORKFLOW.split("  imagePullSecrets")[0] + "  templates: [{name: main, suspend: {}}]\n"
    assert _lint(tmp_path, None, plain) == []


def test_invalid_names_in_lookups_are_errors(tmp_path: Path) -> None:
    bad = WORKFLOW.replace("'url-secret' 'path'", "'Url_Secret' 'path'").replace('"k"}}', '"bad key"}}')
    found = _lint(tmp_path, SECRETS, bad)
    invalid = [text for code, _, text in found if code == "AW706"]
    assert invalid == ["template 'get' url: 'Url_Secret' is not a valid secret name",
                       "template 'get' body: 'bad key' is not a valid secret key"]


def test_lint_cli_never_prints_a_value(tmp_path: Path, cli: CliRunner) -> None:
    (tmp_path / "wf.yaml").write_text(WORKFLOW)
    (tmp_path / "secrets.yaml").write_text(SECRETS)
    for output in ("text", "json", "sarif", "github"):
        done = cli("lint", str(tmp_path / "wf.yaml"), "--secrets", str(tmp_path / "secrets.yaml"), "-o", output)
        assert done.returncode == 1, done.stderr
        assert "AW702" in done.stdout
        assert "planted-offline-value" not in done.stdout + done.stderr
        assert "dmFsdWU=" not in done.stdout + done.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Secret\ndata: [\n")
    done = cli("lint", str(tmp_path / "wf.yaml"), "--secrets", str(bad))
    assert done.returncode == 2 and "--secrets" in done.stderr and "Traceback" not in done.stderr


_ONE_SECRET = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{generateName: s-{namespace}}}
spec:
  entrypoint: get
  templates:
  - name: get
    http:
      url: https://example.com
      timeoutSeconds: 5
      headers:
      - name: Authorization
        valueFrom: {{secretKeyRef: {{name: api, key: token}}}}
"""


def _secret(namespace: str | None) -> str:
    md = f"{{name: api, namespace: {namespace}}}" if namespace else "{name: api}"
    return f"apiVersion: v1\nkind: Secret\nmetadata: {md}\nstringData: {{token: x}}\n"


def _sent(tmp_path: Path, secret_ns: str | None, workflow_ns: str | None,
          lint_ns: str | None = None) -> list[tuple[str, str, str | None]]:
    (tmp_path / "wf.yaml").write_text(_ONE_SECRET.format(namespace=f", namespace: {workflow_ns}" if workflow_ns
                                                         else ""))
    (tmp_path / "secrets.yaml").write_text(_secret(secret_ns))
    store = FileSecrets.from_path(str(tmp_path / "secrets.yaml"), lint_ns)
    result = lint_paths([str(tmp_path / "wf.yaml")],
                        LintOptions(secrets=store, search_repository=False, namespace=lint_ns))
    return [(d.code, d.message, d.hint) for d in result.diagnostics if d.code.startswith("AW7")]


def test_a_secret_in_one_namespace_does_not_satisfy_a_workflow_in_another(tmp_path: Path) -> None:
    found = _sent(tmp_path, "argo", "other")
    assert [(code, message) for code, message, _ in found] == [
        ("AW700", "template 'get' header 'Authorization': secret 'api' does not exist in namespace 'other'")]
    assert found[0][2] is not None and "only in namespace 'argo'" in found[0][2]
    assert _sent(tmp_path, "argo", "argo") == []


def test_namespaces_of_manifests_that_name_none(tmp_path: Path) -> None:
    # An unnamespaced Secret is applied beside the workflows: it satisfies any of them.
    assert _sent(tmp_path, None, "other") == []
    # A workflow whose namespace is unknown may run where the Secret is.
    assert _sent(tmp_path, "argo", None) == []
    # --namespace places both: the workflow is in 'team', the Secret is in 'argo'.
    assert [code for code, _, _ in _sent(tmp_path, "argo", None, lint_ns="team")] == ["AW700"]
    assert _sent(tmp_path, None, None, lint_ns="team") == []
