"""bench/executor.py keeps working (a tiny run; the figures themselves are not checked here)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_executor_benchmark_runs_with_a_tiny_size() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "executor.py"), "--sequential", "5", "--fanout", "10", "--repeat", "1"],
        capture_output=True, text=True, timeout=120, cwd=str(ROOT),
    )
    assert result.returncode == 0, result.stderr
    assert "(a) 5 sequential steps" in result.stdout and "ratio" in result.stdout
    assert "(b) 10-task fan-out DAG" in result.stdout
    assert "peak RSS" in result.stdout
