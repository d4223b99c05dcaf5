"""The warm-up before serving builds what a first real review would otherwise build inside its deadline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
from webhook.admission.mutation import mutators
from webhook.server.warming import warm_up
from webhook.spec import depends
assert depends._parser.cache_info().currsize == 0
warm_up(mutators())
print(depends._parser.cache_info().currsize)
"""


def test_the_warm_up_builds_the_depends_grammar() -> None:
    # A fresh interpreter: the suite's own process has built it long ago. Without a `depends` in the warm-up
    # object, each worker built it (~30 ms) on its first real review that used one.
    proc = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1"
