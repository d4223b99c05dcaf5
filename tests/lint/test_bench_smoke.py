"""bench/lint_corpus.py keeps working (a tiny run; the figures themselves are not checked here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_lint_corpus_benchmark_runs_on_a_handful_of_files(corpus_dir: Path, reference_dir: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "lint_corpus.py"), "--corpus", str(corpus_dir),
                           "--files", "5", "--repeat", "1"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("corpus: 5 files, ")
    assert re.search(r"ours +argo-warden lint \(CLI\) +\d+\.\d{3} s +0 errors", out), out
    assert re.search(r"baseline +check-jsonschema \(CLI\) +\d+\.\d{3} s +rejects \d+ of 5 files", out), out
    assert re.search(r"^ratio ours CLI / baseline: +\d+\.\d{3}", out, re.M), out
    assert re.search(r"^ratio ours in-process / baseline: +\d+\.\d{3}", out, re.M), out
