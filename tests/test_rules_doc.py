"""docs/rules.md is generated from the catalogue, is current, and documents every code."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import ROOT


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_rules_doc", ROOT / "scripts" / "gen_rules_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rule_page_is_current() -> None:
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == _generator().render(), "docs/rules.md is stale: run python scripts/gen_rules_doc.py"


def test_every_code_has_its_why_its_argo_check_and_an_example() -> None:
    gen = _generator()
    codes = gen.load_catalogue()
    cases = gen.case_files()
    missing: list[str] = []
    for code, info in sorted(codes.items()):
        wanted = [what for what, ok in (
            ("why='<why it matters>'", bool(info.why)),
            ("mirrors='<the Argo check it mirrors>' or mirrors=ARGO_WARDEN_ONLY", bool(info.mirrors)),
            (f"a case file tests/lint/cases/{code.lower()}-<what>.yaml, or example='<failing YAML>'",
             code in cases or bool(info.example)),
        ) if not ok]
        if wanted:
            missing.append(f"{code} ({gen.module_path(info.module)}:{info.line}): give define() " + "; ".join(wanted))
    assert not missing, (
        "codes without documentation (then run python scripts/gen_rules_doc.py):\n  " + "\n  ".join(missing))


def test_every_case_file_names_a_defined_code() -> None:
    gen = _generator()
    unknown = sorted(set(gen.case_files()) - set(gen.load_catalogue()))
    assert unknown == []


def test_the_check_flag_fails_on_a_stale_page(tmp_path: Path) -> None:
    ok = subprocess.run([sys.executable, "scripts/gen_rules_doc.py", "--check"], cwd=ROOT, capture_output=True,
                        text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    gen = _generator()
    gen.PAGE = tmp_path / "rules.md"
    gen.PAGE.write_text((ROOT / "docs" / "rules.md").read_text(encoding="utf-8") + "\nedited by hand\n")
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0


def test_a_code_without_documentation_is_named_with_what_to_add() -> None:
    from webhook.diagnostics import CATALOGUE, Severity, define

    code = "AW999"
    define(code, Severity.INFO, "a code a test defines")
    try:
        try:
            test_every_code_has_its_why_its_argo_check_and_an_example()
        except AssertionError as exc:
            message = str(exc)
        else:
            raise AssertionError("an undocumented code passed")
    finally:
        del CATALOGUE.codes[code]
    assert "AW999 (" in message and "test_rules_doc.py:" in message
    assert "why=" in message and "mirrors=" in message and "aw999-<what>.yaml" in message


def test_a_code_is_shown_in_the_file_that_defines_it() -> None:
    gen = _generator()
    codes = gen.load_catalogue()
    assert gen.module_path(codes["AW209"].module) == "webhook/validation/structure/calls.py"
    # A package's own define() would sit in its __init__.py, not in a file named after the package.
    assert gen.module_path("webhook.validation.structure") == "webhook/validation/structure/__init__.py"
    assert gen.module_path("webhook.diagnostics") == "webhook/diagnostics.py"
