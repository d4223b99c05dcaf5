"""bench/attack.py keeps working: every attack at a twentieth of its size, one second each (figures not checked)."""

from __future__ import annotations

import subprocess
import sys

from tests.admission.conftest import ROOT


def test_attack_benchmark_runs_at_a_tiny_scale() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "attack.py"), "--scale", "0.02", "--seconds", "1"],
        capture_output=True, text=True, timeout=300, cwd=str(ROOT),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    names = ["baseline", "regex bomb: url 60 KB", "regex bomb: step name 1 MB", "huge kind", "5,000-digit integer",
             "slow bodies", "slowloris", "idle keep-alive", "3,000-task DAG", "1.4 MiB object", "duplicate plugin"]
    for name in names:
        row = next((line for line in lines if name in line[:40]), None)
        assert row is not None, (name, result.stdout)
        # Columns: p50, p99, probes, 5xx, late, no answer. No 5xx and nothing past its deadline, even here.
        probes, errors, late = (int(x) for x in row[37:].split()[2:5])
        assert probes > 0 and errors == 0 and late == 0, row
    assert "all targets met:" in result.stdout
