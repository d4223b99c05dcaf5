"""bench/admission.py keeps working (a tiny run; the figures themselves are not checked here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.admission.conftest import ROOT


@pytest.mark.parametrize("distinct", [False, True], ids=["repeated", "distinct"])
def test_admission_benchmark_runs_with_a_tiny_size(distinct: bool) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "admission.py"), "--requests", "40", "--rounds", "2", "--warmup", "8",
         "--concurrency", "4", *(["--distinct"] if distinct else [])],
        capture_output=True, text=True, timeout=120, cwd=str(ROOT),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.strip().startswith("ours") and "(40 requests, 0 failed)" in line for line in lines)
    assert any(line.strip().startswith("allow-all") and "(40 requests, 0 failed)" in line for line in lines)
    assert "throughput ratio ours / allow-all:" in result.stdout
    # Where the CPU went, against what the target leaves: the figures that explain the ratio on a given machine.
    assert "budget" in result.stdout and "ours used" in result.stdout
    assert ("validation alone (this process, warm loop, no server):" in result.stdout) == distinct
