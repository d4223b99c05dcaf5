"""DESIGN: reviews are validated in a small pool of worker processes that is killed and replaced on overrun.

Why processes. A review must be answered before the API server's deadline
whatever the object holds, even if a check has a bug (a backtracking regex, a
quadratic walk). Python cannot preempt a thread that holds the GIL: a check
stuck in ``re`` held the whole server, event loop included, for minutes (issue
13, fault 1), and abandoning its future did not stop it. A process can be
stopped: a worker that overruns the review's deadline is SIGKILLed, the review is
answered under the failure policy, and a new worker takes its place.

What runs where. The event loop (the server process) reads and parses the
body, takes the shortcuts (DELETE, unchanged spec, not an Argo kind), asks the
provider for the context (cluster lookups, SubjectAccessReviews: I/O stays on
the loop, see ``webhook.kube.prefetch``), and answers repeated objects from the
validation memo. Only the pure validation (and mutation) core goes to a worker:
the body's bytes, plus the context once per ``cache_key`` per worker
(``webhook.server.worker_process``). The answer is the verdict alone.

Lanes. A worker works on one review at a time. With two workers or more, one
is kept for small reviews and the others form the large lane: bodies of at least
``large_body_bytes`` go only to the large lane, and small reviews use it when
every small-lane worker is busy; when a worker frees up a waiting small review
goes first. So a small review never waits behind large ones, only behind other
small reviews (about a millisecond each). The large lane's processes run at a
lower CPU priority (``LARGE_LANE_NICE``): on a machine with few cores, an attacker's
megabyte objects then take the CPU only when small reviews, the event loop and
TLS do not need it (on two busy cores, one large validation otherwise doubled
the latency of every small review). With one worker there is one lane, at normal
priority.

Workers are forked from a forkserver that imported (and so warmed up) the
validator once; a fork costs milliseconds and shares those pages copy-on-write.

Cost of the hop, measured with the seed workflow review (1.4 KB) on the 2-core
machine of the issue, quiet: the whole job (parse, validate, policy, verdict)
takes 320-380 us of CPU in a warm loop in one process; through the pool, one job
at a time, the worker spends 610-670 us and the server process ~155 us on it.
Most of the worker's extra is not our code: the same loop with a 0.2-1 ms sleep
between reviews already takes 470-540 us (a process that sleeps between jobs
runs them with cold caches), the rest is the pipe and pickling. In exchange the
event loop no longer validates, and a review whose check never ends costs its
deadline, not the server. Sending a worker its next job while it still works on
one would keep it from sleeping under load; not done, as a killed worker would
take the queued review with it and the lanes' promise would need rethinking.
Repeated objects never pay it: they are answered from the memo on the loop.
A script that starts the pool must guard its main module (``if __name__ ==
"__main__"``): workers import it, as every multiprocessing child does;
``python -m webhook`` and the ``argo-warden`` entry point are safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import socket
import struct
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from webhook.admission.provider import Deadline
from webhook.logs import event
from webhook.server.worker_process import Answer, Job, NeedContext, WorkerSettings, serve_jobs

# Module the forkserver imports before forking workers: importing it warms the validator up.
PRELOAD = "webhook.server.prewarm"
# Context keys a worker is believed to hold (an optimisation: a worker that lacks one asks for it).
KNOWN_CONTEXTS = 200
# Niceness added to the large lane's processes (raising it needs no privilege; lowering it back would).
LARGE_LANE_NICE = 10
_HEADER = struct.Struct("!i")
_LONG = struct.Struct("!Q")


@dataclass(eq=False)
class _Worker:
    process: Any
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    # In the large lane: at lower CPU priority, takes large bodies (and small ones when the small lane is busy).
    large_lane: bool
    known: set[str] = field(default_factory=set)

    async def ask(self, job: Job) -> Answer:
        # Framed as multiprocessing.Connection frames it: the worker reads with recv_bytes.
        # One write, so one system call: the header and the payload written apart were two sends per job.
        payload = pickle.dumps(job.wire(), protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(_HEADER.pack(len(payload)) + payload)
        await self.writer.drain()
        (size,) = _HEADER.unpack(await self.reader.readexactly(_HEADER.size))
        if size == -1:
            (size,) = _LONG.unpack(await self.reader.readexactly(_LONG.size))
        answer: Answer = pickle.loads(await self.reader.readexactly(size))
        return answer

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, AttributeError, OSError):
            self.process.kill()
        self.writer.close()


class WorkerPool:
    """``size`` worker processes; ``run`` hands a job to one, within the review's deadline."""

    def __init__(self, size: int, settings: WorkerSettings, large_body_bytes: int) -> None:
        self.size = max(1, size)
        self.settings = settings
        self.large_body_bytes = large_body_bytes
        self.replaced = 0
        self._mp = multiprocessing.get_context("forkserver")
        self._mp.set_forkserver_preload([PRELOAD])
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._waiting_small: deque[asyncio.Future[_Worker]] = deque()
        self._waiting_large: deque[asyncio.Future[_Worker]] = deque()
        self._starting: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def lanes(self) -> bool:
        """Whether small and large reviews have lanes of their own (two workers or more)."""
        return self.size >= 2

    async def start(self) -> None:
        """Start every worker (the first start also starts the forkserver, which warms up: seconds)."""
        await asyncio.gather(*(self._add(large_lane=self.lanes and i > 0) for i in range(self.size)))

    async def run(self, job: Job, deadline: Deadline, context: Any = None) -> Answer:
        """The worker's answer to ``job``; TimeoutError when it could not be had before ``deadline``.

        ``context`` (a ValidationContext) is sent along unless the worker holds ``job.context_key``.
        """
        large = len(job.body) >= self.large_body_bytes
        # One timer for the whole hop (waiting for a worker, then its answer): arming and cancelling one costs
        # as much as a tenth of the hop. A timeout while waiting leaves no worker to replace.
        async with asyncio.timeout(deadline.remaining()):
            worker = await self._acquire(large)
            healthy = False
            try:
                key = job.context_key
                send = context is not None and (key is None or key not in worker.known)
                answer = await worker.ask(_with(job, context) if send else job)
                if isinstance(answer, NeedContext):
                    answer = await worker.ask(_with(job, context))
                if key is not None and context is not None:
                    if len(worker.known) >= KNOWN_CONTEXTS:
                        worker.known.clear()
                    worker.known.add(key)
                healthy = True
                return answer
            finally:
                if healthy:
                    self._release(worker)
                else:
                    self._replace(worker)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._starting):
            task.cancel()
        workers = list(self._all)
        self._all.clear()
        self._idle.clear()
        for worker in workers:
            worker.writer.close()  # EOF: the worker returns from serve_jobs and exits
        loop = asyncio.get_running_loop()
        for worker in workers:
            await loop.run_in_executor(None, worker.process.join, 2.0)
            if worker.process.is_alive():
                worker.kill()

    # ------------------------------------------------------------------ workers in and out

    async def _acquire(self, large: bool) -> _Worker:
        worker = self._idle_for(large)
        if worker is not None:
            return worker
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        (self._waiting_large if large else self._waiting_small).append(waiter)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())  # handed over just as we gave up: pass it on
            else:
                waiter.cancel()
            raise

    def _idle_for(self, large: bool) -> _Worker | None:
        """An idle worker for a review: a large one only in the large lane, a small one in its own lane first."""
        chosen = None
        for worker in self._idle:  # at most ``size`` of them
            if large and self.lanes and not worker.large_lane:
                continue
            chosen = worker
            if large or not worker.large_lane:
                break
        if chosen is not None:
            self._idle.remove(chosen)
        return chosen

    def _release(self, worker: _Worker) -> None:
        if worker not in self._all:
            return
        takes_large = worker.large_lane or not self.lanes
        for queue in (self._waiting_small, self._waiting_large) if takes_large else (self._waiting_small,):
            while queue:
                waiter = queue.popleft()
                if waiter.done():
                    continue  # gave up waiting
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        worker.kill()
        self.replaced += 1
        event("validation worker replaced", logging.WARNING, pid=worker.process.pid,
              reason="overran the review's deadline or failed")
        if not self._closed:
            task = asyncio.get_running_loop().create_task(self._add(worker.large_lane, reap=worker))
            self._starting.add(task)
            task.add_done_callback(self._starting.discard)

    async def _add(self, large_lane: bool, reap: _Worker | None = None) -> None:
        loop = asyncio.get_running_loop()
        if reap is not None:
            await loop.run_in_executor(None, reap.process.join, 5.0)
        process, sock = await loop.run_in_executor(None, self._spawn, LARGE_LANE_NICE if large_lane else 0)
        reader, writer = await asyncio.open_unix_connection(sock=sock)
        worker = _Worker(process, reader, writer, large_lane)
        if self._closed:
            worker.kill()
            return
        self._all.add(worker)
        self._release(worker)

    def _spawn(self, nice: int) -> tuple[Any, socket.socket]:
        """Fork a worker from the forkserver (blocking: called in a thread)."""
        ours, theirs = self._mp.Pipe(duplex=True)
        process = self._mp.Process(target=serve_jobs, args=(theirs, self.settings, nice), daemon=True,
                                   name="argo-warden-validator")
        process.start()
        theirs.close()
        return process, _socket_of(ours)


def _with(job: Job, context: Any) -> Job:
    return Job(job.webhook, job.body, job.context_key, context)


def _socket_of(conn: Connection) -> socket.socket:
    sock = socket.socket(fileno=os.dup(conn.fileno()))
    conn.close()
    sock.setblocking(False)
    return sock
