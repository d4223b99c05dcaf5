"""Whether and how often a step or task runs: its `when` condition and its `withParam` list.

Codes AW243–AW244. Argo's validator accepts both as written; the controller reads them
when the step is reached, and a `when` it cannot evaluate, or a `withParam` that is not
a JSON list, fails the workflow there (workflow/controller/steps.go shouldExecute, and
the withParam expansion of steps.go and dag.go). Both are known in full when they hold
no `{{...}}` tag, and a `when`'s grammar is known whatever its tags hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from webhook.diagnostics import Finding, Severity, define
from webhook.manifest import Manifest
from webhook.spec.walk import StepAt, all_steps
from webhook.templating import Expression, Reference, TemplateSyntaxError, parse_template
from webhook.validation.context import ValidationContext

WITH_PARAM = define(
    "AW243", Severity.ERROR, "a withParam written out is not a JSON list",
    why="Argo expands withParam as a JSON list when the step starts; anything else fails the workflow "
            "there.",
    mirrors="argo-warden only (the controller's 'withParam value could not be parsed as a JSON list')",
)
WHEN = define(
    "AW244", Severity.ERROR, "a when condition cannot be evaluated",
    why="Argo evaluates 'when' with govaluate after substituting tags; text it cannot evaluate fails "
            "the step.",
    mirrors="argo-warden only (the controller's shouldExecute: 'Invalid when expression')",
    instead='quote words that contain \'-\' or \'.\': when: "{{steps.a.outputs.result}} == \'go-ahead\'"',
)

# Stands in for a tag's run-time value: letters scan as one bare word, whatever the tag's length.
_FILL = "Q"


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    for step in all_steps(manifest):
        # Most steps have neither field: look before starting a check for each.
        if "withParam" in step.step:
            yield from _with_param(step)
        if "when" in step.step:
            yield from _when(step)


def _with_param(step: StepAt) -> Iterator[Finding]:
    value = step.step.get("withParam")
    if not isinstance(value, str) or not value.strip() or "{{" in value:
        return
    try:
        items = json.loads(value)
    except ValueError as exc:
        yield Finding(WITH_PARAM, (*step.path, "withParam"), f"withParam is not JSON: {exc}",
                      hint="write a JSON list, e.g. '[\"a\", \"b\"]', or use withItems")
        return
    if not isinstance(items, list):
        yield Finding(WITH_PARAM, (*step.path, "withParam"),
                      f"withParam is JSON, but a {type(items).__name__ if items is not None else 'null'}, "
                      "not a list", hint="wrap the value in [...]")


def _when(step: StepAt) -> Iterator[Finding]:
    text = step.step.get("when")
    if not isinstance(text, str) or not text.strip():
        return
    try:
        pieces = parse_template(text)
    except TemplateSyntaxError:
        return  # AW400 says so
    filled: list[str] = []
    tags: list[tuple[int, int]] = []
    for piece in pieces:
        if isinstance(piece, Reference | Expression):
            filled.append(_FILL * (piece.end - piece.start))
            tags.append((piece.start, piece.end))
        else:
            filled.append(piece.text)
    # Imported on first use: most workflows have no `when`, and lint's start-up time is budgeted.
    from webhook.validation import govaluate

    problem = govaluate.check("".join(filled), tags)
    if problem is None:
        return
    yield Finding(WHEN, (*step.path, "when"), f"when {problem.message}", span=(problem.start, problem.end),
                  hint=problem.hint)
