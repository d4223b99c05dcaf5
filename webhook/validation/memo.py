"""Memoised validation: ``validate`` is a pure function of (manifest, context), so equal inputs share one answer.

A server sees the same object again and again: CronWorkflows create Workflows
with one spec, GitOps tools re-apply unchanged manifests, the API server retries
a review. The key is a digest of the whole object (canonical JSON) and of the
context's ``cache_key``, which the context's provider derives from everything it
knows (a context without one is never memoised).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from webhook import wirejson
from webhook.diagnostics import Diagnostic
from webhook.manifest import Manifest
from webhook.validation import validate
from webhook.validation.context import ValidationContext


def manifest_digest(manifest: Manifest) -> bytes:
    canonical = wirejson.canonical([manifest.kind, manifest.default_namespace, manifest.data])
    return hashlib.blake2b(canonical, digest_size=20).digest()


class ValidationMemo:
    """A bounded LRU of diagnostics by (object digest, context key)."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[bytes, str], tuple[Diagnostic, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def validate(self, manifest: Manifest, context: ValidationContext) -> list[Diagnostic]:
        if context.cache_key is None or manifest.positions is not None or self.max_entries <= 0:
            return validate(manifest, context)
        key = (manifest_digest(manifest), context.cache_key)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return list(found)
            self.misses += 1
        diagnostics = validate(manifest, context)
        with self._lock:
            self._entries[key] = tuple(diagnostics)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return diagnostics
