"""Shared fixtures: paths to the project, the shared corpus and a CLI runner."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARGO_WARDEN_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "argo-examples"
REFERENCE = SHARED / "reference"


async def until(check: Callable[[], bool | Awaitable[bool]], seconds: float = 5.0) -> None:
    """Wait until ``check()`` (a plain or an async function) holds; fail the test after ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        held = check()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.02)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not available")
    return CORPUS


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference is not available")
    return REFERENCE


CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli() -> CliRunner:
    """Run ``argo-warden`` in a subprocess, as a user would."""

    def run(*args: str, input: str | None = None, timeout: float = 60, cwd: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "webhook", *args],
            input=input, capture_output=True, text=True, timeout=timeout, cwd=cwd or str(ROOT),
            env={**os.environ, **(env or {})},
        )

    return run


# Fuzz tests (hypothesis over whole requests to a real server) run a few thousand examples in CI; one setting runs
# them all longer locally: ARGO_WARDEN_FUZZ_EXAMPLES=100000 python -m pytest -q -m fuzz
FUZZ_EXAMPLES_ENV = "ARGO_WARDEN_FUZZ_EXAMPLES"


def fuzz_examples(ci_examples: int) -> int:
    """How many examples a fuzz test runs: ``ci_examples`` unless ARGO_WARDEN_FUZZ_EXAMPLES says otherwise."""
    text = os.environ.get(FUZZ_EXAMPLES_ENV, "").strip()
    if not text:
        return ci_examples
    try:
        count = int(text)
    except ValueError:
        raise pytest.UsageError(f"{FUZZ_EXAMPLES_ENV}={text!r} is not a whole number") from None
    if count <= 0:
        raise pytest.UsageError(f"{FUZZ_EXAMPLES_ENV} must be greater than 0")
    return count
