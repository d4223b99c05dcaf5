"""The validation worker process: jobs from the server in order, each answered on the same socket.

A job is the review's body as it arrived (bytes are the cheapest thing to carry
between processes; parsing them again costs a few tens of microseconds) with
what validation needs from outside: the context the server's provider built
(sent once per ``cache_key`` and kept) and, per process, the policy and mutators.
The worker parses the body, takes the object as the server does
(``manifest_of``) and validates or mutates it with the same pure core lint and
REST use. It answers with the verdict only, or with the type and place of an
exception of ours (never its text, which may quote the object). A job carries
its review's deadline: one whose deadline has passed before the worker reaches
it (it waited behind another job, and the review was answered without it) is
answered ``Expired`` at once, without work.

Workers are forked from a forkserver that preloaded ``webhook.server.prewarm``,
so each starts with the schema checkers and grammars compiled and frozen out of
the GC.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import time
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal

from webhook.admission.decide import diagnostics_under, manifest_of, validation_verdict
from webhook.admission.mutation import mutation_verdict, mutators
from webhook.admission.response import Verdict
from webhook.admission.review import parse_body
from webhook.logs import exception_site
from webhook.policy.settings import PolicySettings
from webhook.validation.context import ValidationContext

# Contexts a worker keeps by cache_key (one per requesting user offline; per snapshot with a cluster).
KEPT_CONTEXTS = 256


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    policy: PolicySettings
    plugin_mutation: bool
    max_depth: int


@dataclass(frozen=True, slots=True)
class Job:
    webhook: Literal["validate", "mutate"]
    body: bytes
    # The context's cache_key, and the context itself unless this worker was sent it before (or for mutation).
    context_key: str | None = None
    context: ValidationContext | None = None
    # The review's deadline on the monotonic clock (shared by every process of the machine); None: no deadline.
    deadline: float | None = None

    def wire(self) -> tuple[str, bytes, str | None, ValidationContext | None, float | None]:
        """What is pickled for the worker (``Job(*wire)`` again there): a slotted dataclass is pickled through
        copyreg and a Python-level __getstate__, 2.6 us a job each way; a tuple is pickled in C."""
        return (self.webhook, self.body, self.context_key, self.context, self.deadline)


@dataclass(frozen=True, slots=True)
class Failed:
    """An exception of ours while working on a job: its type and where it was raised."""

    error: str
    where: str


@dataclass(frozen=True, slots=True)
class NeedContext:
    """The job named a context this worker does not have (it was replaced, or dropped it): send it again."""


@dataclass(frozen=True, slots=True)
class Expired:
    """The job's deadline had passed when the worker reached it: nobody waits for its answer any more."""


Answer = Verdict | Failed | NeedContext | Expired


def serve_jobs(conn: Connection, settings: WorkerSettings, nice: int = 0) -> None:
    """The worker's whole life: answer jobs until the server closes the socket; ``nice`` lowers its priority."""
    if nice:
        with contextlib.suppress(OSError):  # a platform without priorities: the lanes still hold
            os.nice(nice)
    # The server is the one to stop us (SIGKILL on overrun, EOF when it exits); a terminal's ^C reaches
    # the whole process group and must not print a traceback here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    chain = mutators(settings.plugin_mutation)
    contexts: OrderedDict[str, ValidationContext] = OrderedDict()
    while True:
        try:
            job = Job(*pickle.loads(conn.recv_bytes()))
        except (EOFError, OSError):
            return
        answer: Answer
        try:
            if job.deadline is not None and time.monotonic() >= job.deadline:
                answer = Expired()
            else:
                answer = _work(job, settings, chain, contexts)
        except Exception as exc:
            answer = Failed(type(exc).__name__, exception_site(exc) or "unknown")
        try:
            conn.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            return


def _work(job: Job, settings: WorkerSettings, chain: Any, contexts: OrderedDict[str, ValidationContext]) -> Answer:
    context = job.context
    if job.webhook == "validate":
        if context is not None and job.context_key is not None:
            contexts[job.context_key] = context
            if len(contexts) > KEPT_CONTEXTS:
                contexts.popitem(last=False)
        elif job.context_key is not None:
            context = contexts.get(job.context_key)
            if context is None:
                return NeedContext()
            contexts.move_to_end(job.context_key)
        if context is None:
            raise LookupError("a validation job without a context")
    manifest = manifest_of(parse_body(job.body, settings.max_depth))
    if job.webhook == "mutate":
        return mutation_verdict(manifest, chain)
    assert context is not None
    return validation_verdict(manifest, diagnostics_under(manifest, context, settings.policy))

