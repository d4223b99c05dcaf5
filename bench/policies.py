#!/usr/bin/env python3
"""What organisation policies cost: lint of Argo's example corpus and one admission review, with and without them.

Policies: the example library (examples/policies/policies.yaml) repeated with fresh ids up to ``--policies``
(50 by default), so every kind of node (object, template, step, http, container) is visited many times.
Both sides run in this process, interleaved round by round, so a slow spell of the machine hits both:

- lint: ``lint_paths`` over the corpus; the figure is the median over rounds of with / without
  (target ≤ 1.30);
- review: ``judge`` (admission's validation core, no memo) of a distinct object each time, p50 of each side and
  the difference (target ≤ 2 ms).

Usage: python bench/policies.py [--corpus DIR] [--files N] [--policies N] [--rounds R] [--reviews N]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("ARGO_WARDEN_SHARED", ROOT.parent / "shared"))
DEFAULT_CORPUS = SHARED / "corpus" / "argo-examples"
LIBRARY = ROOT / "examples" / "policies" / "policies.yaml"
LINT_TARGET = 1.30
REVIEW_TARGET_MS = 2.0


def policy_file(count: int, directory: Path) -> Path:
    library: list[dict[str, Any]] = yaml.safe_load(LIBRARY.read_text(encoding="utf-8"))["policies"]
    chosen = []
    for i in range(count):
        policy = dict(library[i % len(library)])
        policy["id"] = f"BENCH{i + 1}"
        chosen.append(policy)
    path = directory / "policies.yaml"
    path.write_text(yaml.safe_dump({"policies": chosen}), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--files", type=int, default=None)
    parser.add_argument("--policies", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--reviews", type=int, default=400)
    args = parser.parse_args()

    from webhook.admission.decide import judge
    from webhook.configuration import with_command_line
    from webhook.lint import LintOptions, lint_paths
    from webhook.loading import iter_source_paths
    from webhook.manifest import Manifest
    from webhook.memory import freeze_start_up_objects
    from webhook.policy.settings import DEFAULT_POLICY
    from webhook.validation.context import ValidationContext

    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus}")
    files = list(iter_source_paths([str(args.corpus)]))[: args.files or None]
    with tempfile.TemporaryDirectory() as tmp:
        with_policies = with_command_line(DEFAULT_POLICY, policies=[str(policy_file(args.policies, Path(tmp)))])
    plain = LintOptions(search_repository=False)
    judged = LintOptions(search_repository=False, policy=with_policies)
    # Warm both (parsers, schema, compiled policies), then keep start-up objects out of the GC's full passes.
    found = lint_paths(files, judged)
    lint_paths(files, plain)
    freeze_start_up_objects()

    ratios: list[float] = []
    times: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(args.rounds):
        for name, options in (("without", plain), ("with", judged)):
            start = time.perf_counter()
            lint_paths(files, options)
            times[name].append(time.perf_counter() - start)
        ratios.append(times["with"][-1] / times["without"][-1])
    own = sum(1 for d in found.diagnostics if d.code.startswith("BENCH"))
    print(f"corpus: {len(files)} files, {args.policies} policies ({own} findings of theirs)")
    print(f"lint without policies   {min(times['without']):.3f} s (best of {args.rounds})")
    print(f"lint with policies      {min(times['with']):.3f} s (best of {args.rounds})")
    lint_ratio = statistics.median(ratios)
    print(f"ratio lint with / without: {lint_ratio:.3f} (median over rounds; target <= {LINT_TARGET:.2f})")

    seed = yaml.safe_load((ROOT / "examples" / "seed.yaml").read_text(encoding="utf-8"))
    context = ValidationContext(user="alice", user_info={"username": "alice", "groups": ["dev"]})
    samples: dict[str, list[float]] = {"without": [], "with": []}
    for i in range(args.reviews):
        obj = copy.deepcopy(seed)
        obj["metadata"] = {"name": f"bench-{i}", "namespace": "argo", "uid": f"uid-{i}"}
        manifest = Manifest("Workflow", obj, default_namespace="argo")
        for name, settings in (("without", DEFAULT_POLICY), ("with", with_policies)):
            start = time.perf_counter()
            judge(manifest, context, None, settings)
            samples[name].append((time.perf_counter() - start) * 1000)
    p50 = {name: statistics.median(values) for name, values in samples.items()}
    print(f"review p50 without policies {p50['without']:.3f} ms, with {p50['with']:.3f} ms "
          f"({args.reviews} distinct objects, no memo)")
    print(f"review p50 added by policies: {p50['with'] - p50['without']:.3f} ms (target <= {REVIEW_TARGET_MS:.1f} ms)")


if __name__ == "__main__":
    main()
