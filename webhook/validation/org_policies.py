"""The organisation's own policies (``webhook.org_policies``), run on every object like the built-in rules.

Each policy runs for one kind of node; the node and its context are bound by
name (``object``, ``namespace``, ``user``, and ``template`` for what lies inside
a template) and its ``assert`` must be true. A false assert is a finding under the
policy's own id and severity, at the node's place in the file; an assert that
cannot be evaluated (a field absent at run time, a value of the wrong type) is a
finding too, since an unjudged object must not pass silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from webhook.conditions.errors import EvaluationError
from webhook.diagnostics import Finding, JsonPath
from webhook.manifest import Manifest
from webhook.org_policies.model import Policy
from webhook.spec.walk import TemplateAt, as_dict, as_list, spec_templates, template_steps
from webhook.validation.context import ValidationContext

MAX_SHOWN = 200
MAX_MESSAGE = 1000


def check(manifest: Manifest, ctx: ValidationContext) -> Iterator[Finding]:
    policies = ctx.policies
    if not policies:
        return
    labels = manifest.metadata.get("labels")
    namespace = manifest.namespace
    chosen = [p for p in policies.policies
              if p.match.matches(manifest.kind, namespace, labels if isinstance(labels, dict) else {})]
    if not chosen:
        return
    base: dict[str, Any] = {"object": manifest.data, "namespace": namespace, "user": _user(ctx)}
    by_node: dict[str, list[Policy]] = {}
    for policy in chosen:
        by_node.setdefault(policy.node, []).append(policy)
    for node, group in by_node.items():
        for path, bound in _nodes(manifest, node):
            env = {**base, **bound}
            for policy in group:
                finding = _judge(policy, env, path)
                if finding is not None:
                    yield finding


def _user(ctx: ValidationContext) -> dict[str, Any]:
    info = ctx.user_info
    if info is not None:
        return {"username": str(info.get("username") or ""), "uid": str(info.get("uid") or ""),
                "groups": [str(g) for g in as_list(info.get("groups"))]}
    return {"username": ctx.user or "", "uid": "", "groups": []}


def _nodes(manifest: Manifest, node: str) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    if node == "object":
        yield (), {}
        return
    for at in spec_templates(manifest):
        if node == "template":
            yield at.path, {"template": at.template}
        elif node == "http":
            http = at.template.get("http")
            if isinstance(http, dict):
                yield (*at.path, "http"), {"http": http, "template": at.template}
        elif node == "container":
            for path, container in _containers(at):
                yield path, {"container": container, "template": at.template}
        else:
            want_task = node == "task"
            for step in template_steps(at):
                if step.is_task == want_task:
                    yield step.path, {node: step.step, "template": at.template}


def _containers(at: TemplateAt) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    t = at.template
    for key in ("container", "script"):
        if isinstance(t.get(key), dict):
            yield (*at.path, key), t[key]
    for i, c in enumerate(as_list(as_dict(t.get("containerSet")).get("containers"))):
        if isinstance(c, dict):
            yield (*at.path, "containerSet", "containers", i), c
    for key in ("initContainers", "sidecars"):
        for i, c in enumerate(as_list(t.get(key))):
            if isinstance(c, dict):
                yield (*at.path, key, i), c


def _judge(policy: Policy, env: Mapping[str, Any], path: JsonPath) -> Finding | None:
    try:
        value = policy.compiled.evaluate(env)
    except EvaluationError as exc:
        return Finding(policy.id, path, f"policy {policy.id} could not be evaluated here: {_short(exc.message)}",
                       hint="read fields that may be absent with ?. and ??, e.g. template.retryStrategy?.limit ?? 0",
                       severity=policy.severity, on_key=_named(path))
    if value is True:
        return None
    if value is not False:
        return Finding(policy.id, path, f"policy {policy.id} gave {_shown(value)}, not true or false",
                       severity=policy.severity, on_key=_named(path))
    return Finding(policy.id, path, _render(policy, env), hint=policy.description, severity=policy.severity,
                   on_key=_named(path))


def _named(path: JsonPath) -> bool:
    # A node held by a mapping key (`http:`, `container:`) is shown at its key, where a suppression comment goes;
    # an item of a list (a template, a step) at its first line.
    return bool(path) and isinstance(path[-1], str)


def _render(policy: Policy, env: Mapping[str, Any]) -> str:
    out: list[str] = []
    for part in policy.message:
        if part.compiled is None:
            out.append(part.text)
            continue
        try:
            value = part.compiled.evaluate(env)
        except EvaluationError as exc:
            out.append(f"<{_short(exc.message, 80)}>")
            continue
        out.append(_short(value if isinstance(value, str) else _shown(value)))
    return _short("".join(out), MAX_MESSAGE)


def _shown(value: Any) -> str:
    if value is None:
        return "nil"
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _short(text: str, limit: int = MAX_SHOWN) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
