"""Objects built against superlinear checks validate in a fraction of a second (each took seconds to minutes)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.linear.bombs import BOMBS
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
