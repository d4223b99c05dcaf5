"""The schema rule (AW100–AW114): our schema of the four Argo kinds and the Kubernetes types they embed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from webhook.diagnostics import Diagnostic, Severity
from webhook.lint import LintOptions, lint_paths, lint_sources
from webhook.loading import iter_source_paths, load_path, load_text
from webhook.manifest import Manifest, is_argo_kind
from webhook.schema import KIND_DEFINITIONS, kind_schema, kubernetes_document, names, schema
from webhook.schema.argo import argo_definitions
from webhook.schema.checker import ArrayNode, Compiler, Issue, IssueKind, MapNode, Node, ObjectNode
from webhook.validation import validate
from webhook.validation.context import ValidationContext
from webhook.validation.schema import kind_node

ROOT = Path(__file__).resolve().parent.parent


def lint_text(text: str, *, strict: bool = True) -> list[Diagnostic]:
    source = load_text(textwrap.dedent(text).lstrip("\n"), "case.yaml")
    assert not source.diagnostics, source.diagnostics
    result = lint_sources([source], LintOptions(strict=strict, search_repository=False))
    return result.diagnostics


def schema_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.code.startswith("AW1")]


def wf(templates: str, spec: str = "", metadata: str = "  generateName: case-\n") -> str:
    """A Workflow whose entrypoint is the first template."""
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n" + metadata
        + "spec:\n  entrypoint: main\n" + spec
        + "  templates:\n" + textwrap.indent(textwrap.dedent(templates), "  ")
    )


def main_container(body: str, template: str = "") -> str:
    """A single 'main' container template with extra container fields and extra template fields."""
    return ("- name: main\n  container:\n    image: alpine:3.19\n"
            + textwrap.indent(textwrap.dedent(body), "    ")
            + textwrap.indent(textwrap.dedent(template), "  "))


# ---------------------------------------------------------------- the corpus


def corpus_manifests(corpus: Path) -> list[Manifest]:
    out = []
    for path in iter_source_paths([str(corpus)]):
        for doc in load_path(path).documents:
            if is_argo_kind(doc.data):
                out.append(Manifest(doc.data["kind"], doc.data, path, doc.index, doc.positions))
    return out


def test_corpus_has_no_schema_errors(corpus_dir: Path) -> None:
    result = lint_paths([str(corpus_dir)], LintOptions(search_repository=False))
    assert result.documents >= 200
    mine = schema_diagnostics(result.diagnostics)
    assert [d for d in mine if d.severity is Severity.ERROR] == []
    # Two upstream examples (never submitted by Argo's own tests) lose their name to an
    # indentation slip; they are warned about, each once, with the slip named in the hint.
    warned = sorted((Path(d.file or "").name, d.code) for d in mine)
    assert warned == [("fun-with-gifs.yaml", "AW106"), ("k8s-jobs.yaml", "AW106")]
    assert all(d.hint and ("indented" in d.hint or "dedent" in d.hint) for d in mine)


def test_corpus_skips_non_argo_documents(corpus_dir: Path) -> None:
    result = lint_paths([str(corpus_dir)], LintOptions(search_repository=False))
    assert result.skipped >= 2


Path_ = tuple[str | int, ...]


def _mutations(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any, str]]:
    """Every place a document can be broken: (path of a container or leaf, container, how)."""
    if isinstance(node, dict):
        yield path, node, "add-key"
        for key, value in node.items():
            yield from _mutations(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _mutations(value, (*path, i))
    elif isinstance(node, str | int | float | bool):
        yield path, node, "replace-leaf"


def _get(document: Any, path: Path_) -> Any:
    for part in path:
        document = document[part]
    return document


def test_checker_agrees_with_jsonschema_rs_on_every_corpus_mutation(corpus_dir: Path) -> None:
    """Differential test: break each node of every corpus document once; our checker and
    jsonschema-rs (on the same schema) must find a problem at the same places."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    validators = {kind: jsonschema_rs.validator_for(kind_schema(kind)) for kind in KIND_DEFINITIONS}
    checked = 0
    for manifest in corpus_manifests(corpus_dir):
        data = manifest.data
        root = kind_node(manifest.kind)
        validator = validators[manifest.kind]
        for path, target, how in list(_mutations(data)):
            if how == "add-key":
                target["zzNotAField"] = "x"
                undo_path, undo = (*path, "zzNotAField"), None
            else:
                if not path or path[-1] in ("apiVersion", "kind"):
                    continue
                parent = _get(data, path[:-1])
                parent[path[-1]] = {"zz": [1]}
                undo_path, undo = path, target
            try:
                ours: list[Issue] = []
                root.check(data, (), ours)
                # jsonschema-rs reports an unexpected property at the object that holds it.
                # Formats (quantities, durations, labels) are our extension; generic validators skip them.
                our_paths = {i.path[:-1] if i.kind is IssueKind.UNKNOWN_FIELD else i.path
                             for i in ours if i.kind is not IssueKind.FORMAT}
                their_paths = {tuple(e.instance_path) for e in validator.iter_errors(data)}
                assert our_paths == their_paths, (manifest.file, undo_path, ours)
                checked += 1
            finally:
                container = _get(data, undo_path[:-1])
                if undo is None:
                    del container[undo_path[-1]]
                else:
                    container[undo_path[-1]] = undo
    assert checked > 8_000


# ---------------------------------------------------------------- one mistake, one diagnostic


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    code: str
    # The diagnostic stands on the first line containing `line_has`, at the column of `at` in it.
    line_has: str
    at: str | None = None
    severity: Severity = Severity.ERROR
    # Another rule reports the same mistake too (see the report to the team); only ours is asserted.
    also: str | None = None

    def location(self) -> tuple[int, int]:
        lines = textwrap.dedent(self.text).lstrip("\n").splitlines()
        for number, line in enumerate(lines, start=1):
            if self.line_has in line:
                return number, line.index(self.at if self.at is not None else self.line_has) + 1
        raise AssertionError(f"{self.id}: no line has {self.line_has!r}")


CRON = """
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: nightly
spec:
  schedules: ["0 1 * * *"]
{extra}  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container:
        image: alpine:3.19
"""

CASES = [
    Case("unknown-in-container", wf(main_container("someExtraField: foo\n")), "AW100", "someExtraField"),
    Case("unknown-in-spec", wf(main_container(""), spec="  paralelism: 2\n"), "AW100", "paralelism"),
    Case("unknown-in-probe", wf(main_container(
        "livenessProbe:\n  httpGet:\n    path: /\n    port: 80\n  periodSecond: 5\n")),
        "AW100", "periodSecond"),
    Case("unknown-in-volume-claim-metadata", wf(main_container(""), spec=(
        "  volumeClaimTemplates:\n  - metadata:\n      name: work\n      lables: {a: b}\n")),
        "AW100", "lables"),
    Case("unknown-in-template", wf(
        "- name: main\n  retryStrateg:\n    limit: 2\n  container:\n    image: a\n"),
        "AW100", "retryStrateg"),
    Case("unknown-in-step", wf("""
        - name: main
          steps:
          - - name: a
              template: b
              tempalte: b
        - name: b
          suspend: {}
        """), "AW100", "tempalte"),
    Case("misspelt-required-once", wf("""
        - name: main
          containerSet:
            containrs:
            - name: main
              image: alpine
        """), "AW100", "containrs"),
    Case("parallelism-template-tag",
         wf(main_container(""), spec="  parallelism: \"{{workflow.parameters.p}}\"\n"),
         "AW101", "parallelism:", "\"{{"),
    Case("container-port-quoted", wf(main_container("ports:\n- containerPort: \"8080\"\n")), "AW101",
         "containerPort", "\"8080\""),
    Case("env-value-number", wf(main_container("env:\n- name: PORT\n  value: 8080\n")), "AW101",
         "value: 8080", "8080"),
    Case("tolerations-not-a-list", wf(main_container(""), spec="  tolerations:\n    key: a\n"), "AW101",
         "key: a", "key"),
    Case("steps-not-nested", wf("""
        - name: main
          steps:
          - name: a
            template: b
        - name: b
          suspend: {}
        """), "AW101", "- name: a", "name"),
    Case("ttl-seconds-quoted",
         wf(main_container(""), spec="  ttlStrategy:\n    secondsAfterCompletion: \"60\"\n"),
         "AW101", "secondsAfterCompletion", "\"60\""),
    Case("bool-quoted", wf(main_container(""), spec="  hostNetwork: \"true\"\n"), "AW101", "hostNetwork",
         "\"true\""),
    Case("sequence-count-list", wf("""
        - name: main
          steps:
          - - name: a
              template: b
              withSequence:
                count: [3]
        - name: b
          suspend: {}
        """), "AW101", "count:", "["),
    Case("hooks-as-list", wf(main_container(""), spec="  hooks:\n  - template: main\n"), "AW101",
         "- template: main", "-"),
    Case("metadata-a-list", "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n- name: x\nspec:\n"
         "  entrypoint: main\n  templates:\n  - name: main\n    container:\n      image: a\n", "AW101",
         "- name: x", "-"),
    Case("volume-without-name", wf(main_container(""), spec="  volumes:\n  - emptyDir: {}\n"), "AW102",
         "- emptyDir", "emptyDir"),
    Case("volume-mount-without-path", wf(main_container("volumeMounts:\n- name: work\n")), "AW102",
         "- name: work", "name"),
    Case("resource-without-action", wf("""
        - name: main
          resource:
            manifest: |
              apiVersion: v1
              kind: ConfigMap
              metadata: {name: x}
        """), "AW102", "resource:"),
    Case("container-set-container-without-name", wf("""
        - name: main
          containerSet:
            containers:
            - image: alpine
        """), "AW102", "- image: alpine", "image"),
    Case("sidecar-without-name", wf(main_container("", "sidecars:\n- image: nginx\n")), "AW102",
         "- image: nginx", "image"),
    Case("data-without-transformation", wf("""
        - name: main
          data:
            source:
              artifactPaths:
                name: files
                s3: {key: data}
        """), "AW102", "  data:", "data"),
    Case("http-artifact-header-without-value", wf(main_container("", """\
          inputs:
            artifacts:
            - name: page
              path: /tmp/page
              http:
                url: https://example.com
                headers:
                - name: Accept
        """)), "AW102", "- name: Accept", "name"),
    Case("cron-without-workflow-spec", "apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata:\n"
         "  name: c\nspec:\n  schedules: ['* * * * *']\n", "AW102", "spec:"),
    Case("pod-gc-strategy", wf(main_container(""), spec="  podGC:\n    strategy: OnPodCompletin\n"), "AW103",
         "strategy:", "OnPodCompletin"),
    Case("retry-policy", wf(
        "- name: main\n  retryStrategy:\n    retryPolicy: Allways\n  container:\n    image: a\n"),
        "AW103", "retryPolicy", "Allways"),
    Case("merge-strategy", wf("""
        - name: main
          resource:
            action: patch
            mergeStrategy: strategic-merge
            manifest: |
              apiVersion: v1
              kind: ConfigMap
              metadata: {name: x}
        """), "AW103", "mergeStrategy", "strategic-merge"),
    Case("dns-policy", wf(main_container(""), spec="  dnsPolicy: ClusterFirstt\n"), "AW103", "dnsPolicy",
         "ClusterFirstt"),
    Case("cron-concurrency-policy", CRON.format(extra="  concurrencyPolicy: Forbidden\n"), "AW103",
         "concurrencyPolicy", "Forbidden"),
    Case("api-version", wf(main_container("")).replace("v1alpha1", "v1beta1", 1), "AW104", "apiVersion",
         "argoproj.io/v1beta1"),
    Case("workflow-without-name", wf(main_container(""), metadata="  labels: {team: a}\n"), "AW106",
         "metadata:", severity=Severity.WARNING),
    Case("template-without-name", "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata:\n"
         "  generateName: tpl-\nspec:\n  templates:\n  - name: main\n    container:\n      image: a\n",
         "AW106", "metadata:", severity=Severity.WARNING),
    Case("generate-name-upper-case", wf(main_container(""), metadata="  generateName: Build_Images-\n"),
         "AW107", "generateName", "Build_Images-", severity=Severity.WARNING),
    Case("namespace-malformed", wf(main_container(""), metadata="  name: ok\n  namespace: team.a\n"), "AW107",
         "namespace", "team.a", severity=Severity.WARNING),
    Case("label-value-malformed", wf(main_container(""), metadata="  name: ok\n  labels:\n    owner: -bob\n"),
         "AW108", "owner:", "-bob", severity=Severity.WARNING),
    Case("label-key-malformed", wf(main_container(""), metadata="  name: ok\n  labels:\n    my team: a\n"),
         "AW108", "my team", severity=Severity.WARNING),
    Case("pod-label-value-malformed",
         wf(main_container(""), spec="  podMetadata:\n    labels:\n      tier: a b\n"),
         "AW108", "tier:", "a b", severity=Severity.WARNING),
    Case("memory-in-gigabytes", wf(main_container("resources:\n  limits:\n    memory: 1GB\n")), "AW109",
         "memory", "1GB"),
    Case("cpu-with-unit-word", wf(main_container("resources:\n  requests:\n    cpu: 2 cores\n")), "AW109",
         "cpu:", "2 cores"),
    Case("empty-dir-size", wf(main_container(""), spec="  volumes:\n  - name: a\n    emptyDir:\n"
                              "      sizeLimit: 1gb\n"), "AW109", "sizeLimit", "1gb"),
    Case("backoff-duration-words", wf(
        "- name: main\n  retryStrategy:\n    backoff:\n      duration: 5 minutes\n"
        "  container:\n    image: a\n"), "AW110", "duration", "5 minutes"),
    Case("suspend-days", wf("- name: main\n  suspend:\n    duration: 1d\n"), "AW110", "duration", "1d"),
    Case("memoize-bare-seconds", wf("- name: main\n  memoize:\n    key: k\n    maxAge: \"30\"\n    cache:\n"
                                    "      configMap: {name: c}\n  container:\n    image: a\n"), "AW110",
         "maxAge", "\"30\""),
    Case("parallelism-zero", wf(main_container(""), spec="  parallelism: 0\n"), "AW111", "parallelism", "0"),
    Case("artifact-mode-decimal", wf(main_container("", """\
          outputs:
            artifacts:
            - name: out
              path: /tmp/out
              mode: 755
        """)), "AW111", "mode:", "755"),
    Case("git-depth-negative", wf(main_container("", """\
          inputs:
            artifacts:
            - name: src
              path: /src
              git:
                repo: https://example.com/r.git
                depth: -1
        """)), "AW111", "depth", "-1"),
    Case("empty-steps", wf("- name: main\n  steps: []\n"), "AW112", "steps:"),
    Case("plugin-two-names", wf("- name: main\n  plugin:\n    hello: {}\n    world: {}\n"), "AW112",
         "plugin:"),
    Case("metric-label-key", wf("""
        - name: main
          container:
            image: a
          metrics:
            prometheus:
            - name: runs
              help: runs
              labels:
              - key: team-name
                value: a
              counter:
                value: "1"
        """), "AW113", "- key: team-name", "team-name"),
    Case("gauge-value-empty", wf("""
        - name: main
          container:
            image: a
          metrics:
            prometheus:
            - name: size
              help: size
              gauge:
                value: ""
        """), "AW113", "value: \"\"", "\"\""),
    Case("artifact-two-locations", wf(main_container("", """\
          inputs:
            artifacts:
            - name: src
              path: /src
              s3: {key: a}
              gcs: {key: a}
        """)), "AW114", "gcs:"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_one_mistake_one_diagnostic(case: Case) -> None:
    diagnostics = lint_text(case.text)
    mine = schema_diagnostics(diagnostics)
    line, column = case.location()
    found = [(d.code, d.line, d.column, d.severity) for d in mine]
    assert found == [(case.code, line, column, case.severity)], mine
    assert mine[0].message and mine[0].message[0].islower()
    others = {d.code for d in diagnostics if d not in mine and d.severity is not Severity.INFO}
    assert others == ({case.also} if case.also else set()), diagnostics


def test_table_covers_every_code() -> None:
    assert len(CASES) >= 30
    assert {c.code for c in CASES} >= {f"AW1{n:02d}" for n in range(15)} - {"AW105"}


def test_unknown_field_message_and_hint() -> None:
    [d] = schema_diagnostics(lint_text(wf(main_container("imagePullPolicy: Always\ncomand: [sh]\n"))))
    assert d.message == "unknown field 'comand' in Container"
    assert d.hint == "did you mean 'command'?"
    assert d.path == "spec.templates[0].container.comand"
    [d] = schema_diagnostics(lint_text(wf(main_container("zzz: 1\n"))))
    assert d.hint is not None and d.hint.startswith("Container has: args, command, env")


def test_wrong_type_names_both_types() -> None:
    [d] = schema_diagnostics(lint_text(wf(main_container("ports:\n- containerPort: \"80\"\n"))))
    assert d.message == "containerPort must be an integer, not a string ('80')"
    assert d.hint == "write the number without quotes: 80"
    [d] = schema_diagnostics(lint_text(wf(main_container(""), spec="  tolerations:\n    key: a\n")))
    assert d.message == "tolerations must be a list of Toleration, not a mapping"


def test_structured_parameter_value_is_reported_with_a_json_hint() -> None:
    """Argo's AnyString keeps numbers and booleans as text but silently drops a mapping."""
    spec = "  arguments:\n    parameters:\n    - name: config\n      value: {a: 1}\n"
    text = wf(main_container(""), spec=spec)
    [d] = schema_diagnostics(lint_text(text))
    assert d.message == "value must be a string, a number or a boolean, not a mapping"
    assert d.hint == """to pass structured data, write it as a JSON string: '{"a": 1}'"""


def test_misspelling_tells_other_rules_a_missing_field_is_a_typo() -> None:
    from webhook.validation.schema import misspelling

    assert misspelling({"urll": "http://x", "method": "GET"}, "url", "HTTP") == "urll"
    assert misspelling({"url": "http://x"}, "url", "HTTP") is None
    # 'body' is a field of its own, never a misspelling of 'bodyFrom'.
    assert misspelling({"body": "x"}, "bodyFrom", "HTTP") is None
    assert misspelling({"entrypiont": "main"}, "entrypoint", "WorkflowSpec") == "entrypiont"
    with pytest.raises(ValueError):
        misspelling({}, "x", "LifecycleHooks")


def test_enum_lists_allowed_values() -> None:
    [d] = schema_diagnostics(lint_text(wf("- name: main\n  retryStrategy:\n    retryPolicy: Never\n"
                                          "  container:\n    image: a\n")))
    assert d.message == "retryPolicy 'Never' is not one of: Always, OnFailure, OnError, OnTransientError"


def test_quantity_hint_suggests_the_unit() -> None:
    [d] = schema_diagnostics(lint_text(wf(main_container("resources:\n  limits:\n    memory: 512MB\n"))))
    assert d.hint is not None and d.hint.startswith("did you mean '512M'?")


def test_e2e_unknown_field_in_container_is_reported() -> None:
    """Argo's own lint-failure case: an unknown field inside a template's container."""
    text = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: unknown-field-
    spec:
      entrypoint: say
      templates:
      - name: say
        container:
          image: busybox
          command: [echo]
          args: [hello]
          someExtraField: foo
    """
    diagnostics = lint_text(text)
    assert [(d.code, d.severity, d.line, d.column, d.message) for d in diagnostics] == [
        ("AW100", Severity.ERROR, 13, 7, "unknown field 'someExtraField' in Container"),
    ]


def test_no_strict_downgrades_unknown_fields_to_warnings() -> None:
    text = wf(main_container("someExtraField: foo\n"))
    [strict] = schema_diagnostics(lint_text(text))
    [lenient] = schema_diagnostics(lint_text(text, strict=False))
    assert strict.severity is Severity.ERROR
    assert lenient.severity is Severity.WARNING
    assert (lenient.code, lenient.line, lenient.column) == (strict.code, strict.line, strict.column)
    # Only unknown fields are downgraded: a wrong type stays an error.
    wrong = wf(main_container("someExtraField: foo\nports:\n- containerPort: \"80\"\n"))
    assert {(d.code, d.severity) for d in schema_diagnostics(lint_text(wrong, strict=False))} == {
        ("AW100", Severity.WARNING), ("AW101", Severity.ERROR),
    }


def test_no_strict_on_the_command_line(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(wf(main_container("someExtraField: foo\n")))
    strict = cli("lint", "--no-color", str(path))
    assert strict.returncode == 1
    assert "error[AW100]: unknown field 'someExtraField' in Container" in strict.stdout
    lenient = cli("lint", "--no-color", "--no-strict", str(path))
    assert lenient.returncode == 0
    assert "warning[AW100]" in lenient.stdout


# ---------------------------------------------------------------- no false alarms


NO_FALSE_ALARMS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: quiet-
  labels:
    app.kubernetes.io/name: quiet
    empty: ""
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: count
      value: 3
    - name: ratio
      value: 0.5
    - name: flag
      value: true
    - name: choice
      value: a
      enum: [a, 1, true]
    - name: nothing
      value:
  activeDeadlineSeconds: 3600
  podGC:
    strategy: ""
    deleteDelayDuration: 30s
  retryStrategy:
    limit: "{{workflow.parameters.count}}"
    retryPolicy: "{{workflow.parameters.policy}}"
    backoff:
      duration: "10"
      factor: 2
      maxDuration: 1h30m
      cap: "{{workflow.parameters.cap}}"
  volumes:
  - name: scratch
    emptyDir:
      sizeLimit: 1Gi
  volumeClaimTemplates:
  - metadata:
      name: work
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 10Gi
  templates:
  - name: main
    metadata:
      labels:
        run: "{{workflow.name}}"
    activeDeadlineSeconds: "{{inputs.parameters.deadline}}"
    retryStrategy:
      limit: 3
      backoff:
        factor: "2"
    inputs:
      parameters:
      - name: deadline
        default: 60
    steps:
    - - name: fan-out
        template: work
        withItems: [1, two, {three: 3}, [4], true, null]
      - name: seq
        template: wait
        withSequence:
          count: "{{workflow.parameters.count}}"
          start: 1
    - - name: pause
        template: wait
  - name: work
    container:
      image: alpine:3.19
      ports:
      - name: http
        containerPort: 8080
      livenessProbe:
        httpGet:
          path: /healthz
          port: http
      readinessProbe:
        tcpSocket:
          port: 8080
      resources:
        requests:
          cpu: 1
          memory: 1Gi
          ephemeral-storage: 1e9
          nvidia.com/gpu: 1
        limits:
          cpu: 0.5
          memory: 1536Mi
      env:
      - name: LIMIT
        valueFrom:
          resourceFieldRef:
            resource: limits.memory
            divisor: 1Mi
    memoize:
      key: "{{workflow.name}}"
      maxAge: 1h
      cache:
        configMap:
          name: cache
  - name: wait
    suspend:
      duration: "20"
  - name: set
    containerSet:
      retryStrategy:
        retries: "{{workflow.parameters.count}}"
        duration: 10s
      containers:
      - name: main
        image: alpine:3.19
  - name: later
    suspend:
      duration: "{{workflow.parameters.wait}}"
  - name: call
    http:
      url: https://example.com
      timeoutSeconds: 10
  - name: plug
    plugin:
      hello:
        anything: [goes, 1, {here: true}]
status:
  startedAt: 2024-01-01T00:00:00Z
  phase: Running
"""


def test_no_false_alarms_for_int_or_string_quantities_durations_and_tags() -> None:
    assert schema_diagnostics(lint_text(NO_FALSE_ALARMS)) == []


@pytest.mark.parametrize("text", ["1", "0.5", "500m", "1Gi", "1.5Gi", "1e9", "1E3", "+1", "-1", ".5", "100k",
                                  "2M"])
def test_valid_quantities(text: str) -> None:
    assert names.quantity_problem(text) is None


@pytest.mark.parametrize("text", ["1GB", "1gi", "1 Gi", "Gi", "", "1.5.5", "one", "1KiB"])
def test_invalid_quantities(text: str) -> None:
    assert names.quantity_problem(text) is not None


@pytest.mark.parametrize("text", ["1h30m", "300ms", "1.5h", "0", "2us", "-5s", "1h0m0s", "1µs"])
def test_valid_go_durations(text: str) -> None:
    assert names.duration_problem(text) is None


@pytest.mark.parametrize("text", ["30", "1d", "5 minutes", "h", "1.h5", ""])
def test_invalid_go_durations(text: str) -> None:
    assert names.duration_problem(text) is not None


def test_seconds_or_duration_takes_whole_seconds() -> None:
    assert names.seconds_or_duration_problem("30") is None
    assert names.seconds_or_duration_problem("30s") is None
    assert names.seconds_or_duration_problem("30.5") is not None


@pytest.mark.parametrize(("key", "valid"), [
    ("app", True), ("app.kubernetes.io/name", True), ("a_b.c-d", True), ("x/y", True),
    ("my team", False), ("/name", False), ("Example.com/name", False), ("a/" + "b" * 64, False),
    ("-a", False),
])
def test_label_keys(key: str, valid: bool) -> None:
    assert (names.label_key_problem(key) is None) is valid


@pytest.mark.parametrize(("name", "valid"), [
    ("wf", True), ("my.workflow-1", True), ("My-wf", False), ("wf_1", False), ("-wf", False), ("wf.", False),
    ("a" * 254, False),
])
def test_object_names(name: str, valid: bool) -> None:
    assert (names.dns_subdomain_problem(name) is None) is valid


def test_generate_name_may_end_in_a_dash() -> None:
    assert names.generate_name_problem("build-") is None
    assert names.generate_name_problem("Build-") is not None


# ---------------------------------------------------------------- other inputs of the rule


def test_kind_and_api_version_problems_when_validated_directly() -> None:
    """Admission and REST hand documents over without the lint's kind filter."""
    ctx = ValidationContext()
    data: dict[str, Any] = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Worklfow",
                            "metadata": {"name": "a"}, "spec": {}}
    [d] = [d for d in validate(Manifest("Worklfow", data), ctx) if d.code.startswith("AW1")]
    assert (d.code, d.hint) == ("AW105", "did you mean 'Workflow'?")
    data = {"kind": 7, "spec": {}}
    codes = sorted(d.code for d in validate(Manifest("Workflow", data), ctx) if d.code.startswith("AW1"))
    assert codes == ["AW104", "AW105"]
    # A body whose endpoint gives the kind (Argo Server's lint API) needs neither field.
    data = {"metadata": {"name": "a"}, "spec": {"entrypoint": "main",
                                                "templates": [{"name": "main", "container": {"image": "a"}}]}}
    assert [d for d in validate(Manifest("Workflow", data), ctx) if d.code.startswith("AW1")] == []


@pytest.mark.parametrize("data", [
    {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow"},
    {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": "x", "spec": []},
    {"apiVersion": 1, "kind": "CronWorkflow", "metadata": {"name": 5}, "spec": {"workflowSpec": 3}},
    {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"labels": [1]},
     "spec": {"templates": [None, 1, "x", [], {"container": None, "steps": [[None, 1]]}]}},
])
def test_malformed_documents_give_findings_not_exceptions(data: dict[str, Any]) -> None:
    diagnostics = validate(Manifest(str(data["kind"]), data), ValidationContext())
    assert any(d.code.startswith("AW1") and d.severity is Severity.ERROR for d in diagnostics)
    assert all(d.message for d in diagnostics)


def test_endless_inline_nesting_is_a_finding_not_a_crash() -> None:
    from webhook.validation import schema as rule

    template: dict[str, Any] = {"name": "leaf", "container": {"image": "a"}}
    for _ in range(2000):
        template = {"steps": [[{"name": "s", "inline": template}]]}
    data = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "deep"},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", **template}]}}
    findings = list(rule.check(Manifest("Workflow", data), ValidationContext()))
    assert [f.code for f in findings] == ["AW115"]


# ---------------------------------------------------------------- the schema itself


def test_schema_is_valid_json_schema_and_every_reference_resolves() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for kind in KIND_DEFINITIONS:
        jsonschema.Draft202012Validator.check_schema(kind_schema(kind))
    assert Compiler(schema()["$defs"]).complete() > 1000


def test_kubernetes_types_are_generated_not_written_here() -> None:
    definitions = argo_definitions()
    assert not any(name.startswith(("V1", "Core")) for name in definitions)
    generated = set(kubernetes_document()["$defs"])
    assert {"V1Container", "V1Volume", "V1Probe", "V1Affinity", "V1SecurityContext",
            "V1ResourceRequirements", "V1PersistentVolumeClaim", "V1ObjectMeta"} <= generated


def _reference_properties(reference: dict[str, Any], name: str) -> dict[str, Any]:
    properties: dict[str, Any] = reference["definitions"][name].get("properties", {})
    return properties


def _reachable(reference: dict[str, Any], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in reference["definitions"]:
            continue
        seen.add(name)
        text = json.dumps(reference["definitions"][name])
        for part in text.split('"$ref": "#/definitions/')[1:]:
            todo.append(part.split('"', 1)[0])
    return seen


def _our_objects() -> dict[str, set[str]]:
    """Every titled object of our schema, nested ones included: title → field names."""
    found: dict[str, set[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node and "title" in node:
                found.setdefault(node["title"], set()).update(node["properties"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema()["$defs"])
    return found


def test_field_names_cover_the_reference_schema(reference_dir: Path) -> None:
    path = reference_dir / "argo-jsonschema.json"
    if not path.exists():
        pytest.skip("argo-jsonschema.json is not available")
    reference = json.loads(path.read_text(encoding="utf-8"))
    prefix = "io.argoproj.workflow.v1alpha1."
    roots = [prefix + kind for kind in KIND_DEFINITIONS]
    ours = _our_objects()
    argo_types = sorted(n for n in _reachable(reference, roots) if n.startswith(prefix))
    assert len(argo_types) > 80
    missing: dict[str, set[str]] = {}
    extra: dict[str, set[str]] = {}
    for name in argo_types:
        fields = set(_reference_properties(reference, name))
        if not fields:
            continue  # scalars in the reference (Amount, Item, Plugin …)
        title = name.removeprefix(prefix)
        if title not in ours:
            missing[title] = fields
            continue
        if fields - ours[title]:
            missing[title] = fields - ours[title]
        if ours[title] - fields:
            extra[title] = ours[title] - fields
    assert missing == {}
    # A field of ours that upstream lacks would let a misspelling through; only the
    # pre-v3.6 single schedule is accepted on purpose (the cron rule asks to migrate).
    assert extra == {"CronWorkflowSpec": {"schedule"}}
    # The generated Kubernetes types know every field the reference gives them.
    for name in _reachable(reference, roots):
        if name.startswith("io.k8s.api.") and _reference_properties(reference, name):
            title = name.rsplit(".", 1)[-1]
            assert set(_reference_properties(reference, name)) <= ours.get(title, set()), name


def test_generated_kubernetes_schema_is_up_to_date() -> None:
    if importlib.util.find_spec("kubernetes") is None:
        pytest.skip("the kubernetes client is not installed")
    import kubernetes

    committed = kubernetes_document()
    if committed["x-kubernetes-client"] != kubernetes.__version__:
        pytest.skip(f"kubernetes.json was generated with client {committed['x-kubernetes-client']}, "
                    f"{kubernetes.__version__} is installed")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_kubernetes_schema as gen  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    regenerated = gen.render(gen.generate(gen.kubernetes_roots(argo_definitions())))
    assert regenerated == (ROOT / "webhook" / "schema" / "kubernetes.json").read_text(encoding="utf-8"), \
        "kubernetes.json is out of date: run scripts/gen_kubernetes_schema.py"


def test_generator_check_mode_detects_drift(tmp_path: Path) -> None:
    if importlib.util.find_spec("kubernetes") is None:
        pytest.skip("the kubernetes client is not installed")
    stale = tmp_path / "kubernetes.json"
    stale.write_text("{}\n")
    script = str(ROOT / "scripts" / "gen_kubernetes_schema.py")
    run = subprocess.run([sys.executable, script, "--check", "--output", str(stale)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1
    assert "out of date" in run.stderr
    missing = subprocess.run([sys.executable, script, "--check", "--output", str(tmp_path / "none.json")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


# ---------------------------------------------------------------- cost


def test_lint_imports_neither_the_kubernetes_client_nor_aiohttp(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(wf(main_container("")))
    code = textwrap.dedent(f"""
        import sys
        from webhook.lint import lint_paths
        result = lint_paths([{str(path)!r}])
        assert result.documents == 1, result.summary()
        heavy = sorted(m for m in ("kubernetes", "aiohttp", "jsonschema_rs", "jsonschema", "pydantic")
                       if m in sys.modules)
        print(",".join(heavy))
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""


def test_schema_pass_over_the_corpus_is_fast(corpus_dir: Path) -> None:
    manifests = corpus_manifests(corpus_dir)
    for kind in KIND_DEFINITIONS:
        kind_node(kind)
    from webhook.validation import schema as rule

    ctx = ValidationContext()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for manifest in manifests:
            list(rule.check(manifest, ctx))
        best = min(best, time.perf_counter() - start)
    # Measured at about 8 ms here; the bound only guards against gross regressions.
    assert best < 0.15


def test_schema_benchmark_runs() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "schema_pass.py"), "--documents", "5",
                          "--repeat", "1"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "ratio" in run.stdout


def test_object_nodes_are_closed() -> None:
    """Every struct of ours and of Kubernetes rejects unknown fields."""
    compiler = Compiler(schema()["$defs"])
    node = compiler.definition("Workflow")
    assert isinstance(node, ObjectNode)
    compiler.complete()
    assert "spec" in node.properties
    for name, definition in schema()["$defs"].items():
        if definition.get("type") == "object" and "properties" in definition:
            assert definition["additionalProperties"] is False, name


# Values of every JSON type, edge cases included, that a node said to accept a type without looking must accept.
_SAMPLES: dict[type, tuple[Any, ...]] = {
    str: ("", "x", "{{inputs.parameters.a}}", "UPPER case", "-1", "1.5", "512Mi", "a" * 300, "ünïcode"),
    int: (0, 1, -1, 10**12, -(10**12)),
    float: (0.0, 1.5, -1.5, 1e300, 2.0),
    bool: (True, False),
    list: ([], [1], ["a", {"b": 1}], [None]),
    dict: ({}, {"a": 1}, {"Bad Key!": [1]}, {"{{x}}": None}),
}


def test_a_child_skipped_as_trivially_valid_could_not_have_failed() -> None:
    """The checker skips a child whose type its node accepts without looking: check() must agree for any value."""
    compiler = Compiler(schema()["$defs"])
    compiler.complete()
    nodes: dict[int, Node] = {}
    todo: list[Node] = [compiler.definition(name) for name in schema()["$defs"]]
    while todo:
        node = todo.pop()
        if id(node) in nodes:
            continue
        nodes[id(node)] = node
        if isinstance(node, ObjectNode):
            todo.extend(node.properties.values())
        elif isinstance(node, ArrayNode):
            todo.append(node.items)
        elif isinstance(node, MapNode):
            todo.append(node.values)
    skipping = 0
    for node in nodes.values():
        for kind in node.trivially_valid:
            skipping += 1
            for value in _SAMPLES[kind]:
                issues: list[Issue] = []
                node.check(value, ("x",), issues)
                assert not issues, (node, value, issues)
    # Plain strings, unbounded numbers and free lists and mappings are common: the skip is in use.
    assert skipping > 100
