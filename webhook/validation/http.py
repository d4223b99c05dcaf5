"""HTTP templates: url, method, headers, body, timeout — and credentials written in plain text.

Codes AW500–AW599 (the successCondition is the condition language's, AW6xx).
Applies to `http:` templates and to argo-warden plugin templates
(`plugin: {argo-warden: {...}}`), which carry the same fields.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from webhook.diagnostics import ARGO_WARDEN_ONLY, Finding, JsonPath, Severity, define
from webhook.manifest import Manifest
from webhook.spec.http import shared_http_templates
from webhook.spec.walk import as_dict, as_list, as_str
from webhook.suggest import did_you_mean
from webhook.templating import has_closed_tag, replace_tags
from webhook.text_cache import short_text_cache
from webhook.validation.context import ValidationContext
from webhook.validation.schema import misspelling

URL_MISSING = define(
    "AW500", Severity.ERROR, "an HTTP template has no url",
    why="An HTTP template without a url has nothing to call.",
    mirrors="the HTTP template's required url (Argo agent)",
)
URL_INVALID = define(
    "AW501", Severity.ERROR, "an HTTP url is malformed",
    why="A malformed url fails when the agent sends the request.",
    mirrors="the Argo agent's request construction (Go net/url)",
)
METHOD_UNKNOWN = define(
    "AW502", Severity.ERROR, "an HTTP method is unknown",
    why="An unknown method is refused by the server, or by the agent.",
    mirrors=ARGO_WARDEN_ONLY,
)
TIMEOUT_INVALID = define(
    "AW503", Severity.ERROR, "timeoutSeconds is not positive",
    why="A timeout that is not positive leaves the request without a bound.",
    mirrors=ARGO_WARDEN_ONLY,
)
BODY_TWICE = define(
    "AW504", Severity.ERROR, "both body and bodyFrom are set",
    why="With both body and bodyFrom, which one is sent is undefined.",
    mirrors=ARGO_WARDEN_ONLY,
)
BODY_IGNORED = define(
    "AW505", Severity.WARNING, "a body is sent with a method that takes none",
    why="Servers ignore, or refuse, a body on GET, HEAD and the like.",
    mirrors=ARGO_WARDEN_ONLY,
)
HEADER_INVALID = define(
    "AW506", Severity.ERROR, "an HTTP header is malformed",
    why="A malformed header is refused when the request is built.",
    mirrors=ARGO_WARDEN_ONLY,
)
TLS_UNVERIFIED = define(
    "AW507", Severity.WARNING, "TLS certificate verification is switched off",
    why="Without certificate verification anyone on the path can read and change the request.",
    mirrors=ARGO_WARDEN_ONLY,
)
PLAIN_CREDENTIAL = define(
    "AW508", Severity.WARNING, "a credential is written in plain text",
    why="A credential written in the manifest is readable by everyone who can read the workflow.",
    mirrors=ARGO_WARDEN_ONLY,
    instead="take it from a Secret: valueFrom.secretKeyRef",
)
URL_CREDENTIAL = define(
    "AW509", Severity.WARNING, "a url carries a password",
    why="A password in the url ends up in logs and node messages.",
    mirrors=ARGO_WARDEN_ONLY,
)
NO_TIMEOUT = define(
    "AW510", Severity.INFO, "an HTTP template has no timeoutSeconds",
    why="Without timeoutSeconds a request to a hung server blocks the step until the workflow's deadline.",
    mirrors=ARGO_WARDEN_ONLY,
)
CONTENT_TYPE_FIELD = define(
    "AW511", Severity.WARNING, "contentType is not an Argo field",
    why="contentType is not read by Argo; the Content-Type header is what is sent.",
    mirrors=ARGO_WARDEN_ONLY,
    instead="set a header: {name: Content-Type, value: application/json}",
)
BODY_FROM_INVALID = define(
    "AW512", Severity.ERROR, "bodyFrom.bytes is not base64",
    why="bodyFrom.bytes is base64; anything else is refused when decoded.",
    mirrors="Argo's HTTP template: bodyFrom.bytes is []byte (base64 in JSON)",
)
HEADER_DUPLICATE = define(
    "AW513", Severity.WARNING, "an HTTP header is set twice",
    why="A header set twice is sent twice, or one copy wins: rarely what is meant.",
    mirrors=ARGO_WARDEN_ONLY,
)

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE")
_NO_BODY = ("GET", "HEAD", "OPTIONS", "TRACE")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "apikey",
                       "x-auth-token", "x-access-token", "private-token", "x-vault-token"}
_CREDENTIAL_WORDS = ("token", "secret", "password", "passwd", "apikey", "api-key", "api_key")
# Any of the words, in one scan of the name.
_CREDENTIAL_WORD = re.compile("|".join(map(re.escape, _CREDENTIAL_WORDS)))


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    for at, path, http in shared_http_templates(manifest):
        label = f"template '{at.name}'" if at.name else "http template"
        yield from _url(http, path, label)
        yield from _method(http, path, label)
        yield from _headers(http, path, label)
        yield from _body(http, path, label)
        timeout = http.get("timeoutSeconds")
        if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout <= 0:
            yield Finding(TIMEOUT_INVALID, (*path, "timeoutSeconds"), f"{label}: timeoutSeconds must be above 0")
        elif timeout is None:
            yield Finding(NO_TIMEOUT, path,
                          f"{label} sets no timeoutSeconds: a server that never answers holds the step",
                          on_key=True, hint="add timeoutSeconds (argo-warden's executor defaults to 30)")
        if http.get("insecureSkipVerify") is True:
            yield Finding(TLS_UNVERIFIED, (*path, "insecureSkipVerify"),
                          f"{label} skips TLS certificate verification", on_key=True,
                          hint="trust the server's CA instead; anyone on the path can read and change the traffic")
        if "contentType" in http:
            yield Finding(CONTENT_TYPE_FIELD, (*path, "contentType"),
                          f"{label}: contentType is not an Argo HTTP field; upstream Argo ignores it", on_key=True,
                          hint="set a 'Content-Type' header (the mutating webhook rewrites it into one)")


def _url(http: dict[str, Any], path: JsonPath, label: str) -> Iterator[Finding]:
    url = http.get("url")
    if url is None or url == "":
        # In an http template, `urll:` is reported once, as the schema rule's unknown field.
        if path[-1] != "http" or not misspelling(http, "url", "HTTP"):
            yield Finding(URL_MISSING, path, f"{label} has no url", on_key=True)
        return
    if not isinstance(url, str):
        return
    probe = replace_tags(url, "x").strip()
    if not probe or probe == "x":
        return  # computed entirely at run time
    if url != url.strip():
        yield Finding(URL_INVALID, (*path, "url"), f"{label}: url has leading or trailing spaces")
    parts = _url_parts(probe)
    if isinstance(parts, str):
        yield Finding(URL_INVALID, (*path, "url"), f"{label}: url is malformed ({parts})")
        return
    if url.startswith("{{"):
        return  # scheme supplied at run time
    if parts.scheme.lower() not in ("http", "https"):
        yield Finding(URL_INVALID, (*path, "url"),
                      f"{label}: url must start with http:// or https://" +
                      (f", not {parts.scheme}://" if parts.scheme else ""),
                      span=(0, max(url.find(":"), 1)) if parts.scheme else (0, 1),
                      hint=None if parts.scheme else f"write 'https://{url}'")
        return
    if not parts.host:
        yield Finding(URL_INVALID, (*path, "url"), f"{label}: url has no host")
    if parts.has_password:
        yield Finding(URL_CREDENTIAL, (*path, "url"), f"{label}: url embeds a password",
                      hint="send it in an Authorization header read from a secret (valueFrom.secretKeyRef)",
                      concealed=True)


@dataclass(frozen=True, slots=True)
class _UrlParts:
    """What the url checks read of a url (its tags replaced by a placeholder)."""

    scheme: str  # as written
    host: str | None
    has_password: bool


@short_text_cache(maxsize=512, longest=2048)
def _url_parts(probe: str) -> _UrlParts | str:
    """The parts of ``probe``, or why it is malformed (urlsplit's message).

    Remembered per url: every object made from one manifest sends to the same urls, and
    reading host, port and password parses the url's authority three times over.
    """
    try:
        parts = urlsplit(probe)
        host = parts.hostname
        _ = parts.port
    except ValueError as exc:
        return str(exc)
    return _UrlParts(parts.scheme, host, bool(parts.password))


def _method(http: dict[str, Any], path: JsonPath, label: str) -> Iterator[Finding]:
    method = http.get("method")
    if not isinstance(method, str) or "{{" in method:
        return
    if method not in METHODS:
        if method.upper() in METHODS:
            hint = f"write '{method.upper()}': servers compare methods case-sensitively"
        else:
            hint = did_you_mean(method.upper(), METHODS) or f"use one of {', '.join(METHODS)}"
        yield Finding(METHOD_UNKNOWN, (*path, "method"), f"{label}: method {method!r} is not an HTTP method",
                      hint=hint)


def _headers(http: dict[str, Any], path: JsonPath, label: str) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for i, h in enumerate(as_list(http.get("headers"))):
        if not isinstance(h, dict):
            continue
        hpath = (*path, "headers", i)
        name = h.get("name")
        if not isinstance(name, str) or not name:
            yield Finding(HEADER_INVALID, hpath, f"{label}: header #{i + 1} has no name")
            continue
        if "{{" not in name and not _TOKEN.match(name):
            yield Finding(HEADER_INVALID, (*hpath, "name"), f"{label}: header name {name!r} is not a valid token",
                          hint="header names cannot contain spaces, ':' or quotes")
        lowered = name.lower()
        if lowered in seen:
            yield Finding(HEADER_DUPLICATE, (*hpath, "name"),
                          f"{label}: header '{name}' is set twice (also #{seen[lowered] + 1}); both are sent",
                          severity=Severity.INFO if lowered not in ("host", "content-type", "authorization")
                          else None)
        else:
            seen[lowered] = i
        value = h.get("value")
        value_from = h.get("valueFrom")
        if value is not None and value_from is not None:
            yield Finding(HEADER_INVALID, (*hpath, "valueFrom"),
                          f"{label}: header '{name}' has both value and valueFrom", on_key=True)
        if isinstance(value_from, dict):
            # What the schema rule already reports (other keys in valueFrom, a secretKeyRef without
            # its required 'key', wrong types) is left to it: one mistake, one diagnostic.
            ref = value_from.get("secretKeyRef")
            if ref is None and not value_from:
                yield Finding(HEADER_INVALID, (*hpath, "valueFrom"),
                              f"{label}: header '{name}' valueFrom needs secretKeyRef", on_key=True)
            elif isinstance(ref, dict) and as_str(ref.get("key")) and not as_str(ref.get("name")):
                yield Finding(HEADER_INVALID, (*hpath, "valueFrom", "secretKeyRef"),
                              f"{label}: header '{name}' secretKeyRef needs 'name'", on_key=True)
        if isinstance(value, str) and not has_closed_tag(value) and value.strip() \
                and _is_credential_header(lowered):
            yield Finding(
                PLAIN_CREDENTIAL, (*hpath, "value"),
                f"{label}: header '{name}' carries a credential written in the manifest",
                hint="read it from a Secret: valueFrom: {secretKeyRef: {name: ..., key: ...}}", concealed=True,
            )


def _is_credential_header(lowered: str) -> bool:
    return lowered in _CREDENTIAL_HEADERS or _CREDENTIAL_WORD.search(lowered) is not None


def _body(http: dict[str, Any], path: JsonPath, label: str) -> Iterator[Finding]:
    body = http.get("body")
    body_from = http.get("bodyFrom")
    if body not in (None, "") and body_from is not None:
        yield Finding(BODY_TWICE, (*path, "bodyFrom"), f"{label} sets both body and bodyFrom", on_key=True)
    raw = as_dict(body_from).get("bytes")
    if isinstance(raw, str) and "{{" not in raw:
        try:
            base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            yield Finding(BODY_FROM_INVALID, (*path, "bodyFrom", "bytes"), f"{label}: bodyFrom.bytes is not base64")
    method = http.get("method")
    method_s = method.upper() if isinstance(method, str) else "GET"
    if (body not in (None, "") or body_from is not None) and method_s in _NO_BODY:
        yield Finding(BODY_IGNORED, (*path, "body" if body not in (None, "") else "bodyFrom"),
                      f"{label} sends a body with {method_s}, which servers usually ignore or refuse", on_key=True,
                      hint="use POST, PUT or PATCH")
