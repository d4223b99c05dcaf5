#!/usr/bin/env python3
"""Lint time against manifest size: does any check grow faster than what it reads?

For each shape of manifest (many templates, a long DAG chain, a wide DAG, long
runs of ``{{``, many findings, deep nesting) a generator writes the YAML at 1×,
4× and 16× its base size; each is linted in-process the way ``argo-warden lint``
does it (load with positions, validate, render the text report, which looks up
the source line of every finding), best of ``--repeat`` runs. A linear check
gives time(16×)/time(1×) near 16; the target is at most 20 for every shape.
Then the largest object Kubernetes stores (an etcd value is at most 1.5 MiB) is
generated and linted, against a 2 s target.

Usage: python bench/scaling.py [--base N] [--repeat R] [--min-time S] [--shapes a,b,...] [--no-large]
Exit status 1 when a figure misses its target (the smoke test runs it tiny and only reads the format).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FACTORS = (1, 4, 16)
RATIO_TARGET = 20.0
LARGE_BYTES = 3 * 2**19  # 1.5 MiB
LARGE_SECONDS = 2.0


def _document(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "scale-"},
            "spec": {"entrypoint": "main", **spec}}


def _echo(name: str = "echo") -> dict[str, Any]:
    return {"name": name, "inputs": {"parameters": [{"name": "m"}]},
            "outputs": {"parameters": [{"name": "out", "valueFrom": {"path": "/tmp/out"}}]},
            "container": {"image": "alpine:3.19", "command": ["sh", "-c"],
                          "args": ["echo {{inputs.parameters.m}} | tee /tmp/out"]}}


def many_templates(n: int) -> dict[str, Any]:
    """``n`` leaf templates, each called from one steps template with an argument."""
    steps = [[{"name": f"s{i}", "template": f"t{i}", "arguments": {"parameters": [{"name": "m", "value": str(i)}]}}]
             for i in range(n)]
    return _document({"templates": [{"name": "main", "steps": steps}, *(_echo(f"t{i}") for i in range(n))]})


def dag_chain(n: int) -> dict[str, Any]:
    """A DAG of ``n`` tasks in one chain, each reading the output of the one before."""
    tasks = [{"name": "t0", "template": "echo", "arguments": {"parameters": [{"name": "m", "value": "x"}]}}]
    for i in range(1, n):
        tasks.append({"name": f"t{i}", "template": "echo", "depends": f"t{i - 1}", "arguments": {
            "parameters": [{"name": "m", "value": f"{{{{tasks.t{i - 1}.outputs.parameters.out}}}}"}]}})
    return _document({"templates": [{"name": "main", "dag": {"tasks": tasks}}, _echo()]})


def wide_dag(n: int) -> dict[str, Any]:
    """One root, ``n`` tasks that depend on it, and one task that depends on all of them and reads each."""
    arg = {"parameters": [{"name": "m", "value": "{{tasks.root.outputs.parameters.out}}"}]}
    tasks: list[dict[str, Any]] = [
        {"name": "root", "template": "echo", "arguments": {"parameters": [{"name": "m", "value": "x"}]}}]
    tasks += [{"name": f"w{i}", "template": "echo", "depends": "root", "arguments": arg} for i in range(n)]
    reads = " ".join(f"{{{{tasks.w{i}.outputs.parameters.out}}}}" for i in range(n))
    tasks.append({"name": "join", "template": "echo", "depends": " && ".join(f"w{i}" for i in range(n)),
                  "arguments": {"parameters": [{"name": "m", "value": reads}]}})
    return _document({"templates": [{"name": "main", "dag": {"tasks": tasks}}, _echo()]})


def tag_runs(n: int) -> dict[str, Any]:
    """Strings made of long runs of '{', '{{' and '{{=' (url, step name, condition, resource manifest, args)."""
    size = 1000 * n
    wf = _document({"templates": [
        {"name": "main", "steps": [[{"name": "{{" * (size // 2), "template": "call"}]]},
        {"name": "call", "http": {"url": "{" * size, "successCondition": "{" * size, "timeoutSeconds": 5}},
        {"name": "make", "resource": {"action": "create", "manifest": "{{=" * (size // 3)}},
        {"name": "say", "container": {"image": "alpine:3.19", "args": ["{{a}" * (size // 4)]}},
    ]})
    wf["metadata"]["annotations"] = {"note": "\n" * size}
    return wf


def many_findings(n: int) -> dict[str, Any]:
    """``10 n`` steps, each with a mistake (an unknown template, an undeclared input, an item outside a loop)."""
    steps = []
    for i in range(10 * n):
        steps.append([{"name": f"s{i}", "template": f"missing{i}" if i % 3 == 0 else "echo",
                       "arguments": {"parameters": [{"name": "m", "value": "{{item}}" if i % 3 == 1 else
                                                     "{{inputs.parameters.nope}}"}]}}])
    return _document({"templates": [{"name": "main", "steps": steps}, _echo()]})


def deep_nesting(n: int) -> dict[str, Any]:
    """Inline templates within inline templates, ``n`` levels down, each level with a dozen steps."""
    inner: dict[str, Any] = {"container": {"image": "alpine:3.19", "args": ["{{inputs.parameters.m}}"]},
                             "inputs": {"parameters": [{"name": "m"}]}}
    for level in range(n):
        siblings = [{"name": f"e{level}-{i}", "template": "echo",
                     "arguments": {"parameters": [{"name": "m", "value": f"{{{{steps.l{level}.status}}}}"}]}}
                    for i in range(12)]
        inner = {"inputs": {"parameters": [{"name": "m"}]},
                 "steps": [[{"name": f"l{level}", "inline": inner,
                             "arguments": {"parameters": [{"name": "m", "value": "{{inputs.parameters.m}}"}]}}],
                           siblings]}
    return _document({"arguments": {"parameters": [{"name": "m", "value": "x"}]},
                      "templates": [{"name": "main", "steps": [[{"name": "top", "inline": inner, "arguments": {
                          "parameters": [{"name": "m", "value": "{{workflow.parameters.m}}"}]}}]]}, _echo()]})


# Base sizes: 16x stays under the schema's 200-template and 200-task limits, so every check runs in full.
SHAPES: dict[str, tuple[Callable[[int], dict[str, Any]], int]] = {
    "many templates": (many_templates, 12),
    "long DAG chain": (dag_chain, 12),
    "wide DAG": (wide_dag, 12),
    "long {{ runs": (tag_runs, 4),
    "many findings": (many_findings, 5),
    "deep nesting": (deep_nesting, 1),
}


def largest_object() -> str:
    """A Workflow of up to 1.5 MiB as JSON (etcd's limit for one value): some 180 templates with scripts, parameters and
    steps that pass them, within every size limit of the schema, so that every check runs on all of it."""
    script = "\n".join(f"echo 'line {j}: {{{{inputs.parameters.p{j % 20}}}}}'" for j in range(130))
    templates: list[dict[str, Any]] = []
    steps: list[list[dict[str, Any]]] = []
    for i in range(190):
        templates.append({"name": f"t{i}", "inputs": {"parameters": [{"name": f"p{j}"} for j in range(20)]},
                          "script": {"image": "alpine:3.19", "command": ["sh"], "source": script}})
        steps.append([{"name": f"s{i}", "template": f"t{i}", "arguments": {
            "parameters": [{"name": f"p{j}", "value": f"{{{{workflow.parameters.w{j}}}}}"} for j in range(20)]}}])
    data = _document({"arguments": {"parameters": [{"name": f"w{j}", "value": str(j)} for j in range(20)]},
                      "templates": [{"name": "main", "steps": steps}, *templates]})
    text = json.dumps(data, indent=1)
    while len(text) > LARGE_BYTES:
        # Drop templates (and the steps calling them) from the end until it fits.
        data["spec"]["templates"].pop()
        steps.pop()
        text = json.dumps(data, indent=1)
    return text


def _forget_inputs() -> None:
    """Empty the memos of earlier inputs (parsed tags, depends expressions, conditions …), keep built parsers.

    A real lint meets each string once; a repeated run of the same text would find them
    all remembered, and the small sizes, run most often, would gain the most.
    """
    for name, module in list(sys.modules.items()):
        if not name.startswith("webhook."):
            continue
        for value in list(vars(module).values()):
            info = getattr(value, "cache_info", None)
            if callable(info) and (info().maxsize or 0) > 4:
                value.cache_clear()


def lint_once(text: str) -> tuple[float, int]:
    """CPU seconds to load, validate and render ``text`` as ``argo-warden lint -o text`` would; findings."""
    from webhook.lint import LintOptions, lint_sources
    from webhook.loading import load_text
    from webhook.reporting.text import render_text

    _forget_inputs()
    gc.collect()
    # CPU time of this process: lint is one thread, and wall time on a shared machine also counts the
    # time other processes had the CPU.
    started = time.process_time()
    source = load_text(text, "scale.yaml")
    result = lint_sources([source], LintOptions(search_repository=False))
    render_text(result)
    return time.process_time() - started, len(result.diagnostics)


def best(text: str, repeat: int, min_time: float = 0.5) -> tuple[float, int]:
    """The best of at least ``repeat`` runs, and of as many more as fit in ``min_time`` seconds (at most 50):
    the small sizes take milliseconds, and on a busy machine one run of them says little."""
    seconds, found = lint_once(text)
    runs, spent = 1, seconds
    while runs < repeat or (spent < min_time and runs < 50):
        again, _ = lint_once(text)
        seconds = min(seconds, again)
        runs += 1
        spent += again
    return seconds, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=float, default=1.0, help="multiply every shape's base size (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="best of at least this many runs (default 3)")
    parser.add_argument("--min-time", type=float, default=0.5,
                        help="and more runs, until this many CPU seconds were spent (default 0.5)")
    parser.add_argument("--shapes", default="", help="comma-separated shape names (default: all)")
    parser.add_argument("--no-large", action="store_true", help="skip the 1.5 MiB object")
    args = parser.parse_args(argv)
    import yaml

    wanted = [s.strip() for s in args.shapes.split(",") if s.strip()] or list(SHAPES)
    for make, _ in SHAPES.values():  # warm: compile the schema checker and the grammars
        lint_once(yaml.safe_dump(make(2)))
    missed = 0
    print(f"{'shape':16} {'1x':>9} {'4x':>9} {'16x':>9}  {'16x/1x':>7}  findings(16x)  bytes(16x)")
    for name in wanted:
        make, base = SHAPES[name]
        times: list[float] = []
        found = size = 0
        for factor in FACTORS:
            text = yaml.safe_dump(make(max(1, round(base * args.base * factor))), width=1 << 30)
            seconds, found = best(text, args.repeat, args.min_time)
            times.append(seconds)
            size = len(text)
        ratio = times[-1] / times[0]
        verdict = "ok" if ratio <= RATIO_TARGET else f"OVER {RATIO_TARGET:g}"
        missed += ratio > RATIO_TARGET
        print(f"{name:16} {times[0]:8.4f}s {times[1]:8.4f}s {times[2]:8.4f}s  {ratio:7.1f}  {found:13d}  "
              f"{size:10d}  {verdict}")
    if not args.no_large:
        text = largest_object()
        cpu, found = best(text, args.repeat, args.min_time)
        started = time.perf_counter()
        lint_once(text)
        wall = time.perf_counter() - started
        verdict = "ok" if wall <= LARGE_SECONDS else f"OVER {LARGE_SECONDS:g} s"
        missed += wall > LARGE_SECONDS
        print(f"largest object: {len(text) / 2**20:.2f} MiB linted in {wall:.3f} s ({cpu:.3f} s CPU, {found} findings)"
              f"  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
