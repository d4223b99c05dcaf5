"""Memoised validation: ``validate`` is a pure function of (manifest, context), so equal inputs share one answer.

A server sees the same object again and again: CronWorkflows create Workflows
with one spec, GitOps tools re-apply unchanged manifests, the API server retries
a review. The key is a digest of the whole object (canonical JSON) and of the
context's ``cache_key``, which the context's provider derives from everything it
knows (a context without one is never memoised). What a caller concludes from
the diagnostics (an admission verdict) is kept with them, so a hit costs one
digest and one dictionary lookup.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from webhook import wirejson
from webhook.diagnostics import Diagnostic
from webhook.manifest import Manifest
from webhook.validation import validate
from webhook.validation.context import ValidationContext

_T = TypeVar("_T")
Conclude = Callable[[Manifest, Sequence[Diagnostic]], _T]


class Refine(Protocol):
    """A last stage over the diagnostics (the policy, ``webhook.policy``): pure, and named by ``key``."""

    @property
    def key(self) -> str: ...

    def __call__(self, manifest: Manifest, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]: ...


def manifest_digest(manifest: Manifest) -> bytes:
    canonical = wirejson.canonical([manifest.kind, manifest.default_namespace, manifest.data])
    return hashlib.blake2b(canonical, digest_size=20).digest()


class _Entry:
    __slots__ = ("conclusions", "diagnostics")

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        self.diagnostics = diagnostics
        # conclude function -> its result for these diagnostics (a pure function of manifest and diagnostics).
        self.conclusions: dict[Callable[..., Any], Any] = {}


class ValidationMemo:
    """A bounded LRU of diagnostics (and conclusions drawn from them) by (object digest, context key)."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[bytes, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def validate(self, manifest: Manifest, context: ValidationContext) -> list[Diagnostic]:
        return list(self.conclude(manifest, context, _diagnostics))

    def conclude(self, manifest: Manifest, context: ValidationContext, conclude: Conclude[_T],
                 refine: Refine | None = None) -> _T:
        """``conclude(manifest, refine(manifest, validate(manifest, context)))``, both remembered for equal inputs.

        ``conclude`` must be a pure function of its arguments (and a module-level
        function, as it is part of the key); ``refine``'s key is part of the key.
        """
        if context.cache_key is None or manifest.positions is not None or self.max_entries <= 0:
            return conclude(manifest, refined(manifest, context, refine))
        key = (manifest_digest(manifest), context.cache_key if refine is None else f"{context.cache_key}|{refine.key}")
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                if conclude in entry.conclusions:
                    return entry.conclusions[conclude]  # type: ignore[no-any-return]
            else:
                self.misses += 1
        if entry is None:
            entry = _Entry(tuple(refined(manifest, context, refine)))
            with self._lock:
                self._entries[key] = entry
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        result = conclude(manifest, entry.diagnostics)
        with self._lock:
            entry.conclusions[conclude] = result
        return result


def refined(manifest: Manifest, context: ValidationContext, refine: Refine | None) -> list[Diagnostic]:
    diagnostics = validate(manifest, context)
    return diagnostics if refine is None else refine(manifest, diagnostics)


def _diagnostics(manifest: Manifest, diagnostics: Sequence[Diagnostic]) -> Sequence[Diagnostic]:
    return diagnostics
