"""A small asynchronous client for the Kubernetes API: GET and POST of JSON, answers as (status, value or Status).

Callers bound each call with ``asyncio.timeout``; cancelling one abandons its
request at once. A response body is handed to the caller's ``extract`` function
as soon as it is parsed and only what that returns is kept, so a Secret's values
never leave this module's stack frame (``secret_key_names`` keeps key names).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import aiohttp

from webhook.kube.connection import ClusterConnection
from webhook.settings import DEFAULT_CLUSTER, ClusterSettings

T = TypeVar("T")
USER_AGENT = "argo-warden"


class ApiUnavailable(Exception):
    """The API server could not be asked or gave no usable answer; the message is safe to show to users."""


@dataclass(frozen=True, slots=True)
class ApiStatus:
    """The ``Status`` object the API server sends with an error (only the parts that carry no data)."""

    code: int
    reason: str = ""
    message: str = ""
    # details.name: set when a named object was not found (absent when the resource type itself is unknown).
    name: str | None = None

    @classmethod
    def from_body(cls, status: int, body: Any) -> ApiStatus:
        if not isinstance(body, dict) or body.get("kind") != "Status":
            return cls(status)
        details = body.get("details")
        name = details.get("name") if isinstance(details, dict) else None
        return cls(status, _text(body.get("reason")), _text(body.get("message"))[:200],
                   name if isinstance(name, str) else None)


@dataclass(frozen=True, slots=True)
class ApiResponse(Generic[T]):
    status: int
    value: T | None = None
    error: ApiStatus | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def path(*segments: str) -> str:
    """An API path from segments, each quoted (a name never escapes its segment)."""
    return "/" + "/".join(quote(s, safe="") for s in segments)


def keep_all(body: Any) -> Any:
    return body


def secret_key_names(body: Any) -> frozenset[str]:
    """The key names of a Secret object; its values are dropped with the parsed body."""
    data = body.get("data") if isinstance(body, dict) else None
    return frozenset(str(k) for k in data) if isinstance(data, dict) else frozenset()


# Ask for metadata only: the API server leaves out data (Kubernetes >= 1.15, meta.k8s.io/v1).
METADATA_ONLY = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"


class KubeClient:
    def __init__(self, connection: ClusterConnection, settings: ClusterSettings = DEFAULT_CLUSTER) -> None:
        self.connection = connection
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None
        # Requests sent, for tests and metrics.
        self.requests = 0

    async def start(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.settings.max_connections, ssl=self.connection.ssl)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                # Callers bound each call by their own deadline; this only stops a leak if one forgets.
                timeout=aiohttp.ClientTimeout(total=self.settings.request_seconds), raise_for_status=False,
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, api_path: str, extract: Callable[[Any], T], accept: str | None = None) -> ApiResponse[T]:
        return await self._call("GET", api_path, extract, accept=accept)

    async def post(self, api_path: str, body: dict[str, Any], extract: Callable[[Any], T]) -> ApiResponse[T]:
        return await self._call("POST", api_path, extract, body=body)

    async def request(self, method: str, api_path: str, extract: Callable[[Any], T], *,
                      body: dict[str, Any] | None = None, params: dict[str, str] | None = None,
                      content_type: str | None = None) -> ApiResponse[T]:
        """Any verb (PUT, PATCH with ``content_type``, DELETE, GET with query ``params``)."""
        return await self._call(method, api_path, extract, body=body, params=params, content_type=content_type)

    async def watch(self, api_path: str, params: dict[str, str], max_line: int | None = None
                    ) -> AsyncIterator[dict[str, Any]]:
        """The events of a watch (``?watch=true``), one dict per line, until the server ends the stream.

        ``max_line``: the largest event accepted (by default the settings' ``max_body_bytes``).

        An error answer raises ApiUnavailable; the caller bounds the time and cancels to stop.
        """
        if max_line is None:
            max_line = self.settings.max_body_bytes
        session, headers = await self._prepared()
        self.requests += 1
        try:
            async with session.get(self.connection.server + api_path, params={**params, "watch": "true"},
                                   headers=headers, server_hostname=self.connection.server_hostname,
                                   proxy=self.connection.proxy, timeout=aiohttp.ClientTimeout(total=None)) as response:
                if response.status != 200:
                    raise ApiUnavailable(f"the API server refused to watch {api_path} ({response.status})")
                while True:
                    try:
                        line = await response.content.readline()
                    except ValueError:  # longer than aiohttp's read buffer
                        raise ApiUnavailable(f"a watch event of {api_path} is too large to read") from None
                    if not line:
                        return
                    if len(line) > max_line:
                        raise ApiUnavailable(f"a watch event of {api_path} is larger than {max_line} bytes")
                    if line.strip():
                        try:
                            item = json.loads(line)
                        except ValueError:
                            raise ApiUnavailable(f"the API server sent a watch event of {api_path} that is not "
                                                 "JSON") from None
                        if isinstance(item, dict):
                            yield item
        except aiohttp.ClientError as exc:
            raise ApiUnavailable(f"the watch of {api_path} broke off ({type(exc).__name__})") from None

    async def _prepared(self) -> tuple[aiohttp.ClientSession, dict[str, str]]:
        if self._session is None:
            await self.start()
        assert self._session is not None
        headers: dict[str, str] = {}
        authorization = await self.connection.credentials.header()
        if authorization:
            headers["Authorization"] = authorization
        return self._session, headers

    async def _call(self, method: str, api_path: str, extract: Callable[[Any], T], *, accept: str | None = None,
                    body: dict[str, Any] | None = None, params: dict[str, str] | None = None,
                    content_type: str | None = None) -> ApiResponse[T]:
        session, headers = await self._prepared()
        if accept:
            headers["Accept"] = accept
        data = None
        if body is not None and content_type:
            headers["Content-Type"] = content_type
            data, body = json.dumps(body).encode(), None
        url = self.connection.server + api_path
        self.requests += 1
        try:
            async with session.request(method, url, json=body, data=data, headers=headers, params=params,
                                       server_hostname=self.connection.server_hostname,
                                       proxy=self.connection.proxy) as response:
                raw = await _read_capped(response.content, self.settings.max_body_bytes + 1)
                status = response.status
        except aiohttp.ClientConnectorCertificateError:
            raise ApiUnavailable(f"the API server's certificate at {self.connection.server} is not trusted "
                                 f"(check the CA of the {self.connection.description})") from None
        except aiohttp.ClientConnectorError as exc:
            raise ApiUnavailable(f"the API server at {self.connection.server} cannot be reached "
                                 f"({exc.strerror or type(exc).__name__})") from None
        except aiohttp.ClientError as exc:
            raise ApiUnavailable(f"the connection to the API server failed ({type(exc).__name__})") from None
        if len(raw) > self.settings.max_body_bytes:
            raise ApiUnavailable(f"the API server's answer to {method} {api_path} is larger than "
                                 f"{self.settings.max_body_bytes} bytes")
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            raise ApiUnavailable(f"the API server answered {method} {api_path} with {status} and a body that is "
                                 f"not JSON") from None
        finally:
            del raw
        if 200 <= status < 300:
            return ApiResponse(status, extract(parsed))
        return ApiResponse(status, error=ApiStatus.from_body(status, parsed))


async def _read_capped(content: aiohttp.StreamReader, limit: int) -> bytes:
    """The body up to ``limit`` bytes. ``read(n)`` returns what has arrived so far (at most n), not n: a
    body larger than one network read came back cut short (a list of a few hundred objects did)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = await content.read(min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
