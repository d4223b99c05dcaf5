"""Checks that were quadratic in the number of tasks, findings or candidates now cost in proportion to them."""

from __future__ import annotations

import contextlib
import difflib
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.linear.bombs import dag_chain
from webhook.diagnostics import Diagnostic, Severity
from webhook.lint import LintResult
from webhook.manifest import WORKFLOW, Manifest
from webhook.reporting.text import render_text
from webhook.spec.walk import spec_templates
from webhook.suggest import closest, did_you_mean, suggestion_budget
from webhook.validation import validate
from webhook.validation.graph import DagInfo, dag_info


def test_a_dag_over_its_size_limit_gets_its_size_error_at_once() -> None:
    # 16 s before (references walked every task's ancestors), and a 504 as an AdmissionReview.
    data = dag_chain(3000)
    started = time.perf_counter()
    found = validate(Manifest(WORKFLOW, data))
    assert time.perf_counter() - started < 1.0
    assert [d.code for d in found] == ["AW112"]
    assert "3000 items; the limit is 200" in found[0].message


def test_a_dag_within_its_limit_is_still_checked_in_full() -> None:
    data = dag_chain(200)
    tasks = data["spec"]["templates"][0]["dag"]["tasks"]
    tasks[150]["arguments"]["parameters"][0]["value"] = "{{tasks.t160.outputs.result}}"  # not an ancestor
    tasks[199]["depends"] = "t198 && nope"
    found = validate(Manifest(WORKFLOW, data))
    assert sorted(d.code for d in found) == ["AW300", "AW403"]


def test_ancestors_are_the_transitive_dependencies() -> None:
    data = dag_chain(6)
    tasks = data["spec"]["templates"][0]["dag"]["tasks"]
    tasks[3]["depends"] = "t2 && t0"
    tasks[5]["depends"] = "t5"  # a task that depends on itself: a cycle, reported elsewhere
    info: DagInfo = dag_info(next(iter(spec_templates(Manifest(WORKFLOW, data)))))
    assert info.ancestors("t4") == {"t0", "t1", "t2", "t3"}
    assert info.ancestors("t0") == set()
    assert info.depends_on("t3", "t0") and not info.depends_on("t2", "t3")
    assert info.depends_on("t5", "t5") and not info.depends_on("t5", "t4")


def test_text_report_of_many_findings_in_a_long_file_is_linear() -> None:
    # Each finding's source line was found by scanning from the top: a 7.8 MB file ran past 120 s.
    lines = 200_000
    text = "\n".join(f"      - name: step-{i}" for i in range(lines))
    result = LintResult(files=1, texts={"big.yaml": text}, diagnostics=[
        Diagnostic("AW207", Severity.ERROR, "step name is malformed", file="big.yaml", line=lines - i, column=15)
        for i in range(5000)])
    started = time.perf_counter()
    out = render_text(result)
    assert time.perf_counter() - started < 1.0
    assert f"{lines} |       - name: step-{lines - 1}" in out


def test_did_you_mean_on_a_huge_word_or_many_candidates_is_bounded() -> None:
    started = time.perf_counter()
    assert did_you_mean("Workflow" * 400_000, ["Workflow", "CronWorkflow"]) is None
    many = [f"task-{i}" for i in range(200_000)]
    with suggestion_budget():
        for _ in range(200):
            closest("taks-1", many)
    assert time.perf_counter() - started < 2.0


def _old_closest(word: str, candidates: list[str], cutoff: float = 0.6) -> str | None:
    options = [c for c in candidates if c != word]
    if not options:
        return None
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    return match[0] if match else None


names = st.text(alphabet="abcdeABCDE-", min_size=1, max_size=12)


@given(names, st.lists(names, max_size=12))
@settings(max_examples=500, deadline=None)
def test_did_you_mean_answers_as_before_on_ordinary_names(word: str, candidates: list[str]) -> None:
    assert closest(word, candidates) == _old_closest(word, candidates)


def test_int_and_float_of_huge_digit_strings_are_quick_faults_not_crashes() -> None:
    from webhook.conditions.builtins import Fault, b_float, b_int

    started = time.perf_counter()
    for call, text in ((b_int, "9" * 5000), (b_float, "0" * 50_000 + "!")):
        with contextlib.suppress(Fault):
            call(text)
    assert b_int("-0009") == -9 and b_float("1.5e3") == 1500.0
    # int() of 4,300 digits and more raised ValueError; the float pattern backtracked (1.6 s at 8,000 digits).
    assert time.perf_counter() - started < 0.5
