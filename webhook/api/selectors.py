"""Kubernetes label selectors (``a=b,c!=d,e in (f,g),h,!i``) and the field selectors Argo's list accepts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from webhook.api.errors import ApiError, Code

# A label key: optional DNS prefix and "/", then a name of at most 63 characters.
_KEY = r"(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_REQUIREMENT = re.compile(
    rf"\s*(?:(?P<not>!)\s*(?P<absent>{_KEY})"
    rf"|(?P<key>{_KEY})\s*(?:(?P<op>==|!=|=)\s*(?P<value>{_VALUE})"
    rf"|\s+(?P<set>in|notin)\s*\((?P<values>[^)]*)\))?)\s*(?:,|$)"
)
MAX_SELECTOR = 4096


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!exists"
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.op == "exists":
            return value is not None
        if self.op == "!exists":
            return value is None
        if self.op in ("=", "in"):
            return value is not None and value in self.values
        return value is None or value not in self.values  # "!=" and "notin", as Kubernetes reads them


@dataclass(frozen=True, slots=True)
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> LabelSelector:
        if not text or not text.strip():
            return cls()
        if len(text) > MAX_SELECTOR:
            raise ApiError(Code.INVALID_ARGUMENT, f"label selector is longer than {MAX_SELECTOR} characters")
        out: list[Requirement] = []
        position = 0
        while position < len(text):
            match = _REQUIREMENT.match(text, position)
            if match is None or match.end() == position:
                raise ApiError(Code.INVALID_ARGUMENT,
                               f"unable to parse requirement at position {position + 1} of label selector {text!r}")
            position = match.end()
            if match["absent"]:
                out.append(Requirement(match["absent"], "!exists"))
            elif match["op"]:
                out.append(Requirement(match["key"], "=" if match["op"] in ("=", "==") else "!=",
                                       frozenset([match["value"]])))
            elif match["set"]:
                values = frozenset(v.strip() for v in match["values"].split(",") if v.strip())
                out.append(Requirement(match["key"], match["set"], values))
            else:
                out.append(Requirement(match["key"], "exists"))
        return cls(tuple(out))

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)


@dataclass(frozen=True, slots=True)
class FieldFilter:
    name: str | None = None
    namespace: str | None = None
    phases: tuple[str, ...] = ()


# What Argo's list can filter on besides labels.
_FIELDS = ("metadata.name", "metadata.namespace", "status.phase")


def parse_field_selector(text: str | None) -> FieldFilter:
    if not text or not text.strip():
        return FieldFilter()
    if len(text) > MAX_SELECTOR:
        raise ApiError(Code.INVALID_ARGUMENT, f"field selector is longer than {MAX_SELECTOR} characters")
    found: dict[str, str] = {}
    for part in text.split(","):
        field_name, sep, value = part.partition("==") if "==" in part else part.partition("=")
        field_name = field_name.strip()
        if not sep or "!" in field_name:
            raise ApiError(Code.INVALID_ARGUMENT,
                           f"field selector {part.strip()!r}: write FIELD=VALUE (one of {', '.join(_FIELDS)})")
        if field_name not in _FIELDS:
            raise ApiError(Code.INVALID_ARGUMENT,
                           f"field selector: {field_name!r} is not a field this server filters on "
                           f"(one of {', '.join(_FIELDS)})")
        found[field_name] = value.strip()
    phase = found.get("status.phase")
    return FieldFilter(found.get("metadata.name"), found.get("metadata.namespace"),
                       (phase,) if phase else ())
