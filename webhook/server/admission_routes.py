"""``POST /validate`` and ``POST /mutate``: read the review within its deadline and limits, decide, answer, log.

Every review gets an answer before the API server's ``?timeout=``: work that
cannot finish in time (the provider, or a large object off the event loop) is
abandoned and the review is answered under the failure policy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Literal

from aiohttp import web

from webhook import wirejson
from webhook.admission.decide import judge, manifest_of, object_policy, shortcut, validation_verdict
from webhook.admission.enforcement import LABEL, enforce, mode_of
from webhook.admission.mutation import mutation_verdict
from webhook.admission.provider import ContextUnavailable, Deadline, FailurePolicy
from webhook.admission.response import Verdict, allow, deny, review_response
from webhook.admission.review import AdmissionRequest, ReviewError, parse_body
from webhook.logs import event, exception_site
from webhook.manifest import Manifest, argo_kind_of
from webhook.policy.settings import Enforcement
from webhook.server.errors import json_error
from webhook.server.state import STATE, ServerState
from webhook.server.timeouts import BadTimeout, parse_duration
from webhook.server.worker_process import Answer, Failed, Job
from webhook.validation.context import ValidationContext

Webhook = Literal["validate", "mutate"]


def add_routes(app: web.Application, state: ServerState) -> None:
    app.router.add_post("/validate", handle_validate)
    app.router.add_post("/mutate", handle_mutate)


async def handle_validate(request: web.Request) -> web.Response:
    return await review(request, "validate")


async def handle_mutate(request: web.Request) -> web.Response:
    return await review(request, "mutate")


class Rejected(Exception):
    """The request cannot be answered with an AdmissionReview (no uid to echo): answer with an HTTP error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def review(request: web.Request, webhook: Webhook) -> web.Response:
    state = request.app[STATE]
    started = time.perf_counter()
    try:
        deadline = _deadline(request, state)
        admission, verdict = await _admit(request, state, webhook, deadline)
    except Rejected as exc:
        state.metrics.rejected.labels(f"/{webhook}", str(exc.status)).inc()
        event("request refused", logging.WARNING, webhook=webhook, status=exc.status, reason=exc.message)
        return json_error(exc.status, exc.message)
    seconds = time.perf_counter() - started
    kind = argo_kind_of(admission.object or admission.old_object) or admission.kind
    state.metrics.observe_review(webhook, kind, admission.operation, verdict.label, seconds)
    event("review", webhook=webhook, uid=admission.uid, kind=kind, operation=admission.operation,
          namespace=admission.namespace, name=admission.display_name, user=admission.user.username,
          dry_run=admission.dry_run, verdict=verdict.label, reason=verdict.reason, ms=round(seconds * 1000, 3),
          codes=list(verdict.codes))
    return web.Response(body=wirejson.dumps(review_response(admission.uid, verdict)), content_type="application/json")


def _deadline(request: web.Request, state: ServerState) -> Deadline:
    config = state.config.admission
    raw = request.query.get("timeout")
    try:
        timeout = parse_duration(raw) if raw is not None else config.default_timeout
    except BadTimeout as exc:
        raise Rejected(400, str(exc)) from None
    timeout = min(timeout, config.max_timeout)
    return Deadline.after(max(0.0, timeout - config.answer_margin(timeout)))


async def _admit(request: web.Request, state: ServerState, webhook: Webhook,
                 deadline: Deadline) -> tuple[AdmissionRequest, Verdict]:
    config = state.config.admission
    if request.content_length is not None and request.content_length > config.max_body_bytes:
        raise Rejected(413, f"request body is larger than {config.max_body_bytes} bytes")
    if not is_json(request):
        raise Rejected(415, f"Content-Type must be application/json, not {_shown_type(request)}")
    # The body first, outside the review slots: a client sending it slowly holds only its own connection
    # (and, for a large body, a share of the body budget), never a slot other reviews wait for.
    body = await _read_body(request, state, deadline)
    state.bodies.received(len(body))
    if state.slots.locked():
        try:
            # asyncio.timeout rather than wait_for: no extra task per request.
            async with asyncio.timeout(deadline.remaining()):
                await state.slots.acquire()
        except TimeoutError:
            raise Rejected(429, "too many reviews in flight; try again") from None
    else:
        await state.slots.acquire()  # a free slot: taken at once, no timer needed
    state.in_flight += 1
    state.metrics.in_flight.inc()
    try:
        offload = len(body) >= state.config.validation.offload_bytes
        try:
            admission = await state.run(deadline, offload, parse_body, body, state.config.validation.max_depth)
        except ReviewError as exc:
            raise Rejected(400, str(exc)) from None
        except TimeoutError:
            raise Rejected(408, "the request body could not be parsed before the deadline") from None
        verdict = await _decide(state, webhook, admission, deadline, offload, body)
        if webhook == "validate" and (verdict.codes or not verdict.allowed):
            verdict = await _enforced(state, admission, verdict, deadline)
        return admission, verdict
    finally:
        state.in_flight -= 1
        state.metrics.in_flight.dec()
        state.slots.release()


def is_json(request: web.Request) -> bool:
    """The API server sends ``application/json``; anything else (or nothing) is not an AdmissionReview."""
    kind = request.content_type
    return "Content-Type" in request.headers and (kind == "application/json" or kind.endswith("+json"))


def _shown_type(request: web.Request) -> str:
    raw = request.headers.get("Content-Type")
    return "none" if raw is None else repr(raw[:60])


async def _read_body(request: web.Request, state: ServerState, deadline: Deadline) -> bytes:
    """The whole body, within its own deadline (the review's, at most ``body_seconds``) and the body budget."""
    if request.content.is_eof():
        return await request.read()  # all of it has arrived (the usual case): no timer to arm
    config = state.config.admission
    seconds = min(deadline.remaining(), config.body_seconds)
    # A body whose size is not declared may grow to the cap: it is counted at the cap.
    size = request.content_length if request.content_length is not None else config.max_body_bytes
    with state.bodies.reserve(size) as granted:
        if not granted:
            raise Rejected(503, "too many large request bodies arriving at once; try again")
        try:
            # Counted as arriving: a shutdown waits for it before closing the connection (see draining.py).
            async with asyncio.timeout(seconds):
                return await state.arrivals.read(request)
        except TimeoutError:
            raise Rejected(408, "the request body did not arrive before the deadline") from None


async def _decide(state: ServerState, webhook: Webhook, admission: AdmissionRequest, deadline: Deadline,
                  offload: bool, body: bytes) -> Verdict:
    quick = shortcut(admission)
    if quick is not None:
        return quick
    manifest = manifest_of(admission)
    try:
        if webhook == "mutate":
            if state.pool is not None:
                return _answer(state, admission, webhook, await state.pool.run(Job("mutate", body), deadline))
            return await state.run(deadline, offload, mutation_verdict, manifest, state.mutators)
        try:
            if state.provider.answers_at_once:
                context = await state.provider.context_for(admission, manifest, deadline)
            else:
                async with asyncio.timeout(deadline.remaining()):
                    context = await state.provider.context_for(admission, manifest, deadline)
        except ContextUnavailable as exc:
            return unchecked(state, webhook, str(exc), 503)
        if state.pool is not None:
            return await _judged_by_worker(state, admission, manifest, context, body, deadline, offload)
        # Large objects are validated in a thread and not memoised: hashing them would hold the GIL
        # (and the event loop) about as long as validating them.
        return await state.run(deadline, offload, judge, manifest, context, None if offload else state.memo,
                               state.config.policy)
    except TimeoutError:
        return unchecked(state, webhook, "it took longer than the API server's deadline", 504)
    except Exception as exc:
        # A bug of ours must not block the cluster beyond what the failure policy says; the log says where.
        event("review failed", logging.ERROR, uid=admission.uid, webhook=webhook, error=type(exc).__name__,
              where=exception_site(exc))
        return unchecked(state, webhook, "internal error (see the argo-warden log)", 500)


async def _judged_by_worker(state: ServerState, admission: AdmissionRequest, manifest: Manifest,
                            context: ValidationContext, body: bytes, deadline: Deadline, offload: bool) -> Verdict:
    """Validated by a worker process (webhook.server.workers); repeated small objects answered from the memo."""
    assert state.pool is not None
    memo = state.memo
    # Large objects are not memoised: hashing them would hold the event loop about as long as validating them.
    key = None if offload else memo.key(manifest, context, object_policy(state.config.policy))
    if key is not None:
        found, verdict = memo.recall(key, manifest, validation_verdict)
        if found and verdict is not None:
            return verdict
    # A worker keeps a context by its cache_key only when the context is the same for every object: a cluster
    # snapshot also carries what it found in this very object (its secret references), which the key leaves out.
    per_object = context.secret_references is not None or context.inherited_sends is not None
    answer = await state.pool.run(Job("validate", body, None if per_object else context.cache_key), deadline,
                                  context)
    verdict = _answer(state, admission, "validate", answer)
    if key is not None and not isinstance(answer, Failed):
        memo.keep(key, validation_verdict, verdict)
    return verdict


def _answer(state: ServerState, admission: AdmissionRequest, webhook: Webhook, answer: Answer) -> Verdict:
    if isinstance(answer, Verdict):
        return answer
    if isinstance(answer, Failed):
        event("review failed", logging.ERROR, uid=admission.uid, webhook=webhook, error=answer.error,
              where=answer.where)
    return unchecked(state, webhook, "internal error (see the argo-warden log)", 500)


async def _enforced(state: ServerState, admission: AdmissionRequest, verdict: Verdict,
                    deadline: Deadline) -> Verdict:
    """The verdict under the namespace's enforcement mode; its findings counted and, in audit, logged."""
    mode = state.config.policy.enforcement
    namespace = admission.namespace
    namespace_label = getattr(state.provider, "namespace_label", None)
    if namespace and namespace_label is not None:
        try:
            label = await namespace_label(namespace, LABEL, deadline)
        except Exception as exc:  # a fault of ours: the server's own mode applies, the log says where
            event("namespace lookup failed", logging.ERROR, error=type(exc).__name__, where=exception_site(exc))
            label = None
        mode, problem = mode_of(label, mode)
        if problem is not None:
            event("enforcement label ignored", logging.WARNING, namespace=namespace, problem=problem)
    state.metrics.count_findings(verdict.codes, namespace or "", mode.value)
    if mode is Enforcement.AUDIT and not verdict.allowed:
        event("audit: would deny", uid=admission.uid, namespace=namespace, name=admission.display_name,
              codes=list(verdict.codes), message=verdict.message)
    return enforce(verdict, mode)


def unchecked(state: ServerState, webhook: Webhook, reason: str, code: int) -> Verdict:
    """The answer when the object could not be judged: per the failure policy (mutation never blocks)."""
    if webhook == "mutate":
        return allow("not-mutated", (f"argo-warden did not mutate this object: {reason}",))
    if state.config.admission.failure_policy is FailurePolicy.OPEN:
        return allow("unchecked", (f"argo-warden did not check this object: {reason} (failure policy open)",))
    return deny("unchecked", f"argo-warden could not check this object: {reason}; try again "
                             f"(failure policy closed)", code)
