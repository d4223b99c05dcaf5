"""One HTTP exchange (no redirects): the request and response records, and the network transport.

A transport sends one request and returns one response; following redirects,
the SSRF host check of each hop and the overall deadline belong to
``webhook.executor.send``, so the network and recorded responses behave alike.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp
from aiohttp import hdrs
from aiohttp.abc import AbstractResolver
from multidict import CIMultiDict
from yarl import URL

from webhook import __version__
from webhook.executor.guard import GuardedResolver, HostPolicy, refused_in

USER_AGENT = f"argo-warden/{__version__}"
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request ready to go: every tag substituted, every secret read."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    # The Host header's value, when the template sets one (it replaces the URL's host on the wire).
    host: str | None = None
    insecure: bool = False
    # The body came from bodyFrom.bytes (a condition sees it as request.bodyBytes, not request.body).
    body_from_bytes: bool = False


@dataclass(slots=True)
class Received:
    status: int
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # The body was longer than the cap: ``body`` holds its first ``max_body`` bytes.
    truncated: bool = False

    @property
    def is_redirect(self) -> bool:
        return self.status in REDIRECT_STATUSES and self.header("Location") is not None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


class TransportError(Exception):
    """No response: the message says what happened; ``transient`` errors are worth retrying."""

    def __init__(self, message: str, *, transient: bool = False, workflow_error: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        # A problem of the workflow or its setup (refused by the guard, no recorded response):
        # the node ends in Error rather than Failed.
        self.workflow_error = workflow_error


class Transport(Protocol):
    async def exchange(self, request: Exchange, *, max_body: int, timeout: float) -> Received:
        """Send ``request`` once and read the body (unless it is a redirect); raise TransportError.

        Raises TimeoutError when the whole exchange, body included, takes longer than ``timeout`` seconds:
        each transport bounds itself (for the network, with the client's own per-request timer, which a
        plain aiohttp request pays anyway, rather than a second timer around it).
        """
        ...

    async def close(self) -> None: ...


class NetworkTransport:
    """Real requests through one pooled aiohttp session whose resolver is the SSRF guard's."""

    def __init__(self, policy: HostPolicy, *, connections: int = 100, resolver: AbstractResolver | None = None) -> None:
        self.policy = policy
        self._connections = connections
        # The name resolver the guard wraps (default: aiohttp's); tests give one that answers what they need.
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop that will use it.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self.policy, self._resolver), limit=self._connections, ttl_dns_cache=10,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                # The caller's deadline bounds the whole request; aiohttp's own default (5 min) must not cut in.
                timeout=aiohttp.ClientTimeout(total=None),
                auto_decompress=True,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={hdrs.USER_AGENT: USER_AGENT},
            )
        return self._session

    async def exchange(self, request: Exchange, *, max_body: int, timeout: float) -> Received:
        headers = _wire_headers(request)
        # Like Go's client, no Content-Type unless the template sets one (aiohttp would add one for a body).
        skip = _NO_CONTENT_TYPE if request.body and not _has(request.headers, hdrs.CONTENT_TYPE) else None
        try:
            async with self._client().request(
                request.method, parse_url(request.url), headers=headers, data=request.body or None,
                allow_redirects=False, ssl=not request.insecure, skip_auto_headers=skip,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                received = Received(response.status, request.url,
                                    [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers])
                if request.method != "HEAD" and not received.is_redirect:
                    received.body, received.truncated = await _read_capped(response, max_body)
                return received
        except (TransportError, TimeoutError):
            raise
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise _describe(request, exc) from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


_NO_CONTENT_TYPE = (hdrs.CONTENT_TYPE,)


@functools.lru_cache(maxsize=1024)
def parse_url(text: str) -> URL:
    """The parsed url, kept: the SSRF check and the request would each parse it, every step, every retry."""
    return URL(text)


def _has(headers: tuple[tuple[str, str], ...], name: str) -> bool:
    lowered = name.lower()
    return any(k.lower() == lowered for k, _ in headers)


def _wire_headers(request: Exchange) -> CIMultiDict[str] | None:
    """The template's headers (repeats kept) and its Host; None when there are none (the session's User-Agent)."""
    if not request.headers and request.host is None:
        return None
    out: CIMultiDict[str] = CIMultiDict()
    for name, value in request.headers:
        out.add(name, value)
    if request.host is not None:
        out[hdrs.HOST] = request.host
    return out


async def _read_capped(response: aiohttp.ClientResponse, max_body: int) -> tuple[bytes, bool]:
    length = response.content_length
    if length is not None and length <= max_body and not response.headers.get(hdrs.CONTENT_ENCODING):
        # Announced and small enough: one read, as a plain client does.
        return await response.read(), False
    chunks: list[bytes] = []
    size = 0
    while size <= max_body:
        chunk = await response.content.read(min(65536, max_body + 1 - size))
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    # More than the cap: stop reading; leaving the body unread closes the connection.
    return b"".join(chunks)[:max_body], True


def _describe(request: Exchange, exc: BaseException) -> TransportError:
    where = f"{request.method} {display_url(request.url)}"
    refused = refused_in(exc)
    if refused is not None:
        return TransportError(f"{where} refused by the SSRF guard: {refused.reason}", workflow_error=True)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return TransportError(f"{where}: TLS certificate not trusted ({exc.certificate_error})")
    if isinstance(exc, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError | ssl.SSLError):
        return TransportError(f"{where}: TLS handshake failed ({_reason(exc)})", transient=True)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return TransportError(f"{where}: cannot resolve host ({_reason(exc)})")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransportError(f"{where}: cannot connect ({_reason(exc)})", transient=True)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return TransportError(f"{where}: the server closed the connection without a response", transient=True)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return TransportError(f"{where}: the response body was cut off ({_reason(exc)})", transient=True)
    if isinstance(exc, aiohttp.InvalidURL):
        return TransportError(f"{where}: invalid url", workflow_error=True)
    if isinstance(exc, aiohttp.ClientResponseError):
        return TransportError(f"{where}: malformed response ({exc.message})", transient=True)
    if isinstance(exc, ValueError):
        return TransportError(f"{where}: the request cannot be sent ({exc})", workflow_error=True)
    if isinstance(exc, asyncio.TimeoutError):
        return TransportError(f"{where}: timed out", transient=True)
    return TransportError(f"{where}: {_reason(exc)}", transient=True)


def _reason(exc: BaseException) -> str:
    nested = getattr(exc, "os_error", None)
    if isinstance(nested, OSError) and nested.strerror:
        return nested.strerror.lower() if nested.strerror[:1].isupper() else nested.strerror
    text = str(exc) or type(exc).__name__
    return text


def display_url(url: str) -> str:
    """The url without a password in its userinfo (a password never goes into a message)."""
    from yarl import URL

    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        return url
    if parsed.password is None:
        return url
    return str(parsed.with_password(None).with_user(parsed.user))
