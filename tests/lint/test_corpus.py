"""Argo's own examples: every Argo document lints with zero errors; other documents are skipped and counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CliRunner
from webhook.diagnostics import Severity
from webhook.lint import LintOptions, lint_paths
from webhook.manifest import ARGO_KINDS

Documents = dict[Path, list[Any]]


@pytest.fixture(scope="module")
def documents(corpus_dir: Path) -> Documents:
    """Every file's non-empty documents, read with PyYAML, independently of our loader."""
    out: Documents = {}
    for path in sorted(corpus_dir.rglob("*")):
        if path.suffix in (".yaml", ".yml", ".json") and not any(p.startswith(".") for p in path.parts):
            text = path.read_text(encoding="utf-8")
            out[path] = [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None]
    return out


def _is_argo(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("kind") in ARGO_KINDS


def _counts(documents: Documents) -> tuple[int, int, int]:
    argo = sum(1 for docs in documents.values() for d in docs if _is_argo(d))
    other = sum(1 for docs in documents.values() for d in docs if not _is_argo(d))
    return len(documents), argo, other


def test_every_argo_document_lints_without_errors(corpus_dir: Path, documents: Documents) -> None:
    result = lint_paths([str(corpus_dir)], LintOptions(search_repository=False))
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert errors == [], "\n".join(f"{d.file}:{d.line}:{d.column} {d.code} {d.message}" for d in errors)
    files, argo, other = _counts(documents)
    assert (result.files, result.documents, result.skipped) == (files, argo, other)
    assert argo > 200 and other >= 2


def test_non_argo_files_are_skipped_and_counted(documents: Documents) -> None:
    others = [p for p, docs in documents.items() if not any(_is_argo(d) for d in docs)]
    assert len(others) >= 2
    result = lint_paths([str(p) for p in others], LintOptions(search_repository=False))
    assert (result.files, result.documents, result.skipped) == (len(others), 0, len(others))
    # Nothing to check is said once for the run, as a note: it is not a failure.
    assert [(d.code, d.severity) for d in result.diagnostics] == [("AW010", Severity.INFO)]


def test_multi_document_files_count_each_document(documents: Documents) -> None:
    multi = {p: docs for p, docs in documents.items() if len(docs) > 1}
    assert multi, "the corpus has multi-document files"
    result = lint_paths([str(p) for p in multi], LintOptions(search_repository=False))
    assert result.files == len(multi)
    assert result.documents == sum(1 for docs in multi.values() for d in docs if _is_argo(d))
    assert result.documents + result.skipped == sum(len(docs) for docs in multi.values())
    # Several Argo documents per file were checked, not just the first.
    assert result.documents > len(multi)


def test_cli_on_the_corpus_exits_zero_with_the_same_counts(corpus_dir: Path, documents: Documents,
                                                           cli: CliRunner) -> None:
    proc = cli("lint", str(corpus_dir), "-o", "json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    summary = json.loads(proc.stdout)["summary"]
    files, argo, other = _counts(documents)
    assert summary == {**summary, "files": files, "documents": argo, "skipped": other, "errors": 0}
