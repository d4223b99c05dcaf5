"""The executor core: run one HTTP template (``http:`` or ``plugin: {argo-warden: ...}``) to a node result.

Order: read the secrets the template names (header ``valueFrom.secretKeyRef``
and lookup tags in url, header values and body), substitute tags, send through
the SSRF guard with one deadline (``timeoutSeconds``, default 30 s) over
redirects and body, cap the body, evaluate ``successCondition`` with the
condition engine (none: a 2xx status). Phases: Failed when the response does not
satisfy the condition or no response came back (as upstream); Error when the
template itself cannot be sent (bad url, a secret that cannot be read, refused
by the guard, no recorded response).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass, field
from typing import Any

from webhook.executor.expr import check_success
from webhook.executor.guard import HostPolicy
from webhook.executor.nodes import Phase
from webhook.executor.redact import Redactor
from webhook.executor.scope import RenderError, Scope, secret_refs
from webhook.executor.send import send
from webhook.executor.transport import Exchange, Transport, TransportError
from webhook.secrets.references import SecretKeyRef
from webhook.secrets.values import SecretUnavailable, SecretValues
from webhook.settings import DEFAULT_EXECUTOR
from webhook.spec.walk import as_dict, as_list

DEFAULT_MAX_BODY = DEFAULT_EXECUTOR.max_body
DEFAULT_TIMEOUT = 30.0
# Statuses worth another try under retryPolicy OnTransientError.
TRANSIENT_STATUSES = frozenset({408, 429, 502, 503, 504})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass(frozen=True, slots=True)
class HttpSettings:
    transport: Transport
    policy: HostPolicy
    secrets: SecretValues
    redactor: Redactor
    max_body: int = DEFAULT_MAX_BODY
    default_timeout: float = DEFAULT_TIMEOUT
    # Requests of templates without tags or secrets, prepared once: id(fields) → (fields, prepared).
    prepared: dict[int, tuple[dict[str, Any], Prepared]] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class HttpOutcome:
    phase: Phase
    message: str
    result: str | None = None
    # Worth retrying under OnTransientError: no response, or 408/429/502/503/504.
    transient: bool = False


class _Unsendable(Exception):
    pass


# The request, its deadline, the condition and the headers a condition may see.
Prepared = tuple[Exchange, float, str | None, list[tuple[str, str]]]


async def run_http(fields: dict[str, Any], scope: Scope, namespace: str | None,
                   settings: HttpSettings) -> HttpOutcome:
    scrub = settings.redactor.scrub
    try:
        known = settings.prepared.get(id(fields))
        if known is not None and known[0] is fields:
            prepared = known[1]
        else:
            prepared = await _prepare(fields, scope, namespace, settings)
            if _is_static(fields):
                if len(settings.prepared) >= 1024:
                    settings.prepared.clear()
                settings.prepared[id(fields)] = (fields, prepared)
    except (_Unsendable, RenderError, SecretUnavailable) as exc:
        return HttpOutcome(Phase.ERROR, scrub(str(exc)))
    request, timeout, condition, plain_headers = prepared
    try:
        response = await send(settings.transport, settings.policy, request, timeout=timeout,
                              max_body=settings.max_body)
    except TransportError as exc:
        phase = Phase.ERROR if exc.workflow_error else Phase.FAILED
        return HttpOutcome(phase, scrub(exc.message), transient=exc.transient)
    body = _text(response.body, response.truncated)
    ok, message = check_success(condition, request, plain_headers, response, body)
    if response.truncated:
        cut = f"response body is larger than {_size(settings.max_body)}: outputs.result holds its first " \
              f"{_size(settings.max_body)}"
        message = f"{message}; {cut}" if message else cut
    phase = Phase.SUCCEEDED if ok else Phase.FAILED
    transient = not ok and response.status in TRANSIENT_STATUSES
    return HttpOutcome(phase, scrub(message), scrub(body), transient)


def _is_static(fields: dict[str, Any]) -> bool:
    """No tag and no secret anywhere: the request is the same every time."""
    stack: list[Any] = [fields]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "{{" in value:
                return False
        elif isinstance(value, dict):
            if "valueFrom" in value:
                return False
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


async def _prepare(fields: dict[str, Any], scope: Scope, namespace: str | None, settings: HttpSettings) -> Prepared:
    headers_spec = [h for h in as_list(fields.get("headers")) if isinstance(h, dict)]
    texts = [v for v in (fields.get("url"), fields.get("body")) if isinstance(v, str)]
    texts.extend(h["value"] for h in headers_spec if isinstance(h.get("value"), str))
    refs = secret_refs(texts)
    for h in headers_spec:
        key_ref = as_dict(as_dict(h.get("valueFrom")).get("secretKeyRef"))
        if key_ref:
            refs.add(_header_ref(h, key_ref))
    values: dict[SecretKeyRef, str] = {}
    for ref in sorted(refs, key=lambda r: (r.name, r.key)):
        value = await settings.secrets.secret_value(namespace, ref.name, ref.key)
        settings.redactor.add(value)
        values[ref] = value
    render = scope.derive(secrets=values).render if values else scope.render

    url = fields.get("url")
    if not isinstance(url, str) or not url.strip():
        raise _Unsendable("the HTTP template has no url")
    url = render(url).strip()
    method = fields.get("method") or "GET"
    if not isinstance(method, str):
        raise _Unsendable(f"method {method!r} is not a string")
    method = render(method)
    if not _TOKEN.fullmatch(method):
        raise _Unsendable(f"method {method!r} is not an HTTP method")

    headers: list[tuple[str, str]] = []
    plain: list[tuple[str, str]] = []
    host: str | None = None
    for h in headers_spec:
        written = h.get("name")
        name = render(written) if isinstance(written, str) else None
        if name is None or not _TOKEN.fullmatch(name):
            raise _Unsendable(f"header name {name if name is not None else written!r} is not valid")
        secret_ref = as_dict(as_dict(h.get("valueFrom")).get("secretKeyRef"))
        raw = h.get("value")
        if secret_ref:
            value = values[_header_ref(h, secret_ref)]
        elif raw is None:
            value = ""
        elif isinstance(raw, str):
            value = render(raw)
        else:
            raise _Unsendable(f"header '{name}' has a value that is not a string")
        if "\r" in value or "\n" in value:
            raise _Unsendable(f"header '{name}' has a value with a line break")
        from_secret = bool(secret_ref) or (isinstance(raw, str) and bool(secret_refs([raw])))
        if name.lower() == "host":
            host = value
            continue
        headers.append((name, value))
        if not from_secret:
            plain.append((name, value))

    body = _body(fields, render)
    timeout = _timeout(fields.get("timeoutSeconds"), render, settings.default_timeout)
    condition = fields.get("successCondition")
    if condition is not None and not isinstance(condition, str):
        raise _Unsendable("successCondition is not a string")
    condition = scope.render(condition) if condition and condition.strip() else None
    insecure = fields.get("insecureSkipVerify") is True
    body_from_bytes = fields.get("bodyFrom") is not None
    return Exchange(method, url, tuple(headers), body, host, insecure, body_from_bytes), timeout, condition, plain


def _header_ref(header: dict[str, Any], ref: dict[str, Any]) -> SecretKeyRef:
    name, key = ref.get("name"), ref.get("key")
    if not isinstance(name, str) or not name or not isinstance(key, str) or not key:
        raise _Unsendable(f"header '{header.get('name')}': valueFrom.secretKeyRef needs a name and a key")
    return SecretKeyRef(name, key)


def _body(fields: dict[str, Any], render: Any) -> bytes:
    body = fields.get("body")
    body_from = fields.get("bodyFrom")
    if body not in (None, "") and body_from is not None:
        raise _Unsendable("both body and bodyFrom are set")
    if body_from is not None:
        raw = as_dict(body_from).get("bytes")
        if raw is None:
            return b""
        if not isinstance(raw, str):
            raise _Unsendable("bodyFrom.bytes is not a base64 string")
        try:
            return base64.b64decode(render(raw), validate=True)
        except (binascii.Error, ValueError):
            raise _Unsendable("bodyFrom.bytes is not valid base64") from None
    if body is None:
        return b""
    if not isinstance(body, str):
        raise _Unsendable("body is not a string")
    return str(render(body)).encode("utf-8")


def _timeout(value: Any, render: Any, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, str):
        value = render(value).strip()
        try:
            value = float(value)
        except ValueError:
            raise _Unsendable(f"timeoutSeconds {value!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _Unsendable(f"timeoutSeconds {value!r} must be a number above 0")
    return float(value)


def _text(body: bytes, truncated: bool) -> str:
    if not truncated:
        return body.decode("utf-8", errors="replace")
    # A cut body may end inside a multi-byte character: drop that partial character.
    return codecs.getincrementaldecoder("utf-8")("replace").decode(body, final=False)


def _size(n: int) -> str:
    if n % 1024 == 0 and n >= 1024:
        return f"{n // 1024} KiB" if n % (1024 * 1024) else f"{n // (1024 * 1024)} MiB"
    return f"{n} bytes"
