"""Benchmark of the condition language, against Python's own eval in the same run.

(a) parse + check per second for the seed document's three conditions (the
    caches are bypassed: every round parses and checks from the text);
(b) evaluating a compiled condition against Python's ``eval`` of the equivalent
    Python expression compiled once, same environment, same run; printed as a
    ratio (target: at most 3x).

    python bench/conditions.py [--iterations N] [--checks N]
"""

from __future__ import annotations

import argparse
import json
import sys
import timeit
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webhook.conditions import compile_condition, http_environment
from webhook.conditions.checker import check_tree
from webhook.conditions.dialect import translate
from webhook.conditions.parser import _parse  # the parser under the cache
from webhook.conditions.types import HTTP_ENVIRONMENT

BODY = json.dumps({"status": "completed", "data": {"items": [{"id": 1}, {"id": 2}, {"id": 3}]}})

# (condition as the seed writes it, the same test written as a Python expression over the same values)
CONDITIONS: list[tuple[str, str]] = [
    ("status_code == 200",
     'response["statusCode"] == 200'),
    ('status_code == 200 && response.body.status == "completed"',
     'response["statusCode"] == 200 and json.loads(response["body"])["status"] == "completed"'),
    ("status_code == 200 && response.body.data.items.length > 0",
     'response["statusCode"] == 200 and len(json.loads(response["body"])["data"]["items"]) > 0'),
    ('response.headers["Content-Type"][0] contains "json" && response.statusCode < 300',
     '"json" in response["headers"]["Content-Type"][0] and response["statusCode"] < 300'),
]


def parse_and_check(text: str) -> int:
    tree = _parse(text)
    translated, _ = translate(tree, text)
    return len(check_tree(translated, HTTP_ENVIRONMENT, expect_boolean=True))


def best_seconds(fn: Any, number: int) -> float:
    """The best of five timings of ``number`` calls, per call."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=20000, help="evaluations per timing")
    parser.add_argument("--checks", type=int, default=500, help="parse+check rounds per timing")
    args = parser.parse_args(argv)
    if args.iterations <= 0 or args.checks <= 0:
        parser.error("--iterations and --checks must be above 0")

    env = http_environment(200, {"Content-Type": "application/json"}, BODY)
    print("(a) parse + check, uncached")
    seeds = [text for text, _ in CONDITIONS[:3]]
    per_round = best_seconds(lambda: [parse_and_check(t) for t in seeds], args.checks)
    print(f"    {len(seeds) / per_round:10.0f} conditions/s  ({per_round / len(seeds) * 1e6:.1f} µs each)")

    print("(b) evaluation of a compiled condition vs Python's eval of the same test compiled once")
    ratios = []
    for text, python in CONDITIONS:
        compiled = compile_condition(text)
        code = compile(python, "<condition>", "eval")
        namespace = {"json": json}
        ours, theirs = compiled.evaluate(env), eval(code, namespace, env)
        if ours is not theirs:
            print(f"    results differ for {text!r}: {ours!r} vs {theirs!r}", file=sys.stderr)
            return 1
        ours_s = best_seconds(lambda c=compiled: c.evaluate(env), args.iterations)
        python_s = best_seconds(lambda c=code, n=namespace: eval(c, n, env), args.iterations)
        ratio = ours_s / python_s
        ratios.append(ratio)
        print(f"    {ours_s * 1e6:7.2f} µs  python eval {python_s * 1e6:7.2f} µs  ratio {ratio:5.2f}x  {text}")
    worst = max(ratios)
    print(f"ratio ours / python eval: worst {worst:.2f}x, mean {sum(ratios) / len(ratios):.2f}x (target <= 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
