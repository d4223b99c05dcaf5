"""bench/api.py keeps working (a tiny run; the figures themselves are not checked here)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.api.conftest import ROOT


def test_api_benchmark_runs_with_a_tiny_size() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "api.py"), "--quick"],
                            capture_output=True, text=True, timeout=180, cwd=str(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"ratio lint / validate: \d+\.\d\d", result.stdout), result.stdout
    assert re.search(r"ratio lint / validate, distinct workflows: \d+\.\d\d", result.stdout), result.stdout
    assert re.search(r"10 workflows created and run to Succeeded: [\d.]+ per second", result.stdout)
    assert re.search(r"peak RSS of the server \d+ MB", result.stdout)
