"""A mistyped time zone gets the same did-you-mean in every run, whatever the hash seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CASE = Path(__file__).parent / "cases" / "aw802-timezone-typo.yaml"


def test_the_zone_hint_does_not_depend_on_the_hash_seed() -> None:
    hints = set()
    for seed in ("1", "2", "3"):
        out = subprocess.run([sys.executable, "-m", "webhook", "lint", "-o", "json", str(CASE)],
                             capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed},
                             timeout=60)
        hints |= {d.get("hint") for d in json.loads(out.stdout)["diagnostics"]}
    assert hints == {"did you mean 'Europe/Paris'?"}, hints
