"""How manifests name secrets: the seed dialect's ``{{=lookup 'secret' 'NAME' 'KEY'}}`` and upstream's secretKeyRef.

``find_secret_references`` lists every place a manifest names a secret, with the
JSON path (and, inside a string, the character span) of the name and the key:
what HTTP templates *send* (header ``valueFrom.secretKeyRef``, lookup tags in a
header value, the url or the body) and what pods *use* (env ``secretKeyRef``,
``envFrom.secretRef``, secret and projected volumes, image pull secrets,
artifact credentials). Lookup tags are found with the template parser; only the
expr-lang text inside one ``{{=...}}`` tag is scanned for ``lookup`` calls.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from webhook.diagnostics import JsonPath
from webhook.spec.http import shared_http_templates
from webhook.templating import Expression, TemplateSyntaxError, parse_template
from webhook.text_cache import short_text_cache

if TYPE_CHECKING:
    from webhook.manifest import Manifest

# One ``lookup 'secret' 'NAME' 'KEY'`` call inside expr-lang text; quotes single or double, each pair matched.
_LOOKUP_CALL = re.compile(
    r"""(?<![\w.])lookup\s+(['"])secret\1\s+(['"])(?P<name>[^'"]*)\2\s+(['"])(?P<key>[^'"]*)\4"""
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
    if not isinstance(value, str) or not value.startswith("{{="):
        return None
    calls = lookup_calls(value)
    if len(calls) != 1:
        return None
    call = calls[0]
    # The tag must be the whole value and hold nothing but the one call.
    if call.tag != (0, len(value)) or value[call.tag[0] + 3 : call.tag[1] - 2].strip() != call.text:
        return None
    return call.ref if call.valid else None


def valid_secret_name(name: str) -> bool:
    return len(name) <= 253 and _SECRET_NAME.fullmatch(name) is not None


def valid_secret_key(key: str) -> bool:
    return len(key) <= 253 and _SECRET_KEY.fullmatch(key) is not None


@dataclass(frozen=True, slots=True)
class LookupCall:
    """One ``lookup 'secret' 'NAME' 'KEY'`` inside a string; spans are offsets in that string."""

    ref: SecretKeyRef
    name_span: tuple[int, int]
    key_span: tuple[int, int]
    # The whole ``{{=...}}`` tag it stands in, and the call's own text.
    tag: tuple[int, int]
    text: str
    # Whether Kubernetes would accept the name and the key: decided once, when the text is scanned (the calls
    # of a text are remembered), rather than with two regex matches on every read.
    valid: bool


def lookup_calls(text: str) -> list[LookupCall]:
    """Every secret lookup in the expression tags of ``text`` (a string with an unclosed tag has none)."""
    if "lookup" not in text or "{{=" not in text:
        return []
    return list(_lookup_calls(text))


# Header values and urls are short and the same in every object made from one manifest.
@short_text_cache(maxsize=1024, longest=2048)
def _lookup_calls(text: str) -> tuple[LookupCall, ...]:
    try:
        pieces = parse_template(text)
    except TemplateSyntaxError:
        return ()  # the reference rule reports the unclosed tag
    out: list[LookupCall] = []
    for piece in pieces:
        if not isinstance(piece, Expression):
            continue
        for m in _LOOKUP_CALL.finditer(piece.source):
            base = piece.body_start
            name, key = m["name"], m["key"]
            out.append(LookupCall(
                SecretKeyRef(name, key),
                (base + m.start("name"), base + m.end("name")),
                (base + m.start("key"), base + m.end("key")),
                (piece.start, piece.end),
                m[0],
                valid_secret_name(name) and valid_secret_key(key),
            ))
    return tuple(out)


class SecretUse(enum.StrEnum):
    """How a manifest uses a secret. HTTP templates send it; pods read it."""

    HEADER = "header secretKeyRef"
    LOOKUP = "lookup"
    ENV = "env"
    ENV_FROM = "envFrom"
    VOLUME = "volume"
    IMAGE_PULL = "imagePullSecrets"
    ARTIFACT = "artifact credentials"

    @property
    def sent(self) -> bool:
        """The value leaves the cluster in an HTTP request to a url the manifest chooses."""
        return self in (SecretUse.HEADER, SecretUse.LOOKUP)


@dataclass(frozen=True, slots=True)
class SecretReference:
    name: str
    # None: the whole secret (envFrom, a volume without items, an image pull secret).
    key: str | None
    use: SecretUse
    # Where the name and the key are written; a span is set when they sit inside a longer string.
    name_at: JsonPath
    key_at: JsonPath | None = None
    name_span: tuple[int, int] | None = None
    key_span: tuple[int, int] | None = None
    # Name of the (top-level) template that holds it, and what in it: "header 'Authorization'", "url", "env".
    template: str | None = None
    where: str = ""
    optional: bool = False
    # False for a lookup whose name or key Kubernetes would refuse (reported, never looked up).
    valid: bool = True

    @property
    def sent(self) -> bool:
        return self.use.sent

    @property
    def label(self) -> str:
        """``template 'http-get' header 'Authorization'`` (for messages)."""
        parts = [f"template '{self.template}'" if self.template else "", self.where]
        return " ".join(p for p in parts if p) or "the workflow"


def find_secret_references(manifest: Manifest) -> list[SecretReference]:
    """Every secret the manifest names: what HTTP templates send first, then what pods read."""
    sent = list(_sent_references(manifest))
    seen = {r.name_at for r in sent}
    return sent + [r for r in _pod_references(manifest) if r.name_at not in seen]


def _sent_references(manifest: Manifest) -> Iterator[SecretReference]:
    for at, path, http in shared_http_templates(manifest):
        yield from http_sends(http, path, at.name)


def http_sends(http: dict[str, Any], path: JsonPath, template: str | None) -> Iterator[SecretReference]:
    """The secrets one HTTP template's fields (at ``path``) send: header secretKeyRef, lookups in headers, url, body."""
    headers = http.get("headers")
    for i, header in enumerate(headers if isinstance(headers, list) else ()):
        if not isinstance(header, dict):
            continue
        value_from = header.get("valueFrom")
        ref = value_from.get("secretKeyRef") if isinstance(value_from, dict) else None
        if not (isinstance(ref, dict) and isinstance(ref.get("name"), str) and isinstance(ref.get("key"), str)):
            ref = None
        value = header.get("value")
        calls = lookup_calls(value) if isinstance(value, str) else []
        if ref is None and not calls:
            continue  # most headers name no secret: their path and title are not needed
        hpath = (*path, "headers", i)
        title = f"header '{header['name']}'" if isinstance(header.get("name"), str) else f"header #{i + 1}"
        if ref is not None:
            rpath = (*hpath, "valueFrom", "secretKeyRef")
            yield SecretReference(ref["name"], ref["key"], SecretUse.HEADER, (*rpath, "name"), (*rpath, "key"),
                                  template=template, where=title, optional=ref.get("optional") is True)
        yield from _lookups(calls, (*hpath, "value"), template, title)
    for field in ("url", "body"):
        value = http.get(field)
        if isinstance(value, str):
            yield from _lookups(lookup_calls(value), (*path, field), template, field)


def _lookups(calls: list[LookupCall], path: JsonPath, template: str | None, where: str) -> Iterator[SecretReference]:
    for call in calls:
        yield SecretReference(call.ref.name, call.ref.key, SecretUse.LOOKUP, path, path, call.name_span,
                              call.key_span, template=template, where=where, valid=call.valid)


def _pod_references(manifest: Manifest) -> Iterator[SecretReference]:
    """Secrets named by pods and artifacts anywhere in the workflow spec (one iterative walk).

    Every container of the spec is visited, so a node's place is kept as a link to
    its parent's (``_Link``: one small tuple per container) and its JSON path is
    built only when a field there names a secret. A path tuple per node made the walk
    quadratic in the depth; a shared list of keys cut back and grown on every pop cost
    more than the visit itself.

    The order is the one findings are reported in: a dict's own fields in document
    order, then its containers last to first, a list's items first to last. A list
    names nothing itself, so a dict's list is not pushed: its containers go on the
    stack in its place (the same order, one push and pop fewer for every ``args``,
    ``env`` or ``tasks``).
    """
    spec = manifest.workflow_spec
    base = manifest.spec_path
    templates = spec.get("templates")
    stack: list[tuple[dict[str, Any] | list[Any], _Link]] = [(spec, None)]
    while stack:
        node, link = stack.pop()
        if isinstance(node, dict):
            for field, value in node.items():
                # Other plugins' templates are free-form; ours are read as HTTP templates above.
                if isinstance(value, dict):
                    if field != "plugin":
                        stack.append((value, (field, link)))
                elif isinstance(value, list):
                    if field != "plugin":
                        _push_items(stack, value, (field, link))
                else:
                    continue
                if field in _POD_FIELDS or field.endswith("Secret"):
                    trail = _trail(link)
                    yield from _pod_reference(field, value, (*base, *trail, field), _template_name(templates, trail))
        else:
            _push_items(stack, node, link)


def _push_items(stack: list[tuple[dict[str, Any] | list[Any], _Link]], items: list[Any], link: _Link) -> None:
    """Push the containers among ``items`` (the list at ``link``) so that they come off the stack first to last."""
    i = len(items)
    for item in reversed(items):
        i -= 1
        if isinstance(item, _CONTAINERS):
            stack.append((item, (i, link)))


# Where a container sits below the spec: (its key in its parent, the parent's link); None for the spec itself.
_Link = tuple[str | int, "_Link"] | None


def _trail(link: _Link) -> list[str | int]:
    """The keys from the spec down to the container ``link`` stands for."""
    trail: list[str | int] = []
    while link is not None:
        key, link = link
        trail.append(key)
    trail.reverse()
    return trail


_CONTAINERS = (dict, list)
# Fields whose value names secrets (besides Argo's ``…Secret`` SecretKeySelector fields).
_POD_FIELDS = frozenset({"imagePullSecrets", "env", "envFrom", "secret"})


def _pod_reference(field: str, value: Any, at: JsonPath, template: str | None) -> Iterator[SecretReference]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield from _list_item_reference(field, item, (*at, i), template)
        return
    if not isinstance(value, dict):
        return
    name, key = value.get("name"), value.get("key")
    if field == "secret":
        # A volume (`secret: {secretName}`) or a projected volume's source (`secret: {name}`).
        name_field = "secretName" if "secretName" in value else "name"
        secret = value.get(name_field)
        if isinstance(secret, str):
            yield from _volume_items(secret, value, (*at, name_field), at, template, value.get("optional") is True)
    elif field.endswith("Secret") and isinstance(name, str) and isinstance(key, str):
        # Argo's SecretKeySelector fields: s3.accessKeySecret, git.passwordSecret, http auth, gcs, azure…
        yield SecretReference(name, key, SecretUse.ARTIFACT, (*at, "name"), (*at, "key"), template=template,
                              where=field, optional=value.get("optional") is True)


def _list_item_reference(field: str, item: dict[str, Any], at: JsonPath,
                         template: str | None) -> Iterator[SecretReference]:
    if field == "imagePullSecrets" and isinstance(item.get("name"), str):
        yield SecretReference(item["name"], None, SecretUse.IMAGE_PULL, (*at, "name"), template=template,
                              where="imagePullSecrets")
    elif field == "env":
        value_from = item.get("valueFrom")
        ref = value_from.get("secretKeyRef") if isinstance(value_from, dict) else None
        if isinstance(ref, dict) and isinstance(ref.get("name"), str) and isinstance(ref.get("key"), str):
            rpath = (*at, "valueFrom", "secretKeyRef")
            var = f"env '{item['name']}'" if isinstance(item.get("name"), str) else "env"
            yield SecretReference(ref["name"], ref["key"], SecretUse.ENV, (*rpath, "name"), (*rpath, "key"),
                                  template=template, where=var, optional=ref.get("optional") is True)
    elif field == "envFrom":
        ref = item.get("secretRef")
        if isinstance(ref, dict) and isinstance(ref.get("name"), str):
            yield SecretReference(ref["name"], None, SecretUse.ENV_FROM, (*at, "secretRef", "name"),
                                  template=template, where="envFrom", optional=ref.get("optional") is True)


def _volume_items(secret: str, volume: dict[str, Any], name_at: JsonPath, at: JsonPath, template: str | None,
                  optional: bool) -> Iterator[SecretReference]:
    items = volume.get("items")
    keyed = [(i, item["key"]) for i, item in enumerate(items if isinstance(items, list) else ())
             if isinstance(item, dict) and isinstance(item.get("key"), str)]
    if not keyed:
        yield SecretReference(secret, None, SecretUse.VOLUME, name_at, template=template, where="volume",
                              optional=optional)
    for i, key in keyed:
        yield SecretReference(secret, key, SecretUse.VOLUME, name_at, (*at, "items", i, "key"), template=template,
                              where="volume", optional=optional)


def _template_name(templates: Any, trail: list[str | int]) -> str | None:
    """The name of the top-level template a node below the spec (``trail``: its keys there) sits in."""
    if len(trail) > 1 and trail[0] == "templates" and isinstance(templates, list):
        index = trail[1]
        if isinstance(index, int) and index < len(templates) and isinstance(templates[index], dict):
            name = templates[index].get("name")
            return name if isinstance(name, str) else None
    return None
