"""The rule inventory (docs/argo-inventory.yaml): each of Argo's validation errors and the code that mirrors it.

A test per row: the row's case file is marked with that code (and test_broken_manifests checks the case
file gives exactly it), or the row's minimal object gives it.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.lint.casefiles import CASES_DIR, parse_case
from webhook.diagnostics import CATALOGUE
from webhook.lint import LintOptions, lint_sources
from webhook.loading import load_text
from webhook.validation.context import Mode

ROWS: list[dict[str, Any]] = yaml.safe_load((ROOT / "docs" / "argo-inventory.yaml").read_text(encoding="utf-8"))


def test_the_inventory_is_large_and_well_formed() -> None:
    assert len(ROWS) >= 60
    for row in ROWS:
        assert set(row) <= {"argo", "code", "case", "case_code", "yaml", "mode", "differs"}, row
        assert row.get("argo"), row
        if row.get("code") is None:
            assert row.get("differs"), f"a row without a code says why argo-warden differs: {row}"
        else:
            assert row["code"] in CATALOGUE.codes or row["code"].startswith("AW"), row
            assert row.get("case") or row.get("yaml"), f"a row with a code shows it: {row}"


@pytest.mark.parametrize("row", [r for r in ROWS if r.get("code")], ids=lambda r: f"{r['code']}:{r['argo'][:40]}")
def test_row(row: dict[str, Any]) -> None:
    import webhook.validation.rules  # noqa: F401  (every rule module defines its codes)

    assert row["code"] in CATALOGUE.codes
    if row.get("case"):
        case = parse_case(CASES_DIR / f"{row['case']}.yaml")
        assert case.code == row.get("case_code", row["code"])
    if row.get("yaml"):
        mode = Mode(row.get("mode", "lint"))
        result = lint_sources([load_text(row["yaml"], "row.yaml")], LintOptions(search_repository=False, mode=mode))
        codes = [d.code for d in result.diagnostics]
        assert row["code"] in codes, result.diagnostics
