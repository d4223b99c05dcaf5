"""Objects built to make a superlinear check take seconds or minutes, shared by the tests and the scaling bench."""

from __future__ import annotations

import copy
from typing import Any

BASE: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "bomb-"},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {"name": "main", "steps": [[{"name": "call", "template": "call"}]]},
            {"name": "call", "http": {"url": "https://example.com/", "timeoutSeconds": 5}},
        ],
    },
}


def workflow() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def url_bomb(size: int) -> dict[str, Any]:
    """An HTTP url of ``size`` '{' characters (the lazy tag regex retried from each of them)."""
    wf = workflow()
    wf["spec"]["templates"][1]["http"]["url"] = "{" * size
    return wf


def step_name_bomb(size: int) -> dict[str, Any]:
    """A step name of ``size`` characters of '{{' runs (the step-name check's tag regex)."""
    wf = workflow()
    wf["spec"]["templates"][0]["steps"][0][0]["name"] = "{{" * (size // 2)
    return wf


def manifest_bomb(size: int) -> dict[str, Any]:
    """A resource template whose manifest is ``size`` characters of '{{=' (the expression tag regex)."""
    wf = workflow()
    wf["spec"]["templates"][1] = {"name": "call", "resource": {"action": "create", "manifest": "{{=" * (size // 3)}}
    return wf


def condition_bomb(size: int) -> dict[str, Any]:
    """An HTTP successCondition of ``size`` '{' characters (the condition checker masks tags first)."""
    wf = workflow()
    wf["spec"]["templates"][1]["http"]["successCondition"] = "{" * size
    return wf


def annotation_bomb(size: int) -> dict[str, Any]:
    """An annotation of ``size`` newlines (the misplaced-'name:' probe scanned to the end from every line)."""
    wf = workflow()
    wf["metadata"]["annotations"] = {"note": "\n" * size}
    return wf


def kind_bomb(size: int) -> dict[str, Any]:
    """An ``object.kind`` of ``size`` characters (compared with every Argo kind for a near miss, and then
    given to the did-you-mean matcher)."""
    wf = workflow()
    wf["kind"] = ("Workflow" * (size // 8 + 1))[:size]
    return wf


def dag_chain(tasks: int) -> dict[str, Any]:
    """A DAG of ``tasks`` tasks in one chain, each reading the one before (references were quadratic)."""
    wf = workflow()
    chain = [{"name": "t0", "template": "echo", "arguments": {"parameters": [{"name": "m", "value": "x"}]}}]
    for i in range(1, tasks):
        chain.append({"name": f"t{i}", "template": "echo", "depends": f"t{i - 1}",
                      "arguments": {"parameters": [{"name": "m", "value": f"{{{{tasks.t{i - 1}.outputs.result}}}}"}]}})
    wf["spec"]["templates"] = [
        {"name": "main", "dag": {"tasks": chain}},
        {"name": "echo", "inputs": {"parameters": [{"name": "m"}]},
         "script": {"image": "alpine:3.19", "command": ["sh"], "source": "echo {{inputs.parameters.m}}"}},
    ]
    return wf


BOMBS = {
    "url": url_bomb,
    "step-name": step_name_bomb,
    "resource-manifest": manifest_bomb,
    "success-condition": condition_bomb,
    "annotation": annotation_bomb,
    "kind": kind_bomb,
}
