"""The table of broken manifests: one mistake per file under cases/, each with its code, line and column.

See ``casefiles.py`` for the marker format. Every case must produce exactly one
diagnostic (of any severity): the one its marker names, where the marker points.
"""

from __future__ import annotations

import pytest

from tests.lint.casefiles import CASES_DIR, Expected, all_cases
from webhook.diagnostics import CATALOGUE, Diagnostic
from webhook.lint import LintOptions, lint_sources
from webhook.loading import load_path
from webhook.manifest import ARGO_KINDS
from webhook.reporting.text import render_diagnostic

CASES = all_cases()

# Codes of these modules that a case file cannot show, and where each is tested instead.
COVERED_ELSEWHERE = {
    "AW002": "test_hostile_input.py::test_not_utf8 (a case file must be UTF-8 to carry its marker)",
    "AW003": "test_hostile_input.py::test_ten_megabyte_file (a file-level error: no line)",
    "AW007": "test_hostile_input.py::test_unreadable_file (a file-level error: no line)",
    "AW009": "test_hostile_input.py::test_empty_and_comment_only_files (a file-level note: no line)",
    "AW010": "test_hostile_input.py::test_no_argo_document_at_all (a run-level note: no file)",
    "AW011": "tests/policy/test_lint_policy.py::test_go_templates_are_skipped_with_an_info_line (a file-level note)",
    "AW701": "tests/secret_checks/test_secret_rule.py (a run-level note: the cases lint without a secret store)",
}
# Modules whose codes a case file shows; a package (validation.structure) stands for every module in it.
RULE_MODULES = ("webhook.loading", "webhook.lint", "webhook.validation.structure", "webhook.validation.graph",
                "webhook.validation.references", "webhook.validation.http", "webhook.validation.cron",
                "webhook.validation.pods", "webhook.validation.when", "webhook.validation.json_strings")
# Scalar styles as the loader records them: plain, single-quoted, double-quoted, literal and folded block.
SCALAR_STYLES = {"", "'", '"', "|", ">"}


def lint_case(case: Expected) -> list[Diagnostic]:
    source = load_path(str(case.path))
    diagnostics = lint_sources([source], LintOptions(search_repository=False)).diagnostics
    # Cases lint without a secret store: the note saying their secret references went unchecked is not a mistake.
    return [d for d in diagnostics if d.code != "AW701"]


def show(diagnostics: list[Diagnostic], text: str) -> str:
    return "\n".join(line for d in diagnostics for line in render_diagnostic(d, text, color=False))


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Expected) -> None:
    diagnostics = lint_case(case)
    got = [(d.code, d.line, d.column) for d in diagnostics]
    assert got == [(case.code, case.line, case.column)], show(diagnostics, case.path.read_text(encoding="utf-8"))
    d = diagnostics[0]
    if case.length is not None:
        assert d.length == case.length
    if case.message_part is not None:
        assert case.message_part in d.message
    # One line, lower-case start (a kind's own name excepted), and a hint that is one line too.
    assert "\n" not in d.message
    assert d.message[:1] == d.message[:1].lower() or d.message.split()[0] in ARGO_KINDS
    assert d.hint is None or "\n" not in d.hint
    assert d.file == str(case.path)


def test_every_code_of_the_rules_is_in_the_table_or_covered_elsewhere() -> None:
    # The catalogue records where each define() ran (webhook.lint has imported every rule module), so a
    # define() written over several lines, or a rule moved into a package, is still counted.
    defined: set[str] = set()
    for module in RULE_MODULES:
        codes = {code for code, info in CATALOGUE.codes.items()
                 if info.module == module or info.module.startswith(module + ".")}
        assert codes, f"{module} defines no code: is RULE_MODULES out of date?"
        defined |= codes
    in_table = {c.code for c in CASES}
    assert not in_table & set(COVERED_ELSEWHERE), "a code is both in the table and listed as covered elsewhere"
    missing = sorted(defined - in_table - set(COVERED_ELSEWHERE))
    assert missing == [], f"codes with no case file under {CASES_DIR.name}/: {missing}"


def test_carets_stand_inside_every_scalar_style() -> None:
    """The table puts carets past the first character of scalars of every style, not just at node starts."""
    styles: set[str] = set()
    for case in CASES:
        source = load_path(str(case.path))
        text = source.text or ""
        line_start = sum(len(line) + 1 for line in text.split("\n")[: case.line - 1])
        offset = line_start + case.column - 1
        for doc in source.documents:
            assert doc.positions is not None
            for node in doc.positions.nodes.values():
                if node.style is not None and node.index < offset < node.end_index:
                    styles.add(node.style)
    assert styles >= SCALAR_STYLES, sorted(styles)
