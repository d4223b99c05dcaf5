"""A loaded organisation policy: what it matches, the node kind it runs for, its compiled assertion."""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from webhook.diagnostics import Severity

if TYPE_CHECKING:
    from webhook.conditions.evaluator import CompiledCondition

NODE_KINDS = ("object", "template", "step", "task", "http", "container")


@dataclass(frozen=True, slots=True)
class SelectorTerm:
    """One ``matchExpressions`` entry of a Kubernetes label selector."""

    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.operator == "Exists":
            return value is not None
        if self.operator == "DoesNotExist":
            return value is None
        if self.operator == "In":
            return value is not None and value in self.values
        return value is None or value not in self.values


@dataclass(frozen=True, slots=True)
class Match:
    """Which objects a policy judges; every part left empty matches everything."""

    kinds: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()  # names or shell-style globs (team-*)
    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[SelectorTerm, ...] = ()

    def matches(self, kind: str, namespace: str | None, labels: Mapping[str, Any]) -> bool:
        if self.kinds and kind not in self.kinds:
            return False
        if self.namespaces and not any(fnmatch.fnmatchcase(namespace or "", p) for p in self.namespaces):
            return False
        text_labels = {str(k): str(v) for k, v in labels.items()} if (self.match_labels or self.match_expressions) \
            else {}
        if any(text_labels.get(k) != v for k, v in self.match_labels):
            return False
        return all(term.matches(text_labels) for term in self.match_expressions)


@lru_cache(maxsize=4096)
def compiled(text: str) -> CompiledCondition:
    """``text`` compiled for evaluation (fused fast paths), once per process.

    Policies keep only their text, so a policy set can be sent to a worker process
    and compiled there on first use; the loader has already compiled each text once,
    so this cannot fail for a loaded policy.
    """
    from webhook.conditions.evaluator import compile_node
    from webhook.conditions.parser import parse

    return compile_node(text, parse(text), fuse=True)


@dataclass(frozen=True, slots=True)
class MessagePart:
    """A piece of a policy's message: text as written, or a ``{{ expression }}`` evaluated on the node."""

    text: str
    expression: bool = False

    @property
    def compiled(self) -> CompiledCondition | None:
        return compiled(self.text) if self.expression else None


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    message: tuple[MessagePart, ...]
    severity: Severity
    match: Match
    node: str  # one of NODE_KINDS: what `assert` runs for
    assertion: str
    source: str = ""  # file:line, for messages about the policy itself
    description: str | None = None

    @property
    def compiled(self) -> CompiledCondition:
        return compiled(self.assertion)

    @property
    def raw_message(self) -> str:
        return "".join("{{" + p.text + "}}" if p.expression else p.text for p in self.message)


@dataclass(frozen=True, slots=True)
class PolicySet:
    policies: tuple[Policy, ...] = ()
    digest: str = ""

    @classmethod
    def of(cls, policies: tuple[Policy, ...]) -> PolicySet:
        h = hashlib.blake2b(digest_size=12)
        for p in policies:
            for part in (p.id, p.raw_message, str(p.severity), repr(p.match), p.node, p.assertion):
                h.update(part.encode())
                h.update(b"\0")
        return cls(policies, h.hexdigest())

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.policies)

    def severity_of(self, policy_id: str) -> Severity | None:
        for p in self.policies:
            if p.id == policy_id:
                return p.severity
        return None

    def __add__(self, other: PolicySet) -> PolicySet:
        """Both sets; ValueError names an id that both define."""
        if not other:
            return self
        both = self.ids & other.ids
        if both:
            raise ValueError(f"policy id {min(both)} is defined twice")
        return PolicySet.of((*self.policies, *other.policies))

    def __bool__(self) -> bool:
        return bool(self.policies)


EMPTY = PolicySet()
