"""How manifests name secrets: the seed dialect's ``{{=lookup 'secret' 'NAME' 'KEY'}}`` and upstream's secretKeyRef."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# The whole value is one lookup tag; quotes may be single or double (each pair matched), spaces optional.
_LOOKUP_TAG = re.compile(
    r"""\{\{=\s*lookup\s+(['"])secret\1\s+(['"])(?P<name>[^'"]+)\2\s+(['"])(?P<key>[^'"]+)\4\s*\}\}"""
)
# Secret names are DNS subdomains; data keys are [-._a-zA-Z0-9]+ (Kubernetes' own rules).
_SECRET_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")


@dataclass(frozen=True, slots=True)
class SecretKeyRef:
    name: str
    key: str

    def to_value_from(self) -> dict[str, Any]:
        """The ``valueFrom`` of an upstream HTTP header that reads this key."""
        return {"secretKeyRef": {"name": self.name, "key": self.key}}


def parse_secret_lookup(value: Any) -> SecretKeyRef | None:
    """The secret key a value reads when the whole value is exactly one lookup tag, else None.

    Only well-formed names and keys count: a tag whose name or key Kubernetes would
    refuse is left as text, so the validator reports it instead of a rewrite hiding it.
    """
    if not isinstance(value, str):
        return None
    match = _LOOKUP_TAG.fullmatch(value)
    if match is None:
        return None
    name, key = match["name"], match["key"]
    if len(name) > 253 or not _SECRET_NAME.fullmatch(name) or not _SECRET_KEY.fullmatch(key):
        return None
    return SecretKeyRef(name, key)
