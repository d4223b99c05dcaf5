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

Lanes. With two workers or more, one is kept for small reviews and the others
form the large lane: bodies of at least ``large_body_bytes`` go only to the large
lane, and small reviews use it when every small-lane worker is busy; when a
worker frees up a waiting small review goes first. So a small review never waits
behind large ones, only behind other small reviews (about half a millisecond
each). The large lane's processes run at a
lower CPU priority (``LARGE_LANE_NICE``): on a machine with few cores, an attacker's
megabyte objects then take the CPU only when small reviews, the event loop and
TLS do not need it (on two busy cores, one large validation otherwise doubled
the latency of every small review). With one worker there is one lane, at normal
priority.

Workers are forked from a forkserver that imported (and so warmed up) the
validator once; a fork costs milliseconds and shares those pages copy-on-write.

Pipelining. A worker that sleeps between jobs runs each with cold caches: the
seed review's whole job (parse, validate, policy, verdict) takes 320-420 us of
CPU in a warm loop, 470-540 us with a 0.2-1 ms sleep between reviews, 610-670 us
through the pool one job at a time. So under load a worker is sent small reviews
while it works (at most ``PIPELINE_DEPTH`` in all), and answers come back in order
on its socket. Large reviews still go only to idle workers. A small review is
queued in the small lane before it goes to an idle large-lane worker: on a busy
machine a process at nice +10 runs it later than the small lane would. Three
rules keep the lanes' promise:
- a job is queued only behind a small one, and only while that one has run less
  than ``PIPELINE_WINDOW`` (a worker on a slow job gets no more);
- jobs queued behind one that runs longer than ``RESCUE_AFTER`` are taken back
  and sent elsewhere (the worker may still do them; their answers are dropped);
- each job carries its review's deadline: the worker answers one it reaches too
  late ``Expired``, without work, so an abandoned job never holds it.
A worker is killed only for the job it is working on (the oldest unanswered one)
when that job's review overruns its deadline; the jobs queued behind it go to
another worker. Measured on the pool alone (2 workers, concurrency 32, seed
review): depth 1 2,290-2,370 jobs/s (server 116 us, workers 640 us a job),
depth 3-4 2,830-2,880 jobs/s (server 105-110 us, workers 560-590 us). The
channel is an ``asyncio.Protocol`` that parses frames itself: StreamReader's
three awaits per answer cost the server ~35 us a job. In exchange for the hop the
event loop no longer validates, and a review whose check never ends costs its
deadline, not the server. Repeated objects never pay it: they are answered from
the memo on the loop.
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
from multiprocessing.connection import Connection
from typing import Any

from webhook.admission.provider import Deadline
from webhook.logs import event
from webhook.server.worker_process import Answer, Expired, Job, NeedContext, WorkerSettings, serve_jobs

# Module the forkserver imports before forking workers: importing it warms the validator up.
PRELOAD = "webhook.server.prewarm"
# Context keys a worker is believed to hold (an optimisation: a worker that lacks one asks for it).
KNOWN_CONTEXTS = 200
# Niceness added to the large lane's processes (raising it needs no privilege; lowering it back would).
LARGE_LANE_NICE = 10
# Jobs a worker holds at once: the one it works on and those queued behind it.
PIPELINE_DEPTH = 3
# A job is queued behind another only while that one has run less than this (seconds): a small review takes
# about half a millisecond, so a worker past this is on something slow and gets no more.
PIPELINE_WINDOW = 0.005
# Jobs queued behind one that has run this long (seconds) are taken back and sent to another worker.
RESCUE_AFTER = 0.02
# Multiprocessing's framing (Connection.send_bytes / recv_bytes): a signed 32-bit size, or -1 and a 64-bit one.
_HEADER = struct.Struct("!i")
_LONG = struct.Struct("!Q")


class WorkerLost(Exception):
    """The job's worker went away, or gave it back, before it reached the job: it may go to another worker."""


class WorkerDied(Exception):
    """The worker exited while it worked on the job (a crash of the validator, or of the process)."""


class _Ticket:
    """A job on its way through the pool: waiting for a worker, then sent to one, until its answer arrives."""

    __slots__ = ("answer", "context", "job", "large", "needs_context", "worker")

    def __init__(self, job: Job, context: Any, large: bool, answer: asyncio.Future[Answer]) -> None:
        self.job = job
        self.context = context
        self.large = large
        # Set for each attempt: a job given back by one worker is sent again with a new future.
        self.answer = answer
        # The worker said it lacks the job's context: send it along whatever the worker is believed to hold.
        self.needs_context = False
        self.worker: _Worker | None = None


class _Worker(asyncio.Protocol):
    """One worker process and the server's end of its socket: jobs out, answers in, matched by their order."""

    def __init__(self, pool: WorkerPool, process: Any, large_lane: bool) -> None:
        self.pool = pool
        self.process = process
        # In the large lane: at lower CPU priority, takes large bodies (and small ones when the small lane is busy).
        self.large_lane = large_lane
        self.known: set[str] = set()
        self.transport: asyncio.Transport | None = None
        # Futures of the jobs sent and not answered, oldest first: the worker works on ``sent[0]``.
        self.sent: deque[asyncio.Future[Answer]] = deque()
        # When the worker started on ``sent[0]`` (loop time), and the timer that rescues the jobs behind it.
        self.head_since = 0.0
        self.head_large = False
        self.rescue: asyncio.TimerHandle | None = None
        self._buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport: we opened a stream socket

    def send(self, payload: bytes) -> None:
        assert self.transport is not None
        # One write, so one system call: the header and the payload written apart were two sends per job.
        self.transport.write(_HEADER.pack(len(payload)) + payload)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        offset = 0
        answered = False
        while True:
            start = offset + _HEADER.size
            if len(buffer) < start:
                break
            (size,) = _HEADER.unpack_from(buffer, offset)
            if size == -1:
                if len(buffer) < start + _LONG.size:
                    break
                (size,) = _LONG.unpack_from(buffer, start)
                start += _LONG.size
            end = start + size
            if len(buffer) < end:
                break
            answer = pickle.loads(buffer[start:end])
            offset = end
            if not self.sent:  # an answer to nothing: the stream is out of step, the worker cannot be trusted
                self.pool._replace(self, WorkerDied())
                return
            future = self.sent.popleft()
            if not future.done():
                future.set_result(answer)
            answered = True
        if offset:
            del buffer[:offset]
        if answered:
            self.pool._answered(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.pool._replace(self, WorkerDied())

    def kill(self) -> None:
        if self.rescue is not None:
            self.rescue.cancel()
        with contextlib.suppress(ProcessLookupError, AttributeError, OSError):
            self.process.kill()
        if self.transport is not None:
            self.transport.close()


class WorkerPool:
    """``size`` worker processes; ``run`` hands a job to one, within the review's deadline."""

    def __init__(self, size: int, settings: WorkerSettings, large_body_bytes: int) -> None:
        self.size = max(1, size)
        self.settings = settings
        self.large_body_bytes = large_body_bytes
        # Counted for /metrics: workers killed and replaced, jobs taken back from a slow worker.
        self.replaced = 0
        self.rescued = 0
        self._mp = multiprocessing.get_context("forkserver")
        self._mp.set_forkserver_preload([PRELOAD])
        # The live workers, the small lane first.
        self._workers: list[_Worker] = []
        self._waiting_small: deque[_Ticket] = deque()
        self._waiting_large: deque[_Ticket] = deque()
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
        loop = asyncio.get_running_loop()
        job = Job(job.webhook, job.body, job.context_key, None, deadline.expires)
        ticket = _Ticket(job, context, len(job.body) >= self.large_body_bytes, loop.create_future())
        try:
            # One timer for the whole hop (waiting for a worker, then its answer): arming and cancelling one
            # costs as much as a tenth of the hop.
            async with asyncio.timeout(deadline.remaining()):
                while True:
                    self._dispatch(ticket)
                    try:
                        answer = await ticket.answer
                    except WorkerLost:
                        ticket.answer = loop.create_future()
                        continue
                    if isinstance(answer, NeedContext):
                        ticket.needs_context = True
                        ticket.answer = loop.create_future()
                        continue
                    if isinstance(answer, Expired):  # the worker's clock ran out a moment before our timer
                        raise TimeoutError
                    return answer
        except TimeoutError:
            worker = ticket.worker
            if worker is not None and worker.sent and worker.sent[0] is ticket.answer:
                self._replace(worker, WorkerDied())  # it works on this very job: stop it
            raise

    def waiting(self) -> int:
        """Reviews waiting for a worker (none can take them now)."""
        return sum(not t.answer.done() for queue in (self._waiting_small, self._waiting_large) for t in queue)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._starting):
            task.cancel()
        workers = list(self._workers)
        self._workers.clear()
        for worker in workers:
            _fail(worker, WorkerDied())
            if worker.transport is not None:
                worker.transport.close()  # EOF: the worker returns from serve_jobs and exits
        loop = asyncio.get_running_loop()
        for worker in workers:
            await loop.run_in_executor(None, worker.process.join, 2.0)
            if worker.process.is_alive():
                worker.kill()

    # ------------------------------------------------------------------ jobs to workers

    def _dispatch(self, ticket: _Ticket) -> None:
        worker = self._worker_for(ticket.large)
        if worker is None:
            (self._waiting_large if ticket.large else self._waiting_small).append(ticket)
        else:
            self._send(worker, ticket)

    def _worker_for(self, large: bool) -> _Worker | None:
        """The worker to take a review now, or None.

        A large review: an idle worker of the large lane. A small one: the small lane's worker when it is idle or
        can take one more (see ``_has_room``), else an idle large-lane worker, else one with room: the large lane
        runs at a lower priority, so on a busy machine a small review waits less queued in the small lane.
        """
        if large:
            for worker in self._workers:
                if not worker.sent and (worker.large_lane or not self.lanes):
                    return worker
            return None
        now = asyncio.get_running_loop().time()
        with_room = None
        for worker in self._workers:  # at most ``size`` of them, the small lane first
            if not worker.sent:
                return worker
            if with_room is None and _has_room(worker, now):
                if not (self.lanes and worker.large_lane):
                    return worker
                with_room = worker
        return with_room

    def _send(self, worker: _Worker, ticket: _Ticket) -> None:
        job, context = ticket.job, ticket.context
        key = job.context_key
        with_context = context is not None and (key is None or ticket.needs_context or key not in worker.known)
        if with_context:
            job = Job(job.webhook, job.body, key, context, job.deadline)
        worker.send(pickle.dumps(job.wire(), protocol=pickle.HIGHEST_PROTOCOL))
        if with_context and key is not None:
            # The worker keeps it before it reaches the jobs sent after this one: they need not carry it.
            if len(worker.known) >= KNOWN_CONTEXTS:
                worker.known.clear()
            worker.known.add(key)
        if not worker.sent:
            # Large reviews go only to idle workers: a large job is always the one its worker works on.
            worker.head_large = ticket.large
            worker.head_since = asyncio.get_running_loop().time()
        worker.sent.append(ticket.answer)
        ticket.worker = worker
        if len(worker.sent) == 2:
            self._arm_rescue(worker)

    def _arm_rescue(self, worker: _Worker) -> None:
        if worker.rescue is not None:
            worker.rescue.cancel()
        worker.rescue = asyncio.get_running_loop().call_at(worker.head_since + RESCUE_AFTER, self._rescue, worker,
                                                            worker.sent[0])

    def _rescue(self, worker: _Worker, head: asyncio.Future[Answer]) -> None:
        """The worker is still on ``head``: the jobs queued behind it go to other workers."""
        worker.rescue = None
        if not worker.sent or worker.sent[0] is not head:
            return
        for future in list(worker.sent)[1:]:
            if not future.done():
                future.set_exception(WorkerLost())
                self.rescued += 1

    def _answered(self, worker: _Worker) -> None:
        """``worker`` answered one job or more: start the clock on its next one, and give it waiting reviews."""
        if worker.rescue is not None:
            worker.rescue.cancel()
            worker.rescue = None
        worker.head_large = False  # jobs are queued only behind small ones
        if worker.sent:
            worker.head_since = asyncio.get_running_loop().time()
            if len(worker.sent) >= 2:
                self._arm_rescue(worker)
        self._serve_waiting()

    def _serve_waiting(self) -> None:
        """Waiting reviews to workers that can take them now: small ones first."""
        for queue, large in ((self._waiting_small, False), (self._waiting_large, True)):
            while queue:
                ticket = queue[0]
                if ticket.answer.done():  # gave up waiting
                    queue.popleft()
                    continue
                worker = self._worker_for(large)
                if worker is None:
                    break
                queue.popleft()
                self._send(worker, ticket)

    # ------------------------------------------------------------------ workers in and out

    def _replace(self, worker: _Worker, error: Exception) -> None:
        """Kill ``worker`` and start another: its current job fails with ``error``, the rest go elsewhere."""
        if worker not in self._workers:
            return
        self._workers.remove(worker)
        _fail(worker, error)
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
        worker = _Worker(self, process, large_lane)
        await loop.create_unix_connection(lambda: worker, sock=sock)
        if self._closed:
            worker.kill()
            return
        self._workers.append(worker)
        self._workers.sort(key=lambda w: w.large_lane)
        self._serve_waiting()

    def _spawn(self, nice: int) -> tuple[Any, socket.socket]:
        """Fork a worker from the forkserver (blocking: called in a thread)."""
        ours, theirs = self._mp.Pipe(duplex=True)
        process = self._mp.Process(target=serve_jobs, args=(theirs, self.settings, nice), daemon=True,
                                   name="argo-warden-validator")
        process.start()
        theirs.close()
        return process, _socket_of(ours)


def _has_room(worker: _Worker, now: float) -> bool:
    """Whether a small review may be queued on ``worker``: it works on a small one, started less than
    ``PIPELINE_WINDOW`` ago, and holds fewer than ``PIPELINE_DEPTH`` jobs."""
    return len(worker.sent) < PIPELINE_DEPTH and not worker.head_large and now - worker.head_since < PIPELINE_WINDOW


def _fail(worker: _Worker, error: Exception) -> None:
    """Fail the jobs ``worker`` holds: the one it works on with ``error``, those queued behind it as lost."""
    sent = list(worker.sent)
    worker.sent.clear()
    for i, future in enumerate(sent):
        if not future.done():
            future.set_exception(error if i == 0 else WorkerLost())


def _socket_of(conn: Connection) -> socket.socket:
    sock = socket.socket(fileno=os.dup(conn.fileno()))
    conn.close()
    sock.setblocking(False)
    return sock
