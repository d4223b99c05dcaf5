"""bench/scaling.py keeps working (a tiny run: the format is checked here, not the figures)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_scaling_benchmark_runs_at_a_tiny_size() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "scaling.py"), "--base", "0.2", "--repeat", "1",
                           "--min-time", "0", "--no-large"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:5] == ["shape", "1x", "4x", "16x", "16x/1x"]
    shapes = ["many templates", "long DAG chain", "wide DAG", "long {{ runs", "many findings", "deep nesting"]
    for shape, line in zip(shapes, lines[1:], strict=True):
        assert re.fullmatch(rf"{re.escape(shape)} +(\d+\.\d{{4}}s +){{3}} *\d+\.\d +\d+ +\d+  (ok|OVER 20)", line), line


def test_the_largest_object_is_generated_at_kubernetes_size_limit() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import scaling
    finally:
        sys.path.remove(str(ROOT / "bench"))
    text = scaling.largest_object()
    assert 1.45 * 2**20 <= len(text) <= 1.6 * 2**20
