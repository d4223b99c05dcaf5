"""Secrets from a file of Secret manifests (``--secrets FILE``): only key names are kept.

Namespaces as the cluster would have them: a Secret with ``metadata.namespace`` is in that
namespace only, so it satisfies workflows of that namespace and no other. A manifest without
``metadata.namespace`` (Secret or workflow) lands where it is applied: in lint's
``--namespace`` when one is given (both sides get it), else in "wherever it is applied",
which is taken to be the same place for every such manifest of the run. So an unnamespaced
Secret satisfies every workflow; an unnamespaced workflow, whose namespace is unknown, is
satisfied by a Secret of that name in any namespace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from webhook.loading import load_path
from webhook.spec.lookups import MISSING, Lookup, LookupState, found


class SecretFileError(Exception):
    pass


@dataclass(slots=True)
class FileSecrets:
    path: str
    # (namespace or None, name) → key names. Values are never stored.
    keys: dict[tuple[str | None, str], frozenset[str]] = field(default_factory=dict)
    # name → the namespaces that have a Secret of that name (None: applied wherever the run is).
    namespaces: dict[str, list[str | None]] = field(default_factory=dict)
    # The namespace of a Secret that names none (lint --namespace), else None.
    default_namespace: str | None = None

    @property
    def description(self) -> str:
        return self.path

    @classmethod
    def from_path(cls, path: str, namespace: str | None = None) -> FileSecrets:
        source = load_path(path)
        if source.diagnostics and not source.documents:
            d = source.diagnostics[0]
            where = f":{d.line}:{d.column}" if d.line else ""
            raise SecretFileError(f"{d.message}{where}")
        store = cls(path, default_namespace=namespace)
        for doc in source.documents:
            data = doc.data
            if isinstance(data, dict) and data.get("kind") == "List" and isinstance(data.get("items"), list):
                items = data["items"]
            else:
                items = [data]
            for item in items:
                store._add(item)
        return store

    def _add(self, obj: object) -> None:
        if not isinstance(obj, dict) or obj.get("kind") != "Secret":
            return
        md = obj.get("metadata")
        if not isinstance(md, dict) or not isinstance(md.get("name"), str):
            return
        ns = md.get("namespace") if isinstance(md.get("namespace"), str) and md["namespace"] else None
        ns = ns or self.default_namespace
        names: set[str] = set()
        for section in ("data", "stringData"):
            part = obj.get(section)
            if isinstance(part, dict):
                names.update(str(k) for k in part)
        name = md["name"]
        if (ns, name) not in self.keys:
            self.namespaces.setdefault(name, []).append(ns)
        self.keys[(ns, name)] = frozenset(names)

    def secret_keys(self, namespace: str | None, name: str) -> Lookup:
        keys = self.keys.get((namespace, name))
        if keys is None:
            # An unnamespaced Secret is applied beside the workflows.
            keys = self.keys.get((None, name))
        if keys is None and namespace is None:
            # A workflow whose namespace is unknown: a Secret of that name anywhere may be the one.
            found_in = self.namespaces.get(name, [])
            if found_in:
                keys = frozenset().union(*(self.keys[(ns, name)] for ns in found_in))
        if keys is not None:
            return found(keys)
        elsewhere = sorted(ns for ns in self.namespaces.get(name, []) if ns is not None)
        if elsewhere:
            return Lookup(LookupState.MISSING, reason=f"{self.path} has it only in namespace "
                          f"{', '.join(repr(ns) for ns in elsewhere)}")
        return MISSING
