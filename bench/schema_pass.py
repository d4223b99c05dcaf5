#!/usr/bin/env python3
"""Schema pass over the example corpus: our compiled checker against jsonschema-rs on the same schema.

Baseline: jsonschema-rs (a Rust validator) validating the same documents
against the same schema (``webhook.schema.kind_schema``). Two figures each:

- cold: a fresh process that imports the validator, assembles the schema,
  builds the validator and checks every document once (what one
  ``argo-warden lint`` run pays for its schema pass);
- warm: the best of ``--repeat`` passes in an already warmed-up process; here
  ours runs the whole rule, which also turns every problem into a finding with
  a message and checks metadata, while the baseline only counts errors. Prints both times and the ratio
ours / baseline (below 1 means ours is faster).

Usage: python bench/schema_pass.py [--corpus DIR] [--documents N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("ARGO_WARDEN_SHARED", ROOT.parent / "shared"))
DEFAULT_CORPUS = SHARED / "corpus" / "argo-examples"
KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")

# Used when the corpus is absent, so the script still runs anywhere.
SAMPLE: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "sample-"},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {"name": "main", "steps": [[{"name": "a", "template": "work"}]]},
            {"name": "work", "container": {"image": "alpine:3.19", "command": ["sh", "-c"], "args": ["true"],
                                           "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}}},
        ],
    },
}


def load_documents(corpus: Path, count: int | None) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    if corpus.is_dir():
        from webhook.loading import iter_source_paths, load_path
        from webhook.manifest import is_argo_kind

        for path in iter_source_paths([str(corpus)]):
            documents.extend(d.data for d in load_path(path).documents if is_argo_kind(d.data))
    if not documents:
        documents = [SAMPLE]
    if count is None:
        return documents
    return [documents[i % len(documents)] for i in range(count)]


def run_ours(documents: list[dict[str, Any]]) -> int:
    from webhook.manifest import Manifest
    from webhook.validation import schema as rule
    from webhook.validation.context import ValidationContext

    context = ValidationContext()
    return sum(len(list(rule.check(Manifest(d["kind"], d), context))) for d in documents)


def run_baseline(documents: list[dict[str, Any]], validators: dict[str, Any]) -> int:
    return sum(sum(1 for _ in validators[d["kind"]].iter_errors(d)) for d in documents)


def baseline_validators() -> dict[str, Any]:
    import jsonschema_rs

    from webhook.schema import kind_schema

    return {kind: jsonschema_rs.validator_for(kind_schema(kind)) for kind in KINDS}


def child(which: str, data_file: str) -> None:
    """Cold run in this fresh process; prints the seconds spent, imports included."""
    with open(data_file, encoding="utf-8") as fh:
        documents = json.load(fh)
    start = time.perf_counter()
    if which == "ours":
        from webhook.schema import KIND_DEFINITIONS, schema
        from webhook.schema.checker import Compiler, Issue

        compiler = Compiler(schema()["$defs"])
        issues: list[Issue] = []
        for d in documents:
            compiler.definition(KIND_DEFINITIONS[d["kind"]]).check(d, (), issues)
    else:
        run_baseline(documents, baseline_validators())
    print(time.perf_counter() - start)


def cold(which: str, data_file: str) -> float:
    out = subprocess.run([sys.executable, __file__, "--child", which, data_file],
                         capture_output=True, text=True, check=True, timeout=300)
    return float(out.stdout.strip())


def warm(which: str, documents: list[dict[str, Any]], repeat: int) -> float:
    validators = baseline_validators() if which == "baseline" else {}
    best = float("inf")
    for _ in range(repeat + 1):  # the first pass builds the checker
        start = time.perf_counter()
        if which == "ours":
            run_ours(documents)
        else:
            run_baseline(documents, validators)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="schema pass: ours vs jsonschema-rs")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--documents", type=int, default=None,
                        help="number of documents (cycled); default: all")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    if (args.documents is not None and args.documents < 1) or args.repeat < 1:
        parser.error("--documents and --repeat must be at least 1")
    documents = load_documents(args.corpus, args.documents)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(documents, fh)
        data_file = fh.name
    try:
        rows = {which: (cold(which, data_file), warm(which, documents, args.repeat))
                for which in ("ours", "baseline")}
    finally:
        os.unlink(data_file)
    print(f"{len(documents)} documents")
    print(f"{'':28s} {'cold (process)':>16s} {'warm pass':>12s}")
    labels = {"ours": "ours (compiled checker)", "baseline": "jsonschema-rs (same schema)"}
    for which, (c, w) in rows.items():
        print(f"{labels[which]:28s} {c * 1000:13.1f} ms {w * 1000:9.1f} ms")
    (oc, ow), (bc, bw) = rows["ours"], rows["baseline"]
    print(f"ratio ours/baseline: cold {oc / bc:.2f}, warm {ow / bw:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
