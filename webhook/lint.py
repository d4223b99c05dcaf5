"""Lint files: load every source, index the templates they define, validate each Argo document.

References to WorkflowTemplates that none of the given files define are looked
up lazily in the other YAML files of the same git repository (pre-commit passes
only the changed files).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from webhook.diagnostics import ARGO_WARDEN_ONLY, Diagnostic, Severity, define, sort_key
from webhook.loading import DEFAULT_LIMITS, YAML_SYNTAX, Document, Limits, LoadedSource, iter_source_paths, load_path
from webhook.manifest import ARGO_API_GROUP, ARGO_KINDS, Manifest, argo_kind_of, is_argo_kind
from webhook.policy.apply import ObjectSuppressions, apply_policy, object_suppressions
from webhook.policy.exclude import excluded
from webhook.policy.settings import DEFAULT_POLICY, PolicySettings
from webhook.spec.lookups import DocumentTemplates, Lookup, SecretSource, unknown
from webhook.validation import validate
from webhook.validation.context import Mode, ValidationContext
from webhook.validation.secrets import SECRETS_SKIPPED

NOT_AN_OBJECT = define(
    "AW008", Severity.ERROR, "a document is a list of manifests, not one manifest",
    why="A YAML list of manifests is one document that kubectl and Argo do not split: nothing in it is "
            "applied.",
    mirrors="argo lint: a list is not an object of any kind",
)
EMPTY_SOURCE = define(
    "AW009", Severity.INFO, "the file holds no document",
    why="An empty file given to lint is usually a mistake in the paths given.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(an empty file, or one with only comments)",
)
NO_ARGO_DOCUMENTS = define(
    "AW010", Severity.INFO, "no Argo document found",
    why="Linting files that hold no Argo object checks nothing; saying so avoids a false sense of safety.",
    mirrors="argo lint: 'no manifests to lint'",
    example="(a directory holding only a Deployment)",
)
NOT_A_MANIFEST = define(
    "AW011", Severity.INFO, "a file that is not YAML and names no Argo kind was skipped",
    why="A Helm or other Go template is not YAML until rendered; it is skipped rather than reported as "
            "broken.",
    mirrors=ARGO_WARDEN_ONLY,
    example="{{- if .Values.enabled }}\napiVersion: v1\n{{- end }}",
)


@dataclass(slots=True)
class LintOptions:
    kinds: Sequence[str] | None = None
    strict: bool = True
    secrets: SecretSource | None = None
    namespace: str | None = None
    limits: Limits = DEFAULT_LIMITS
    # Look up missing WorkflowTemplates in the rest of the git repository.
    search_repository: bool = True
    # Files are checked before submission, as `argo lint` does (see Mode).
    mode: Mode = Mode.LINT
    policy: PolicySettings = DEFAULT_POLICY


@dataclass(slots=True)
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    documents: int = 0  # Argo documents checked
    skipped: int = 0  # documents that are not Argo kinds (or filtered out by --kinds)
    filtered: int = 0  # of those, Argo documents left out by --kinds
    excluded: int = 0  # files left out by the policy's exclude globs
    # Source text by file, for reporters that print the offending line.
    texts: dict[str, str] = field(default_factory=dict)

    def nothing_to_lint(self, kinds: Sequence[str] | None) -> str | None:
        """Why nothing was linted, when that is the caller's mistake (as `argo lint` says so and fails).

        A run over files that hold no Argo object at all is not: pre-commit passes every YAML file of
        a commit, and a commit that touches none is fine (AW010 notes it).
        """
        if self.files == 0 and self.excluded == 0:
            return "no YAML or JSON file among the paths given"
        if self.documents == 0 and self.filtered:
            wanted = ", ".join(kinds or ())
            return f"--kinds {wanted} matched none of the {self.filtered} Argo documents read"
        return None

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    def summary(self) -> dict[str, int]:
        return {
            "files": self.files,
            "documents": self.documents,
            "skipped": self.skipped,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def lint_paths(paths: Iterable[str], options: LintOptions | None = None) -> LintResult:
    opts = options or LintOptions()
    patterns, root = opts.policy.excludes, opts.policy.root
    chosen: list[str] = []
    left_out = 0
    for path in iter_source_paths(paths):
        if excluded(path, patterns, root):
            left_out += 1
        else:
            chosen.append(path)
    sources = [load_path(p, opts.limits) for p in chosen]
    result = lint_sources(sources, opts, repository_hint=[s.file for s in sources])
    result.excluded = left_out
    return result


def lint_sources(
    sources: Sequence[LoadedSource], options: LintOptions, repository_hint: Sequence[str] = ()
) -> LintResult:
    result = LintResult(files=len(sources))
    kinds = set(options.kinds or ARGO_KINDS)
    manifests: list[Manifest] = []
    templates = DocumentTemplates()
    listed_found = False
    objects: dict[str | None, list[ObjectSuppressions]] = {}
    for source in sources:
        if source.text is not None:
            result.texts.setdefault(source.file, source.text)
        skipped = _not_a_manifest(source)
        if skipped is not None:
            result.diagnostics.append(skipped)
            continue
        result.diagnostics.extend(source.diagnostics)
        if not source.documents and not source.diagnostics:
            result.diagnostics.append(Diagnostic(
                EMPTY_SOURCE, Severity.INFO, "the file holds no YAML document (empty, or only comments)",
                file=source.file,
            ))
        for doc in source.documents:
            annotated = object_suppressions(doc.data, doc.index, doc.positions)
            if annotated is not None:
                objects.setdefault(source.file, []).append(annotated)
            kind = argo_kind_of(doc.data)
            if kind is None:
                listed = _listed_manifests(source, doc)
                if listed is not None:
                    result.diagnostics.append(listed)
                    listed_found = True
                else:
                    result.skipped += 1
                continue
            manifest = Manifest(kind, doc.data, source.file, doc.index, doc.positions, options.namespace)
            templates.add(kind, doc.data, manifest.namespace)
            if kind in kinds or (kind not in ARGO_KINDS and options.kinds is None):
                manifests.append(manifest)
            else:
                result.skipped += 1
                result.filtered += 1
    if options.search_repository:
        templates.fallback = RepositoryTemplates(repository_hint, options.limits, {s.file for s in sources})
    context = ValidationContext(strict=options.strict, templates=templates, secrets=options.secrets, mode=options.mode,
                                policies=options.policy.org_policies)
    secrets_skipped = False
    for manifest in manifests:
        for d in validate(manifest, context):
            if d.code == SECRETS_SKIPPED:
                # Said once per run, not once per document.
                if secrets_skipped:
                    continue
                secrets_skipped = True
            result.diagnostics.append(d)
    result.documents = len(manifests)
    if not manifests and result.skipped and not listed_found:
        wanted = "/".join(options.kinds) if options.kinds else "Argo"
        result.diagnostics.append(Diagnostic(
            NO_ARGO_DOCUMENTS, Severity.INFO,
            f"no {wanted} document among the {result.skipped} document{'s' if result.skipped != 1 else ''} read",
        ))
    result.diagnostics = _apply_policy(options.policy, result.diagnostics, result.texts, objects)
    result.diagnostics.sort(key=sort_key)
    return result


def _apply_policy(policy: PolicySettings, diagnostics: list[Diagnostic], texts: dict[str, str],
                  objects: dict[str | None, list[ObjectSuppressions]]) -> list[Diagnostic]:
    """The policy stage, file by file (suppressions are per file)."""
    by_file: dict[str | None, list[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.file, []).append(d)
    for file in objects:
        by_file.setdefault(file, [])
    for file, text in texts.items():
        if "argo-warden:" in text:  # suppression comments that may silence nothing
            by_file.setdefault(file, [])
    out: list[Diagnostic] = []
    for file, found in by_file.items():
        out.extend(apply_policy(policy, found, texts.get(file or ""), objects.get(file, ()), file))
    return out


def _not_a_manifest(source: LoadedSource) -> Diagnostic | None:
    """AW011 for a file that does not parse and shows no sign of an Argo kind: a Helm or other Go template.

    Its YAML error would say nothing useful (the file is not meant to be YAML
    until rendered); a broken file that names argoproj.io is still an error.
    """
    text = source.text
    if text is None or "{{" not in text or ARGO_API_GROUP in text:
        return None
    if not any(d.code == YAML_SYNTAX for d in source.diagnostics):
        return None
    return Diagnostic(
        NOT_A_MANIFEST, Severity.INFO,
        "skipped: not valid YAML and names no argoproj.io kind (a Go template, such as a Helm chart's?)",
        file=source.file,
        hint="exclude such files in the configuration (exclude = [...]) or the pre-commit hook's 'exclude'",
    )


def _listed_manifests(source: LoadedSource, doc: Document) -> Diagnostic | None:
    """AW008 for a document that is a YAML list of Argo manifests: they would never be checked (nor applied)."""
    if not isinstance(doc.data, list) or not any(argo_kind_of(item) for item in doc.data):
        return None
    root = doc.positions.nodes.get(()) if doc.positions is not None else None
    return Diagnostic(
        NOT_AN_OBJECT, Severity.ERROR,
        f"document {doc.index + 1} is a list of {len(doc.data)} item{'s' if len(doc.data) != 1 else ''}, "
        "not one manifest",
        file=source.file, line=root.line + 1 if root else None, column=root.column + 1 if root else None,
        hint="write each manifest as its own document, separated by '---' lines",
        document=doc.index,
    )


class RepositoryTemplates:
    """WorkflowTemplates defined anywhere in the git repository of the linted files, read on first need."""

    def __init__(self, files: Sequence[str], limits: Limits, already: set[str]) -> None:
        self._files = files
        self._limits = limits
        self._already = already
        self._index: DocumentTemplates | None = None

    def _load(self) -> DocumentTemplates:
        if self._index is not None:
            return self._index
        index = DocumentTemplates()
        self._index = index
        for path in self._repository_files():
            if os.path.abspath(path) in self._already:
                continue
            try:
                with open(path, "rb") as fh:
                    head = fh.read(self._limits.max_bytes + 1)
            except OSError:
                continue
            if b"WorkflowTemplate" not in head or len(head) > self._limits.max_bytes:
                continue
            for doc in load_path(path, self._limits).documents:
                if is_argo_kind(doc.data) and doc.data["kind"] in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
                    md = doc.data.get("metadata")
                    ns = md.get("namespace") if isinstance(md, dict) else None
                    index.add(doc.data["kind"], doc.data, ns if isinstance(ns, str) else None)
        return index

    def _repository_files(self) -> list[str]:
        roots: set[str] = set()
        for f in self._files:
            if f == "<stdin>":
                continue
            top = _git_toplevel(os.path.dirname(os.path.abspath(f)))
            if top:
                roots.add(top)
        self._already = {os.path.abspath(f) for f in self._already}
        out: list[str] = []
        for root in sorted(roots):
            try:
                proc = subprocess.run(
                    ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                     "--", "*.yaml", "*.yml", "*.json"],
                    capture_output=True, timeout=10, check=False,
                )
            except (OSError, subprocess.SubprocessError):
                continue
            if proc.returncode != 0:
                continue
            out.extend(os.path.join(root, p) for p in proc.stdout.decode("utf-8", "replace").split("\0") if p)
        return out

    def workflow_template(self, namespace: str | None, name: str) -> Lookup:
        lookup = self._load().workflow_template(namespace, name)
        return lookup if lookup.found else unknown("not found in the files given nor elsewhere in the repository")

    def cluster_workflow_template(self, name: str) -> Lookup:
        lookup = self._load().cluster_workflow_template(name)
        return lookup if lookup.found else unknown("not found in the files given nor elsewhere in the repository")


def _git_toplevel(start: str) -> str | None:
    path = start
    while True:
        if os.path.exists(os.path.join(path, ".git")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
