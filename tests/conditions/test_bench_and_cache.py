"""bench/conditions.py keeps working; the built parser is cached, and a read-only cache directory is harmless."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROBE = "from webhook.conditions import check_condition; print(check_condition('status_code = 200')[0].code)"


def run_probe(cache: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARGO_WARDEN_CACHE_DIR": cache}
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_benchmark_runs_with_a_tiny_size() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "conditions.py"), "--iterations", "20",
                           "--checks", "3"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "conditions/s" in proc.stdout
    assert "ratio ours / python eval:" in proc.stdout


def test_the_built_parser_is_cached_and_reused(tmp_path: Path) -> None:
    first = run_probe(str(tmp_path))
    assert first.returncode == 0 and first.stdout.strip() == "AW600", first.stderr
    cached = list(tmp_path.glob("condition-*.lark-cache"))
    assert len(cached) == 1 and cached[0].stat().st_size > 1000
    before = cached[0].stat().st_mtime_ns
    second = run_probe(str(tmp_path))
    assert second.returncode == 0 and second.stdout.strip() == "AW600"
    assert cached[0].stat().st_mtime_ns == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes through read-only modes")
def test_a_read_only_cache_directory_changes_nothing(tmp_path: Path) -> None:
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        proc = run_probe(str(tmp_path))
    finally:
        tmp_path.chmod(stat.S_IRWXU)
    assert proc.returncode == 0 and proc.stdout.strip() == "AW600", proc.stderr
    assert proc.stderr == ""


def test_an_unusable_cache_path_changes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    proc = run_probe(str(blocker / "cache"))
    assert proc.returncode == 0 and proc.stdout.strip() == "AW600", proc.stderr
    assert proc.stderr == ""


def test_a_corrupt_cache_file_is_rebuilt(tmp_path: Path) -> None:
    assert run_probe(str(tmp_path)).returncode == 0
    (cached,) = tmp_path.glob("condition-*.lark-cache")
    cached.write_bytes(b"garbage")
    proc = run_probe(str(tmp_path))
    assert proc.returncode == 0 and proc.stdout.strip() == "AW600", proc.stderr
    assert proc.stderr == ""


def test_every_grammar_is_cached(tmp_path: Path) -> None:
    # Each built parser is tens of milliseconds of every CLI start; both are kept, each under its name ({{ }} tags
    # are found by a scan, not a parser).
    probe = ("from webhook.templating import parse_template; from webhook.executor.when import evaluate_when; "
             "from webhook.conditions import check_condition; "
             "print(len(parse_template('a {{inputs.parameters.x}}')), evaluate_when('1 == 1'), "
             "check_condition('status_code = 200')[0].code)")
    env = {**os.environ, "ARGO_WARDEN_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=60) for _ in range(2)]
    assert [r.stdout.split() for r in runs] == [["2", "True", "AW600"]] * 2, runs[0].stderr
    names = sorted(p.name.split("-")[0] for p in tmp_path.glob("*.lark-cache"))
    assert names == ["condition", "when"]


def test_caching_can_be_switched_off() -> None:
    proc = run_probe("")
    assert proc.returncode == 0 and proc.stdout.strip() == "AW600", proc.stderr
