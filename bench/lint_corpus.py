#!/usr/bin/env python3
"""argo-warden lint over Argo's example corpus, against check-jsonschema with Argo's published schema.

Baseline: ``check-jsonschema --schemafile ../shared/reference/argo-jsonschema.json``
(the usual pre-commit check for Argo manifests) on the same files, in the same run.
It only checks the schema; ours also runs every semantic rule (references, DAGs,
templates, conditions, schedules…). Figures, each the best of ``--repeat`` runs:

- ours, CLI: ``python -m webhook lint FILES -o json``, process start to exit;
- ours, in-process: ``lint_paths(FILES)`` in a warmed-up process (and its first, cold run);
- baseline, CLI: ``check-jsonschema --schemafile … FILES``, process start to exit.

Prints the times and the ratios ours / baseline (target for the CLI: ≤ 0.33).

Usage: python bench/lint_corpus.py [--corpus DIR] [--files N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("ARGO_WARDEN_SHARED", ROOT.parent / "shared"))
DEFAULT_CORPUS = SHARED / "corpus" / "argo-examples"
ARGO_SCHEMA = SHARED / "reference" / "argo-jsonschema.json"
TARGET = 0.33


def best_of(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def corpus_files(corpus: Path, limit: int | None) -> list[str]:
    from webhook.loading import iter_source_paths

    files = list(iter_source_paths([str(corpus)]))
    return files[:limit] if limit else files


def ours_cli(files: list[str]) -> dict[str, int]:
    proc = subprocess.run([sys.executable, "-m", "webhook", "lint", *files, "-o", "json"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"argo-warden lint failed ({proc.returncode}): {proc.stderr.strip()}")
    summary: dict[str, int] = json.loads(proc.stdout)["summary"]
    return summary


def baseline_cli(executable: str, files: list[str]) -> int:
    """Runs check-jsonschema; returns how many files it rejected."""
    proc = subprocess.run([executable, "--schemafile", str(ARGO_SCHEMA), "-o", "json", *files],
                          capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"check-jsonschema failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    report = json.loads(proc.stdout)
    return len({e["filename"] for e in report.get("errors", [])} | {e["filename"] for e in
                                                                     report.get("parse_errors", [])})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--files", type=int, help="only the first N files of the corpus")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    if not ARGO_SCHEMA.is_file():
        print(f"no baseline schema at {ARGO_SCHEMA}", file=sys.stderr)
        return 2
    executable = shutil.which("check-jsonschema", path=os.path.dirname(sys.executable)) \
        or shutil.which("check-jsonschema")
    if executable is None:
        print("check-jsonschema is not installed (pip install -e '.[test]')", file=sys.stderr)
        return 2
    files = corpus_files(args.corpus, args.files)

    summary = ours_cli(files)
    rejected = baseline_cli(executable, files)
    cli_seconds = best_of(args.repeat, lambda: ours_cli(files))
    baseline_seconds = best_of(args.repeat, lambda: baseline_cli(executable, files))

    from webhook.lint import LintOptions, lint_paths

    options = LintOptions(search_repository=False)
    start = time.perf_counter()
    lint_paths(files, options)
    cold_seconds = time.perf_counter() - start
    warm_seconds = best_of(args.repeat, lambda: lint_paths(files, options))

    print(f"corpus: {len(files)} files, {summary['documents']} Argo documents ({summary['skipped']} others)")
    print(f"  ours      argo-warden lint (CLI)          {cli_seconds:7.3f} s   "
          f"{summary['errors']} errors, {summary['warnings']} warnings")
    print(f"  ours      lint_paths, in-process (warm)   {warm_seconds:7.3f} s   (first run, cold: "
          f"{cold_seconds:.3f} s)")
    print(f"  baseline  check-jsonschema (CLI)          {baseline_seconds:7.3f} s   rejects {rejected} of "
          f"{len(files)} files")
    print(f"ratio ours CLI / baseline:        {cli_seconds / baseline_seconds:.3f}  (target <= {TARGET})")
    print(f"ratio ours in-process / baseline: {warm_seconds / baseline_seconds:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
