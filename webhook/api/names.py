"""What the REST API's paths and objects are called: Argo's prefix and group, and names as Kubernetes checks them.

A namespace is a DNS-1123 label and an object's name a DNS-1123 subdomain; both are refused here, before
anything looks them up, with the message the Kubernetes API server's rule would give.
"""

from __future__ import annotations

import re
from typing import TypeGuard

from aiohttp import web

from webhook.api.backend import Object
from webhook.api.errors import ApiError, Code

V1 = "/api/v1"
GROUP, VERSION = "argoproj.io", "v1alpha1"
# DNS-1123: a namespace is a label, a name a subdomain.
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


def is_object_name(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _NAME.match(value) is not None


def check_path(request: web.Request) -> None:
    """Refuse malformed namespaces and names in the path before anything else looks at them."""
    namespace, name = request.match_info.get("namespace"), request.match_info.get("name")
    if namespace is not None and not _NAMESPACE.match(namespace):
        raise ApiError(Code.INVALID_ARGUMENT, f"namespace {namespace[:80]!r} is not a valid namespace name "
                                              "(lower-case letters, digits and '-', at most 63)")
    if name is not None and not _NAME.match(name):
        raise ApiError(Code.INVALID_ARGUMENT, f"name {name[:80]!r} is not a valid object name "
                                              "(lower-case letters, digits, '-' and '.', at most 253)")


def check_new_name(obj: Object) -> None:
    """What the Kubernetes API server would refuse: a name that is not DNS-1123, or none at all."""
    metadata = obj.get("metadata") or {}
    name, prefix = metadata.get("name"), metadata.get("generateName")
    if name not in (None, ""):
        if not isinstance(name, str) or not _NAME.match(name):
            raise ApiError(Code.INVALID_ARGUMENT, f"metadata.name {str(name)[:80]!r} is not a valid object name "
                                                  "(lower-case letters, digits, '-' and '.', at most 253)")
        return
    if prefix in (None, ""):
        raise ApiError(Code.INVALID_ARGUMENT, "metadata.name or metadata.generateName is required")
    # generateName gets five more characters, so the prefix may end in '-' or '.' but must leave room for them.
    if not isinstance(prefix, str) or len(prefix) > 248 or not _NAME.match(prefix + "x"):
        raise ApiError(Code.INVALID_ARGUMENT, f"metadata.generateName {str(prefix)[:80]!r} is not a valid name "
                                              "prefix (lower-case letters, digits, '-' and '.', at most 248)")
