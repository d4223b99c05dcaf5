"""bench/policies.py keeps working (a tiny run; the figures themselves are not checked here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_policies_benchmark_runs_on_a_handful_of_files(corpus_dir: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "policies.py"), "--corpus", str(corpus_dir),
                           "--files", "5", "--policies", "3", "--rounds", "1", "--reviews", "3"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("corpus: 5 files, 3 policies ("), proc.stdout
    assert re.search(r"^ratio lint with / without: \d+\.\d{3}", proc.stdout, re.M), proc.stdout
    assert re.search(r"^review p50 added by policies: -?\d+\.\d{3} ms", proc.stdout, re.M), proc.stdout
