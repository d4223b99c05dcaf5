"""bench/admission_secrets.py keeps working (a tiny run; the figures themselves are not checked here)."""

from __future__ import annotations

import subprocess
import sys

from tests.admission.conftest import ROOT


def test_admission_secrets_benchmark_runs_with_a_tiny_size() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "admission_secrets.py"), "--requests", "10", "--warmup", "2"],
        capture_output=True, text=True, timeout=120, cwd=str(ROOT),
    )
    assert result.returncode == 0, result.stderr
    assert "API calls: 10.0 per review" in result.stdout and "API calls: 0" in result.stdout
    assert "warm p50 / none p50:" in result.stdout
