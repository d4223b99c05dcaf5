"""Objects built against superlinear checks validate in a fraction of a second (each took seconds to minutes)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.linear.bombs import BOMBS
from webhook.admission.decide import validation_verdict
from webhook.diagnostics import Diagnostic
from webhook.manifest import WORKFLOW, Manifest
from webhook.validation import validate

SIZE = 40_000
# Far above what these take now (milliseconds) and far below what they took before (2 to 12 s here).
SECONDS = 1.0


def timed_validate(data: dict[str, Any]) -> tuple[float, list[Diagnostic]]:
    started = time.perf_counter()
    found = validate(Manifest(WORKFLOW, data, None, 0, None, None))
    return time.perf_counter() - started, found


@pytest.mark.parametrize("make", list(BOMBS.values()), ids=list(BOMBS))
def test_a_bomb_validates_quickly(make: Callable[[int], dict[str, Any]]) -> None:
    timed_validate(make(100))  # warm: compile the checkers
    seconds, _ = timed_validate(make(SIZE))
    assert seconds < SECONDS


@pytest.mark.parametrize("make", list(BOMBS.values()), ids=list(BOMBS))
def test_messages_quote_long_values_shortened(make: Callable[[int], dict[str, Any]]) -> None:
    _, found = timed_validate(make(SIZE))
    for d in found:
        assert len(d.message) < 500 and len(d.hint or "") < 500 and len(d.path) < 500, d


def test_a_long_step_name_is_quoted_with_its_length() -> None:
    _, found = timed_validate(BOMBS["step-name"](60_000))
    malformed = next(d for d in found if d.code == "AW207")
    assert malformed.message == "step name '" + "{" * 60 + "…' (60,000 characters) is malformed"


def test_a_denial_for_a_megabyte_name_is_short() -> None:
    data = BOMBS["url"](100)
    data["metadata"] = {"name": "n" * 1_000_000}
    manifest = Manifest(WORKFLOW, data, None, 0, None, None)
    verdict = validation_verdict(manifest, validate(manifest))
    assert not verdict.allowed and len(verdict.message or "") < 2000, (verdict.message or "")[:300]
    assert "n" * 60 + "… (1,000,000 characters)" in (verdict.message or "")
