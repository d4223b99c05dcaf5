"""The REST API's way into the one validation core: an object in a request body, judged as admission judges it.

The object becomes the ``AdmissionRequest`` the cluster would send for it (the caller as the user), gets its
context from the same provider, and the same ``judge`` and policy decide; the lint endpoints only change the
mode. What stops the core (no context, a deadline) becomes Argo's error shape here, and a refusal is a 400
with admission's message.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

from webhook.admission.decide import judge
from webhook.admission.mutation import portable_object
from webhook.admission.provider import Deadline
from webhook.admission.review import AdmissionRequest, UserInfo
from webhook.api.call import Call
from webhook.api.errors import ApiError, Code
from webhook.api.names import GROUP, VERSION
from webhook.manifest import Manifest
from webhook.validation.context import Mode


async def validated(call: Call, kind: str, obj: Any, operation: str = "CREATE", *,
                    portable: bool = False, mode: Mode = Mode.SUBMIT) -> dict[str, Any]:
    """``obj`` as a manifest of ``kind`` in the call's namespace, checked by the validation core (400 if not valid).

    ``portable``: the object to store, rewritten as the mutating webhook would (the seed dialect in the form
    upstream Argo runs), so what the API stores and runs is what admission would have let into a cluster.
    ``mode``: SUBMIT for what is created; the lint endpoints lint (see validation.context.Mode).
    """
    if not isinstance(obj, dict) or not obj:
        raise ApiError(Code.INVALID_ARGUMENT, f"the request has no {kind} object")
    given = obj.get("kind")
    if given not in (None, kind):
        raise ApiError(Code.INVALID_ARGUMENT, f"kind is {given!r}; this endpoint takes a {kind}")
    manifest_data: dict[str, Any] = {**obj, "kind": kind, "apiVersion": obj.get("apiVersion") or f"{GROUP}/{VERSION}"}
    obj = manifest_data
    metadata = obj.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise ApiError(Code.INVALID_ARGUMENT, "metadata must be an object")
    namespace = call.namespace or None
    if namespace and isinstance(metadata, dict) and metadata.get("namespace") not in (None, "", namespace):
        raise ApiError(Code.INVALID_ARGUMENT, f"metadata.namespace {metadata['namespace']!r} does not match the "
                                              f"namespace in the path ({namespace!r})")
    manifest = Manifest(kind, obj, default_namespace=namespace)
    identity = call.identity
    review = AdmissionRequest(
        uid=str(uuid.uuid4()), operation=operation, group=GROUP, version=VERSION, kind=kind, namespace=namespace,
        name=manifest.name, object=obj, old_object=None,
        user=UserInfo(identity.user, identity.uid or None, identity.groups, dict(identity.extra)))
    state = call.api.state
    seconds = state.config.api.validation_seconds
    deadline = Deadline.after(seconds)
    try:
        async with asyncio.timeout(seconds):
            context = await state.provider.context_for(review, manifest, deadline)
    except TimeoutError:
        raise ApiError(Code.UNAVAILABLE, "the cluster did not answer in time to validate this object") from None
    if mode is not context.mode:
        # The lint endpoints check as `argo lint` does (Argo's server lints with Opts{Lint: true}).
        context = replace(context, mode=mode,
                          cache_key=f"{context.cache_key}|mode:{mode.value}" if context.cache_key else None)
    if call.api.templates is not None and namespace:
        templates, key = await call.api.templates(namespace)
        context = replace(context, templates=templates,
                          cache_key=f"{context.cache_key}|templates:{key}" if context.cache_key else None)
    # Large objects are validated off the event loop, and not memoised (as at admission).
    offload = call.body_size >= state.config.validation.offload_bytes
    try:
        verdict = await state.run(deadline, offload, judge, manifest, context, None if offload else state.memo,
                                  state.config.policy)
    except TimeoutError:
        raise ApiError(Code.DEADLINE_EXCEEDED, "validation took too long") from None
    if not verdict.allowed:
        raise ApiError(Code.INVALID_ARGUMENT, verdict.message or "the object is not valid")
    if portable:
        try:
            return (await state.run(deadline, offload, portable_object, manifest, state.mutators)).data
        except TimeoutError:
            raise ApiError(Code.DEADLINE_EXCEEDED, "rewriting the object took too long") from None
    return manifest_data
