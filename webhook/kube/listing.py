"""Paged lists from the Kubernetes API: ``limit`` and ``continue``, as kubectl pages.

Each page is one request bounded by ``timeout``; a continue token the API server
no longer honours (410 Expired: etcd compacted meanwhile) restarts the list once
from the beginning, skipping objects already yielded (by uid). The caller gets
each object as a dict; a core list's items carry no apiVersion and kind, so they
are filled in from the list's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from webhook.kube.client import ApiResponse, ApiUnavailable, KubeClient, keep_all

PAGE_SIZE = 250
# One list's items are at most this many; beyond, the caller is told rather than kept waiting and swelling.
MAX_ITEMS = 1_000_000


def _list_kind(body: Any) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    api, kind = body.get("apiVersion"), body.get("kind")
    item_kind = kind[:-4] if isinstance(kind, str) and kind.endswith("List") else None
    return (api if isinstance(api, str) else None), item_kind


async def list_objects(client: KubeClient, api_path: str, what: str, *, timeout: float,
                       page_size: int = PAGE_SIZE) -> AsyncIterator[dict[str, Any]]:
    """Every object at the collection ``api_path`` (``what`` names it in messages), page by page."""
    seen: set[str] = set()
    restarted = False
    token: str | None = None
    count = 0
    while True:
        params = {"limit": str(page_size)}
        if token:
            params["continue"] = token
        try:
            async with asyncio.timeout(timeout):
                response: ApiResponse[Any] = await client.request("GET", api_path, keep_all, params=params)
        except TimeoutError:
            raise ApiUnavailable(f"the API server did not answer the list of {what} within {timeout:g} s") from None
        if response.status == 410 and token and not restarted:
            restarted, token = True, None
            continue
        if not response.ok:
            raise ApiUnavailable(_refusal(response, what))
        body = response.value
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ApiUnavailable(f"the API server's list of {what} has no items")
        api_version, kind = _list_kind(body)
        for item in items:
            if not isinstance(item, dict):
                continue
            md = item.get("metadata")
            uid = md.get("uid") if isinstance(md, dict) else None
            if isinstance(uid, str):
                if uid in seen:
                    continue
                seen.add(uid)
            if "kind" not in item and kind:
                item = {"apiVersion": api_version, "kind": kind, **item}
            count += 1
            if count > MAX_ITEMS:
                raise ApiUnavailable(f"more than {MAX_ITEMS} {what}; audit fewer namespaces at a time (-n)")
            yield item
        metadata = body.get("metadata") if isinstance(body, dict) else None
        following = metadata.get("continue") if isinstance(metadata, dict) else None
        if not isinstance(following, str) or not following:
            return
        token = following


def _refusal(response: ApiResponse[Any], what: str) -> str:
    status = response.status
    if status == 401:
        return "the API server does not accept these credentials"
    if status == 403:
        return f"not allowed to list {what} (needs RBAC list on them)"
    if status == 404:
        return f"the API server does not serve {what} (are the Argo CRDs installed?)"
    if status == 410:
        return f"the list of {what} expired twice while being read; try again"
    reason = f" {response.error.reason}" if response.error and response.error.reason else ""
    return f"the API server answered {status}{reason} to the list of {what}"
