"""Secrets from a file of Secret manifests (``--secrets FILE``): only key names are kept."""

from __future__ import annotations

from dataclasses import dataclass, field

from webhook.loading import load_path
from webhook.validation.context import MISSING, Lookup, found


class SecretFileError(Exception):
    pass


@dataclass(slots=True)
class FileSecrets:
    path: str
    # (namespace or None, name) → key names. Values are never stored.
    keys: dict[tuple[str | None, str], frozenset[str]] = field(default_factory=dict)

    @property
    def description(self) -> str:
        return self.path

    @classmethod
    def from_path(cls, path: str) -> FileSecrets:
        source = load_path(path)
        if source.diagnostics and not source.documents:
            d = source.diagnostics[0]
            where = f":{d.line}:{d.column}" if d.line else ""
            raise SecretFileError(f"{d.message}{where}")
        store = cls(path)
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
        ns = md.get("namespace") if isinstance(md.get("namespace"), str) else None
        names: set[str] = set()
        for section in ("data", "stringData"):
            part = obj.get(section)
            if isinstance(part, dict):
                names.update(str(k) for k in part)
        keys = frozenset(names)
        self.keys[(ns, md["name"])] = keys
        if ns is not None:
            # A file without namespaces is common offline; also answer namespace-free lookups.
            self.keys.setdefault((None, md["name"]), keys)

    def secret_keys(self, namespace: str | None, name: str) -> Lookup:
        keys = self.keys.get((namespace, name))
        if keys is None:
            keys = self.keys.get((None, name))
        return found(keys) if keys is not None else MISSING
