"""Memoised validation: ``validate`` is a pure function of (manifest, context), so equal inputs share one answer.

A server sees the same object again and again: CronWorkflows create Workflows
with one spec, GitOps tools re-apply unchanged manifests, the API server retries
a review. The key is a digest of the whole object (canonical JSON) and of the
context's ``cache_key``, which the context's provider derives from everything it
knows (a context without one is never memoised). What a caller concludes from
the diagnostics (an admission verdict) is kept with them, so a hit costs one
digest and one dictionary lookup.

The budget is bytes, not entries: an entry's weight is an estimate of what its
diagnostics and conclusions hold (their strings, plus a fixed cost per object),
so 4,000 denials quoting a 60 KB name cannot take hundreds of MiB as they did
when the memo counted entries. An entry heavier than a sixteenth of the budget
is not kept at all: it would evict everything else for one object.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from webhook import wirejson
from webhook.diagnostics import Diagnostic
from webhook.manifest import Manifest
from webhook.validation import validate
from webhook.validation.context import ValidationContext

_T = TypeVar("_T")
# (digest of the object, context key and refinement key)
Key = tuple[bytes, str]
Conclude = Callable[[Manifest, Sequence[Diagnostic]], _T]


class Refine(Protocol):
    """A last stage over the diagnostics (the policy, ``webhook.policy``): pure, and named by ``key``."""

    @property
    def key(self) -> str: ...

    def __call__(self, manifest: Manifest, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]: ...


def manifest_digest(manifest: Manifest) -> bytes:
    canonical = wirejson.canonical([manifest.kind, manifest.default_namespace, manifest.data])
    return hashlib.blake2b(canonical, digest_size=20).digest()


# Bytes counted for each object an entry holds besides its strings (headers, pointers, the key, dict slots).
OBJECT_BYTES = 64
ENTRY_BYTES = 400
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


# Tuples of types, built once: ``str | bytes`` in an isinstance() call builds a union type every time.
_TEXT = (str, bytes)
_NUMBERS = (int, float)  # bool is an int
_SEQUENCES = (tuple, list)


def weight(value: Any, depth: int = 4) -> int:
    """Roughly the bytes ``value`` holds: its strings and a fixed cost per object, ``depth`` levels down."""
    if isinstance(value, _TEXT):
        return OBJECT_BYTES + len(value)
    if depth <= 0 or value is None or isinstance(value, _NUMBERS):
        return OBJECT_BYTES
    if isinstance(value, _SEQUENCES):
        return OBJECT_BYTES + _weights(value, depth - 1)
    if isinstance(value, dict):
        return OBJECT_BYTES + _weights(value.keys(), depth - 1) + _weights(value.values(), depth - 1)
    names = _field_names(type(value))
    if names:
        return OBJECT_BYTES + _weights([getattr(value, name) for name in names], depth - 1)
    return OBJECT_BYTES


def _weights(values: Iterable[Any], depth: int) -> int:
    """The sum of ``weight(v, depth)``; strings (most of what a verdict holds) counted here, without a call each.

    Every kept verdict is weighed, so a review of a new object paid a call per string of it (20 us a review).
    """
    total = 0
    for v in values:
        total += OBJECT_BYTES + len(v) if type(v) is str else weight(v, depth)
    return total


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    # dataclasses.fields() builds its answer on every call: a third of the cost of weighing a verdict.
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else ()
        if len(_FIELD_NAMES) < 256:
            _FIELD_NAMES[cls] = names
    return names


class _Entry:
    __slots__ = ("bytes", "conclusions", "diagnostics")

    def __init__(self, diagnostics: tuple[Diagnostic, ...] | None) -> None:
        self.diagnostics = diagnostics
        # conclude function -> its result for these diagnostics (a pure function of manifest and diagnostics).
        self.conclusions: dict[Callable[..., Any], Any] = {}
        self.bytes = ENTRY_BYTES + weight(diagnostics)


class ValidationMemo:
    """A bounded LRU of diagnostics (and conclusions drawn from them) by (object digest, context key).

    Bounded by ``max_bytes`` (estimated, see ``weight``) and by ``max_entries``; either at 0 turns it off.
    """

    def __init__(self, max_entries: int = 1 << 20, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
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
        key = self.key(manifest, context, refine)
        if key is None:
            return conclude(manifest, refined(manifest, context, refine))
        found, result = self.recall(key, manifest, conclude)
        if found:
            return result  # type: ignore[return-value]
        diagnostics = tuple(refined(manifest, context, refine))
        result = conclude(manifest, diagnostics)
        self.keep(key, conclude, result, diagnostics)
        return result

    def key(self, manifest: Manifest, context: ValidationContext, refine: Refine | None = None) -> Key | None:
        """The memo's key for these inputs, or None when their results are not kept."""
        if (context.cache_key is None or manifest.positions is not None or self.max_entries <= 0
                or self.max_bytes <= 0):
            return None
        return manifest_digest(manifest), context.cache_key if refine is None else f"{context.cache_key}|{refine.key}"

    def recall(self, key: Key, manifest: Manifest, conclude: Conclude[_T]) -> tuple[bool, _T | None]:
        """(True, what ``conclude`` gave for ``key``) when it is known or can be drawn from kept diagnostics."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or (conclude not in entry.conclusions and entry.diagnostics is None):
                self.misses += 1
                return False, None
            self._entries.move_to_end(key)
            self.hits += 1
            if conclude in entry.conclusions:
                return True, entry.conclusions[conclude]
            diagnostics = entry.diagnostics
        assert diagnostics is not None
        result = conclude(manifest, diagnostics)
        self._add_conclusion(key, entry, conclude, result)
        return True, result

    def keep(self, key: Key, conclude: Conclude[_T], result: _T,
             diagnostics: tuple[Diagnostic, ...] | None = None) -> None:
        """Remember ``result`` of ``conclude`` for ``key``; without ``diagnostics``, other conclusions are misses.

        (A worker process sends back only the verdict: the diagnostics would cost more to carry than to keep.)
        """
        entry = _Entry(diagnostics)
        if entry.bytes <= self.max_bytes // 16:
            with self._lock:
                self._put(key, entry)
        self._add_conclusion(key, entry, conclude, result)

    def _add_conclusion(self, key: Key, entry: _Entry, conclude: Callable[..., Any], result: Any) -> None:
        added = weight(result)
        with self._lock:
            if conclude in entry.conclusions:
                return
            entry.conclusions[conclude] = result
            entry.bytes += added
            if self._entries.get(key) is entry:
                self.bytes += added
                if entry.bytes > self.max_bytes // 16:
                    del self._entries[key]
                    self.bytes -= entry.bytes
                self._evict()

    def _put(self, key: Key, entry: _Entry) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old.bytes
        self._entries[key] = entry
        self.bytes += entry.bytes
        self._evict()

    def _evict(self) -> None:
        while self._entries and (len(self._entries) > self.max_entries or self.bytes > self.max_bytes):
            _key, gone = self._entries.popitem(last=False)
            self.bytes -= gone.bytes


def refined(manifest: Manifest, context: ValidationContext, refine: Refine | None) -> list[Diagnostic]:
    diagnostics = validate(manifest, context)
    return diagnostics if refine is None else refine(manifest, diagnostics)


def _diagnostics(manifest: Manifest, diagnostics: Sequence[Diagnostic]) -> Sequence[Diagnostic]:
    return diagnostics
