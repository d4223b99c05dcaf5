"""Send one HTTP step's request: SSRF check of every hop, redirects as Go's http.Client follows them, a deadline.

Upstream's agent uses Go's default client, so redirects are followed (up to 10);
301/302/303 turn a POST into a body-less GET, 307/308 repeat the request as is.
Credentials (Authorization, Cookie) are dropped when a redirect leaves the host
or its subdomains, and a Host header survives only a relative redirect, as in Go.
The deadline covers every hop and the body read.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from yarl import URL

from webhook.executor.guard import HostPolicy
from webhook.executor.transport import (
    REDIRECT_STATUSES,
    Exchange,
    Received,
    Transport,
    TransportError,
    display_url,
    parse_url,
)

MAX_REDIRECTS = 10
_SENSITIVE = ("authorization", "www-authenticate", "cookie", "cookie2", "proxy-authorization")


async def send(transport: Transport, policy: HostPolicy, request: Exchange, *, timeout: float,
               max_body: int) -> Received:
    """The final response; raises TransportError (timeouts included)."""
    current = request
    clock = asyncio.get_running_loop().time
    deadline = clock() + timeout
    try:
        for hop in range(MAX_REDIRECTS + 1):
            _check_url(policy, current, first=hop == 0)
            remaining = deadline - clock()
            if remaining <= 0:
                raise TimeoutError
            # The transport bounds each hop by what is left of the one deadline over them all.
            response = await transport.exchange(current, max_body=max_body, timeout=remaining)
            location = response.header("Location") if response.status in REDIRECT_STATUSES else None
            if location is None:
                return response
            current = _redirected(current, response, location)
    except TimeoutError:
        raise TransportError(
            f"{request.method} {display_url(request.url)}: no complete response within {_seconds(timeout)}",
            transient=True,
        ) from None
    raise TransportError(f"{request.method} {display_url(request.url)}: stopped after {MAX_REDIRECTS} redirects")


def _check_url(policy: HostPolicy, request: Exchange, *, first: bool) -> None:
    what = "request to" if first else "redirect to"
    try:
        url = parse_url(request.url)
        host = url.host
    except (ValueError, TypeError):
        raise TransportError(f"{what} {request.url!r}: not a valid url", workflow_error=True) from None
    if url.scheme not in ("http", "https"):
        raise TransportError(f"{what} {display_url(request.url)}: only http and https urls can be fetched",
                             workflow_error=True)
    if not host:
        raise TransportError(f"{what} {display_url(request.url)}: the url has no host", workflow_error=True)
    refusal = policy.check_host(host)
    if refusal is not None:
        raise TransportError(f"{what} {display_url(request.url)} refused by the SSRF guard: {refusal}",
                             workflow_error=True)


def _redirected(request: Exchange, response: Received, location: str) -> Exchange:
    try:
        target = URL(response.url).join(URL(location))
    except (ValueError, TypeError):
        raise TransportError(f"{request.method} {display_url(request.url)}: the redirect location "
                             f"{location!r} is not a url", workflow_error=True) from None
    method, body = request.method, request.body
    headers = request.headers
    if response.status in (301, 302, 303) and method not in ("GET", "HEAD"):
        method, body = "GET", b""
        headers = tuple((k, v) for k, v in headers if k.lower() not in ("content-type", "content-length"))
    source_host = URL(request.url).host or ""
    if not _same_or_subdomain(target.host or "", source_host):
        headers = tuple((k, v) for k, v in headers if k.lower() not in _SENSITIVE)
    relative = not URL(location).is_absolute()
    return replace(request, method=method, url=str(target), headers=headers, body=body,
                   host=request.host if relative else None)


def _same_or_subdomain(target: str, source: str) -> bool:
    target, source = target.lower().rstrip("."), source.lower().rstrip(".")
    return target == source or target.endswith("." + source)


def _seconds(value: float) -> str:
    return f"{value:g}s"
