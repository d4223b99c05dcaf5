"""Argo's ``fields`` query parameter: keep only the listed JSON paths, or (with a leading ``-``) drop them.

``fields=items.metadata.name,items.status.phase`` keeps those paths (a path
keeps everything below it; through an array it applies to every element, and
what is left empty disappears). ``fields=-items.status.nodes`` leaves the
listed paths out and keeps the rest: the cheap way to list workflows without
their (large) node maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from webhook.api.errors import ApiError, Code

MAX_FIELDS_CHARS = 4096
MAX_PATHS = 200


@dataclass(slots=True)
class _Trie:
    children: dict[str, _Trie] = field(default_factory=dict)
    # A listed path ends here.
    leaf: bool = False


@dataclass(frozen=True, slots=True)
class Fields:
    exclude: bool
    paths: _Trie

    @classmethod
    def parse(cls, text: str | None) -> Fields | None:
        """None when nothing is asked for (the whole object is sent)."""
        if text is None or not text.strip():
            return None
        if len(text) > MAX_FIELDS_CHARS:
            raise ApiError(Code.INVALID_ARGUMENT, f"fields is longer than {MAX_FIELDS_CHARS} characters")
        text = text.strip()
        exclude = text.startswith("-")
        parts = [p.strip() for p in (text[1:] if exclude else text).split(",") if p.strip()]
        if len(parts) > MAX_PATHS:
            raise ApiError(Code.INVALID_ARGUMENT, f"fields names more than {MAX_PATHS} paths")
        root = _Trie()
        for part in parts:
            keys = part.lstrip("-").split(".")
            if any(not key for key in keys):
                raise ApiError(Code.INVALID_ARGUMENT, f"fields: {part[:80]!r} is not a dotted path such as "
                                                      "'items.status.phase'")
            node = root
            for key in keys:
                node = node.children.setdefault(key, _Trie())
            node.leaf = True
        if not root.children:
            return None
        return cls(exclude, root)

    def apply(self, data: Any) -> Any:
        if self.exclude:
            return _without(data, self.paths)
        kept = _only(data, self.paths)
        return kept if kept is not _DROP else {}


_DROP = object()


def _only(value: Any, trie: _Trie) -> Any:
    if trie.leaf:
        return value
    if isinstance(value, list):
        kept_items = [kept for item in value if (kept := _only(item, trie)) is not _DROP]
        return kept_items if kept_items else _DROP
    if isinstance(value, dict):
        out = {key: kept for key, child in trie.children.items()
               if key in value and (kept := _only(value[key], child)) is not _DROP}
        return out if out else _DROP
    return _DROP  # a scalar where the path asked for something below it


def _without(value: Any, trie: _Trie) -> Any:
    if isinstance(value, list):
        return [_without(item, trie) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        child = trie.children.get(key)
        if child is None:
            out[key] = item
        elif not child.leaf:
            out[key] = _without(item, child)
    return out
