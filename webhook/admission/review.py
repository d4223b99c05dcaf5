"""Parse an ``admission.k8s.io/v1`` AdmissionReview into a request object, refusing anything else with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from webhook import wirejson

API_VERSION = "admission.k8s.io/v1"
KIND = "AdmissionReview"
OPERATIONS = ("CREATE", "UPDATE", "DELETE", "CONNECT")
# Kubernetes objects are at most 1.5 MiB in etcd; nesting in real manifests stays far below this.
DEFAULT_MAX_DEPTH = 100
# Kinds are short CamelCase names (a resource's plural must fit a 63-character DNS label); anything longer is not
# a kind, and is refused before a kind matcher or a message ever reads it.
MAX_KIND_CHARS = 253


class ReviewError(ValueError):
    """The body is not an AdmissionReview we can answer; the message says why (sent back with a 400)."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    username: str | None = None
    uid: str | None = None
    groups: tuple[str, ...] = ()
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AdmissionRequest:
    uid: str
    operation: str
    # Group/version/kind of the resource as the API server saw it (``request.kind``).
    group: str
    version: str
    kind: str
    namespace: str | None
    name: str | None
    user: UserInfo
    object: dict[str, Any] | None
    old_object: dict[str, Any] | None
    dry_run: bool = False
    sub_resource: str | None = None

    @property
    def display_name(self) -> str:
        """``metadata.name`` of the object, its ``generateName*``, or the request's name."""
        for obj in (self.object, self.old_object):
            md = obj.get("metadata") if obj else None
            if isinstance(md, dict):
                if isinstance(md.get("name"), str) and md["name"]:
                    return str(md["name"])
                if isinstance(md.get("generateName"), str) and md["generateName"]:
                    return f"{md['generateName']}*"
        return self.name or ""


def parse_body(body: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> AdmissionRequest:
    """Decode a request body (JSON) and parse the AdmissionReview in it."""
    if not body.strip():
        raise ReviewError("empty body; send an AdmissionReview as JSON")
    try:
        data = wirejson.loads(body)
    except UnicodeDecodeError:
        raise ReviewError("body is not UTF-8 JSON") from None
    except wirejson.TooDeep:
        raise ReviewError(f"body nests deeper than {max_depth} levels") from None
    except wirejson.NotJson as exc:
        raise ReviewError(f"body is not JSON: {exc}") from None
    if wirejson.nests_deeper_than(body, max_depth):
        raise ReviewError(f"body nests deeper than {max_depth} levels")
    return parse_review(data)


def parse_review(data: Any) -> AdmissionRequest:
    if not isinstance(data, dict):
        raise ReviewError(f"body is a JSON {_json_type(data)}, not an AdmissionReview object")
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if kind != KIND:
        raise ReviewError(f"kind is {_show(kind)}; only {KIND} ({API_VERSION}) is supported")
    if api_version != API_VERSION:
        raise ReviewError(f"apiVersion {_show(api_version)} is not supported; send {API_VERSION} "
                          f"(admissionReviewVersions: [v1])")
    request = data.get("request")
    if not isinstance(request, dict):
        raise ReviewError("request is missing or not an object")
    uid = request.get("uid")
    if not isinstance(uid, str) or not uid:
        raise ReviewError("request.uid is missing or not a string")
    operation = request.get("operation")
    if operation not in OPERATIONS:
        raise ReviewError(f"request.operation is {_show(operation)}; expected one of {', '.join(OPERATIONS)}")
    gvk = request.get("kind")
    if not isinstance(gvk, dict) or not isinstance(gvk.get("kind"), str):
        raise ReviewError("request.kind must be an object with group, version and kind")
    if len(gvk["kind"]) > MAX_KIND_CHARS:
        raise ReviewError(f"request.kind.kind is {len(gvk['kind'])} characters long; a kind is a short name")
    obj = _optional_object(request, "object")
    old = _optional_object(request, "oldObject")
    _same_kind(gvk["kind"], obj, "object")
    _same_kind(gvk["kind"], old, "oldObject")
    if operation in ("CREATE", "UPDATE") and obj is None:
        raise ReviewError(f"request.object is missing; a {operation} review carries the object")
    if operation == "UPDATE" and old is None:
        raise ReviewError("request.oldObject is missing; an UPDATE review carries the old object")
    dry_run = request.get("dryRun", False)
    if not isinstance(dry_run, bool | None):
        raise ReviewError("request.dryRun must be true or false")
    return AdmissionRequest(
        uid=uid,
        operation=operation,
        group=_str(gvk.get("group")) or "",
        version=_str(gvk.get("version")) or "",
        kind=gvk["kind"],
        namespace=_str(request.get("namespace")) or None,
        name=_str(request.get("name")) or None,
        user=_user_info(request.get("userInfo")),
        object=obj,
        old_object=old,
        dry_run=bool(dry_run),
        sub_resource=_str(request.get("subResource")) or None,
    )


def _same_kind(kind: str, obj: dict[str, Any] | None, key: str) -> None:
    """The API server fills in ``kind`` of both objects and names the same kind in ``request.kind``.

    A review where they differ was not written by an API server: it is refused with a 400 rather than judged,
    since judging it by one kind and admitting it under another would let an object through unchecked.
    """
    if obj is None:
        return
    own = obj.get("kind")
    if own != kind:
        raise ReviewError(f"request.{key}.kind is {_show(own)} but request.kind.kind is {_show(kind)}; "
                          f"an AdmissionReview's kinds agree")


def _optional_object(request: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = request.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ReviewError(f"request.{key} is a JSON {_json_type(value)}, not an object")
    return value


def _user_info(value: Any) -> UserInfo:
    if not isinstance(value, dict):
        return UserInfo()
    groups = value.get("groups")
    extra = value.get("extra")
    return UserInfo(
        username=_str(value.get("username")),
        uid=_str(value.get("uid")),
        groups=tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else (),
        extra={
            str(k): tuple(x for x in v if isinstance(x, str))
            for k, v in extra.items() if isinstance(v, list)
        } if isinstance(extra, dict) else {},
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _show(value: Any) -> str:
    """A value from the request for a message: short, and never more than a short string."""
    if isinstance(value, str):
        return repr(value[:60] + ("…" if len(value) > 60 else ""))
    return "missing" if value is None else f"a {_json_type(value)}"
