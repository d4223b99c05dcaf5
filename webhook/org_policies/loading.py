"""Policy files: YAML (or the ``policies`` of a configuration file) → a checked ``PolicySet``.

Everything about a policy that can be known without an object is checked here,
at the line and column of the policy file: its keys, its id, its ``for``, and its
``assert`` and message expressions type-checked against Argo's types (so
``template.contianer.image`` is refused with "did you mean 'container'?"). A policy
set that loads has no mistake left that only an object would reveal, except values
absent at run time (read them with ``?.`` and ``??``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from webhook.conditions.checker import check_tree
from webhook.conditions.errors import ConditionError
from webhook.conditions.issues import NOT_BOOLEAN
from webhook.conditions.parser import parse
from webhook.conditions.types import STRING, Type
from webhook.diagnostics import ARGO_WARDEN_ONLY, JsonPath, Severity, define, format_path
from webhook.diagnostics import Diagnostic as Diag
from webhook.manifest import ARGO_KINDS
from webhook.org_policies.model import NODE_KINDS, Match, MessagePart, Policy, PolicySet, SelectorTerm, compiled
from webhook.org_policies.types import USER, binding_type, object_type
from webhook.positions import PositionMap
from webhook.suggest import did_you_mean, one_of

BAD_POLICY = define(
    "AW950", Severity.ERROR, "a policy file is malformed",
    why="A policy that cannot be loaded enforces nothing; it is refused where it is written, not skipped.",
    mirrors=ARGO_WARDEN_ONLY,
    example="policies:\n- id: ORG1\n  assert: true\n  # 'message' is required",
)
POLICY_TYPE = define(
    "AW951", Severity.ERROR, "a policy's assert or message does not check against Argo's types",
    why="An assert that reads a field Argo's types lack (a typo) would never hold, or never fail, on any object.",
    mirrors=ARGO_WARDEN_ONLY,
    example="policies:\n- id: ORG1\n  for: template\n  message: needs an image\n"
    "  assert: template.contianer.image != ''",
)

# Own codes look like ruff's (letters, then digits), so `select`/`ignore` prefixes work on them too.
ID_PATTERN = re.compile(r"[A-Z]{2,10}[0-9]{1,6}")
MAX_EXPRESSION = 4096
MAX_POLICIES = 1000
POLICY_KEYS = ("id", "message", "severity", "match", "for", "assert", "description")
MATCH_KEYS = ("kinds", "namespaces", "labels")
SELECTOR_KEYS = ("matchLabels", "matchExpressions")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class PolicyLoadError(Exception):
    """The policies do not load; ``diagnostics`` say where and why (each with file, line and column)."""

    def __init__(self, diagnostics: Sequence[Diag]) -> None:
        super().__init__("; ".join(f"{d.file}:{d.line}: {d.message}" for d in diagnostics[:3]))
        self.diagnostics = list(diagnostics)


@dataclass(slots=True)
class _Source:
    file: str
    positions: PositionMap | None
    base: JsonPath
    problems: list[Diag] = field(default_factory=list)

    def report(self, code: str, path: JsonPath, message: str, hint: str | None = None,
               span: tuple[int, int] | None = None, on_key: bool = False) -> None:
        full = (*self.base, *path)
        line = column = None
        length = 1
        if self.positions is not None:
            loc = self.positions.locate(full, span, on_key)
            if loc is not None:
                line, column, length = loc.line, loc.column, loc.length
        self.problems.append(Diag(code, Severity.ERROR, message, format_path(full), self.file, line, column, hint,
                                  length))

    def where(self, path: JsonPath) -> str:
        if self.positions is not None:
            loc = self.positions.locate((*self.base, *path))
            if loc is not None:
                return f"{self.file}:{loc.line}"
        return self.file


def load_policy_files(paths: Iterable[str], inline: Sequence[Any] = (), inline_file: str = "") -> PolicySet:
    """Every policy in the given files (YAML: ``policies: [...]``, a list of policies, or one per document),
    and those written ``inline`` in the configuration file ``inline_file``; ids must be unique across all."""
    from webhook.loading import load_path

    policies: list[Policy] = []
    problems: list[Diag] = []
    if inline:
        source = _Source(inline_file, None, ("policies",))
        policies.extend(_policies(list(inline), source))
        problems.extend(source.problems)
    for path in paths:
        loaded = load_path(path)
        problems.extend(loaded.diagnostics)
        for document in loaded.documents:
            entries, base = _entries(document.data)
            source = _Source(path, document.positions, base)
            if entries is None:
                source.report(BAD_POLICY, (), "a policy file holds `policies: [...]`, a list of policies or one "
                              "policy per document")
            else:
                policies.extend(_policies(entries, source))
            problems.extend(source.problems)
    return _finish(policies, problems)


def _finish(policies: list[Policy], problems: list[Diag]) -> PolicySet:
    seen: dict[str, Policy] = {}
    for policy in policies:
        first = seen.setdefault(policy.id, policy)
        if first is not policy:
            problems.append(Diag(BAD_POLICY, Severity.ERROR, f"policy id {policy.id} is defined twice",
                                 file=policy.source.rsplit(":", 1)[0], line=_line(policy.source),
                                 hint=f"first defined at {first.source}"))
    if len(policies) > MAX_POLICIES:
        problems.append(Diag(BAD_POLICY, Severity.ERROR, f"more than {MAX_POLICIES} policies"))
    if problems:
        raise PolicyLoadError(problems)
    return PolicySet.of(tuple(policies))


def _line(source: str) -> int | None:
    tail = source.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _entries(data: Any) -> tuple[list[Any] | None, JsonPath]:
    if isinstance(data, list):
        return data, ()
    if isinstance(data, dict):
        if "policies" in data:
            inner = data["policies"]
            return (inner if isinstance(inner, list) else None), ("policies",)
        return [data], ()
    return None, ()


def _policies(entries: list[Any], source: _Source) -> Iterable[Policy]:
    base = source.base
    for index, entry in enumerate(entries):
        source.base = (*base, index)
        try:
            policy = _policy(entry, source)
        finally:
            source.base = base
        if policy is not None:
            yield policy


def _policy(entry: Any, source: _Source) -> Policy | None:
    if not isinstance(entry, dict):
        source.report(BAD_POLICY, (), "a policy is a mapping with id, message, for and assert")
        return None
    before = len(source.problems)
    for key in entry:
        if key not in POLICY_KEYS:
            source.report(BAD_POLICY, (key,), f"unknown policy key '{key}'",
                          did_you_mean(str(key), POLICY_KEYS) or f"a policy has {one_of(POLICY_KEYS)}", on_key=True)
    policy_id = _required_text(entry, "id", source)
    if policy_id is not None and not ID_PATTERN.fullmatch(policy_id):
        source.report(BAD_POLICY, ("id",), f"policy id '{_short(policy_id)}' is not a code like ORG001",
                      "two to ten capital letters, then one to six digits")
    elif policy_id is not None and policy_id.startswith("AW"):
        source.report(BAD_POLICY, ("id",), f"policy id {policy_id} would clash with argo-warden's own codes",
                      "choose a prefix of your own, such as ORG or the team's name")
    node = _required_text(entry, "for", source)
    if node is not None and node not in NODE_KINDS:
        source.report(BAD_POLICY, ("for",), f"a policy cannot run for '{_short(node)}'",
                      did_you_mean(node, NODE_KINDS) or f"choose one of {', '.join(NODE_KINDS)}")
        node = None
    severity = _severity(entry.get("severity", "error"), source)
    match = _match(entry.get("match"), source)
    assertion = _required_text(entry, "assert", source)
    message_text = _required_text(entry, "message", source)
    description = entry.get("description")
    if description is not None and not isinstance(description, str):
        source.report(BAD_POLICY, ("description",), "`description` must be text")
    if len(source.problems) > before or None in (policy_id, node, assertion, message_text, severity, match):
        return None
    assert policy_id is not None and node is not None and assertion is not None and message_text is not None
    assert severity is not None and match is not None
    environment = _environment(node, match.kinds)
    checked = _expression(assertion, ("assert",), environment, source, boolean=True)
    message = _message(message_text, environment, source)
    if not checked or message is None:
        return None
    return Policy(policy_id, message, severity, match, node, assertion, source.where(()),
                  description if isinstance(description, str) else None)


def _environment(node: str, kinds: tuple[str, ...]) -> dict[str, Type]:
    env: dict[str, Type] = {"object": object_type(kinds), "namespace": STRING, "user": USER}
    if node != "object":
        env[node] = binding_type(node)
    if node in ("step", "task", "http", "container"):
        env["template"] = binding_type("template")
    return env


def _expression(text: str, path: JsonPath, environment: Mapping[str, Type], source: _Source, *, boolean: bool,
                offset: int = 0) -> bool:
    """Whether ``text`` parses, checks and compiles; what is wrong is reported at its place in the file."""
    if len(text) > MAX_EXPRESSION:
        source.report(BAD_POLICY, path, f"an expression longer than {MAX_EXPRESSION} characters")
        return False
    try:
        tree = parse(text)
    except ConditionError as exc:
        span = (offset + (exc.start or 0), offset + max(exc.end or 0, (exc.start or 0) + 1))
        source.report(POLICY_TYPE, path, exc.message, exc.hint, span)
        return False
    issues = check_tree(tree, environment, expect_boolean=boolean)
    errors = [i for i in issues if i.severity is Severity.ERROR or i.code == "AW610"]
    for issue in errors:
        message = issue.message
        hint: str | None = issue.hint
        if issue.code == NOT_BOOLEAN:
            message = message.replace("the condition gives", "the assert gives")
            hint = "an assert is true for a node that complies, like http.url startsWith \"https://\""
        source.report(POLICY_TYPE, path, message, hint, (offset + issue.start, offset + issue.end))
    if errors:
        return False
    try:
        compiled(text)
    except ConditionError as exc:
        span = (offset + (exc.start or 0), offset + max(exc.end or 0, (exc.start or 0) + 1))
        source.report(POLICY_TYPE, path, exc.message, exc.hint, span)
        return False
    return True


def _message(text: str, environment: Mapping[str, Type], source: _Source) -> tuple[MessagePart, ...] | None:
    """Split ``text`` at its ``{{ expression }}`` tags (a linear scan), checking each expression."""
    parts: list[MessagePart] = []
    position = 0
    ok = True
    while True:
        start = text.find("{{", position)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            source.report(BAD_POLICY, ("message",), "a '{{' in the message is never closed", "close it with '}}'",
                          (start, start + 2))
            return None
        if start > position:
            parts.append(MessagePart(text[position:start]))
        inner = text[start + 2:end]
        if _expression(inner, ("message",), environment, source, boolean=False, offset=start + 2):
            parts.append(MessagePart(inner, expression=True))
        else:
            ok = False
        position = end + 2
    if position < len(text):
        parts.append(MessagePart(text[position:]))
    return tuple(parts) if ok else None


def _required_text(entry: dict[str, Any], key: str, source: _Source) -> str | None:
    value = entry.get(key)
    if value is None:
        source.report(BAD_POLICY, (), f"a policy needs `{key}`")
        return None
    if not isinstance(value, str) or not value.strip():
        source.report(BAD_POLICY, (key,), f"`{key}` must be non-empty text")
        return None
    return value


def _severity(value: Any, source: _Source) -> Severity | None:
    try:
        return Severity(value)
    except ValueError:
        source.report(BAD_POLICY, ("severity",), f"unknown severity {_short(str(value))!r}",
                      "choose error, warning or info")
        return None


def _match(value: Any, source: _Source) -> Match | None:
    if value is None:
        return Match()
    if not isinstance(value, dict):
        source.report(BAD_POLICY, ("match",), "`match` is a mapping of kinds, namespaces and labels")
        return None
    ok = True
    for key in value:
        if key not in MATCH_KEYS:
            source.report(BAD_POLICY, ("match", key), f"unknown match key '{key}'",
                          did_you_mean(str(key), MATCH_KEYS) or f"match has {one_of(MATCH_KEYS)}", on_key=True)
            ok = False
    kinds = _text_list(value.get("kinds"), ("match", "kinds"), source)
    for i, kind in enumerate(kinds or ()):
        if kind not in ARGO_KINDS:
            source.report(BAD_POLICY, ("match", "kinds", i), f"'{_short(kind)}' is not an Argo kind",
                          did_you_mean(kind, ARGO_KINDS) or f"choose from {', '.join(ARGO_KINDS)}")
            ok = False
    namespaces = _text_list(value.get("namespaces"), ("match", "namespaces"), source)
    labels = _selector(value.get("labels"), source)
    if not ok or kinds is None or namespaces is None or labels is None:
        return None
    return Match(tuple(kinds), tuple(namespaces), *labels)


def _selector(value: Any, source: _Source) -> tuple[tuple[tuple[str, str], ...], tuple[SelectorTerm, ...]] | None:
    """A Kubernetes label selector: ``{matchLabels: {...}, matchExpressions: [...]}``."""
    if value is None:
        return (), ()
    path: JsonPath = ("match", "labels")
    if not isinstance(value, dict):
        source.report(BAD_POLICY, path, "`labels` is a label selector: matchLabels and matchExpressions")
        return None
    ok = True
    for key in value:
        if key not in SELECTOR_KEYS:
            source.report(BAD_POLICY, (*path, key), f"unknown selector key '{key}'",
                          did_you_mean(str(key), SELECTOR_KEYS) or "a selector has matchLabels and matchExpressions",
                          on_key=True)
            ok = False
    labels = value.get("matchLabels") or {}
    if not isinstance(labels, dict) or not all(isinstance(v, str | int | bool) for v in labels.values()):
        source.report(BAD_POLICY, (*path, "matchLabels"), "`matchLabels` maps label names to values")
        return None
    terms: list[SelectorTerm] = []
    expressions = value.get("matchExpressions") or []
    if not isinstance(expressions, list):
        source.report(BAD_POLICY, (*path, "matchExpressions"), "`matchExpressions` is a list")
        return None
    for i, item in enumerate(expressions):
        where = (*path, "matchExpressions", i)
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            source.report(BAD_POLICY, where, "an expression has key, operator and (for In/NotIn) values")
            ok = False
            continue
        operator = item.get("operator")
        if operator not in OPERATORS:
            source.report(BAD_POLICY, (*where, "operator"), f"unknown operator {_short(str(operator))!r}",
                          did_you_mean(str(operator), OPERATORS) or f"choose one of {', '.join(OPERATORS)}")
            ok = False
            continue
        values = item.get("values") or []
        if not isinstance(values, list) or (operator in ("In", "NotIn") and not values):
            source.report(BAD_POLICY, (*where, "values"), f"{operator} needs a non-empty list of values")
            ok = False
            continue
        terms.append(SelectorTerm(item["key"], operator, frozenset(str(v) for v in values)))
    if not ok:
        return None
    return tuple((str(k), _label_text(v)) for k, v in labels.items()), tuple(terms)


def _label_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text_list(value: Any, path: JsonPath, source: _Source) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        source.report(BAD_POLICY, path, f"`{path[-1]}` is a list of names")
        return None
    return list(value)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"
