"""Secret values for the executor: a small protocol, and a store read from a file of Secret manifests.

Validation only ever needs key names (``files.FileSecrets``); the executor needs
the values to send them. Values live in memory only: no ``repr``, message or
exception of this module contains one, so a value can reach the outside only
through the request it was read for.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any, Protocol

from webhook.loading import load_path
from webhook.secrets.files import SecretFileError


class SecretUnavailable(Exception):
    """A secret or key cannot be read; the message names the secret and key, never a value."""


class SecretValues(Protocol):
    """Where the executor reads secret values from (a file offline; the cluster in a pod)."""

    @property
    def description(self) -> str:
        """Where values come from, for messages ("secrets.yaml", "cluster")."""
        ...

    async def secret_value(self, namespace: str | None, name: str, key: str) -> str:
        """The value of ``key`` in Secret ``name``; raises SecretUnavailable."""
        ...


class NoSecretValues:
    """The store when none is configured: every lookup says how to configure one."""

    description = "no secret store"

    async def secret_value(self, namespace: str | None, name: str, key: str) -> str:
        raise SecretUnavailable(
            f"secret '{name}' (key '{key}') cannot be read: no secret store is configured (use --secrets FILE)"
        )


class FileSecretValues:
    """Values of the Secret manifests in one YAML/JSON file (``data`` base64, ``stringData`` plain)."""

    __slots__ = ("_values", "path")

    def __init__(self, path: str, values: dict[tuple[str | None, str], dict[str, bytes]]) -> None:
        self.path = path
        self._values = values

    def __repr__(self) -> str:
        return f"FileSecretValues({self.path!r}, {len(self._values)} secrets)"

    @property
    def description(self) -> str:
        return self.path

    @classmethod
    def from_path(cls, path: str) -> FileSecretValues:
        source = load_path(path)
        if source.diagnostics and not source.documents:
            d = source.diagnostics[0]
            where = f":{d.line}:{d.column}" if d.line else ""
            raise SecretFileError(f"{d.message}{where}")
        return cls.from_documents(path, (doc.data for doc in source.documents))

    @classmethod
    def from_documents(cls, path: str, documents: Iterable[Any]) -> FileSecretValues:
        values: dict[tuple[str | None, str], dict[str, bytes]] = {}
        for data in documents:
            items = data["items"] if _is_list(data) else [data]
            for item in items:
                entry = _secret_entry(item)
                if entry is None:
                    continue
                namespace, name, keys = entry
                values[(namespace, name)] = keys
                if namespace is not None:
                    # Offline files often carry no namespace: also answer namespace-free lookups.
                    values.setdefault((None, name), keys)
        return cls(path, values)

    async def secret_value(self, namespace: str | None, name: str, key: str) -> str:
        keys = self._values.get((namespace, name))
        if keys is None:
            keys = self._values.get((None, name))
        if keys is None:
            where = f" in namespace '{namespace}'" if namespace else ""
            raise SecretUnavailable(f"secret '{name}'{where} is not in {self.path}")
        if key not in keys:
            raise SecretUnavailable(f"secret '{name}' has no key '{key}' (keys: {', '.join(sorted(keys)) or 'none'})")
        try:
            return keys[key].decode("utf-8")
        except UnicodeDecodeError:
            raise SecretUnavailable(f"secret '{name}' key '{key}' is binary, not UTF-8 text") from None


def _is_list(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") == "List" and isinstance(data.get("items"), list)


def _secret_entry(obj: Any) -> tuple[str | None, str, dict[str, bytes]] | None:
    if not isinstance(obj, dict) or obj.get("kind") != "Secret":
        return None
    md = obj.get("metadata")
    if not isinstance(md, dict) or not isinstance(md.get("name"), str):
        return None
    name: str = md["name"]
    namespace = md.get("namespace") if isinstance(md.get("namespace"), str) else None
    keys: dict[str, bytes] = {}
    data = obj.get("data")
    if isinstance(data, dict):
        for key, encoded in data.items():
            keys[str(key)] = _decode(name, str(key), encoded)
    string_data = obj.get("stringData")
    if isinstance(string_data, dict):
        # As in Kubernetes, stringData wins over data for the same key.
        for key, value in string_data.items():
            if not isinstance(value, str):
                raise SecretFileError(f"secret '{name}': stringData key '{key}' is not a string")
            keys[str(key)] = value.encode("utf-8")
    return namespace, name, keys


def _decode(name: str, key: str, encoded: Any) -> bytes:
    if not isinstance(encoded, str):
        raise SecretFileError(f"secret '{name}': data key '{key}' is not a base64 string")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SecretFileError(f"secret '{name}': data key '{key}' is not valid base64") from None
