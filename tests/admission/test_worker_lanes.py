"""The worker pool: lanes (large bodies only in the large lane, at a lower CPU priority), pipelining, and what
happens to the jobs of a worker that overruns, dies or is slow.

Most tests drive the pool's logic with stand-in workers (a transport that records the jobs written to it, answers
fed to the worker's protocol by hand); the last ones start real worker processes.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import struct
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest

from tests.admission.conftest import review, valid_workflow
from webhook.admission.provider import Deadline
from webhook.admission.response import Verdict, allow
from webhook.policy.settings import DEFAULT_POLICY
from webhook.server.worker_process import Answer, Expired, Job, NeedContext, WorkerSettings
from webhook.server.workers import (
    LARGE_LANE_NICE,
    PIPELINE_DEPTH,
    RESCUE_AFTER,
    WorkerDied,
    WorkerPool,
    _Worker,
)
from webhook.validation.context import ValidationContext

SETTINGS = WorkerSettings(DEFAULT_POLICY, plugin_mutation=False, max_depth=100)
LARGE = 1000
CONTEXT = ValidationContext(cache_key="k")


class _Socket(asyncio.Transport):
    """The server's end of a stand-in worker's socket: keeps the jobs written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[Job] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        (size,) = struct.unpack("!i", bytes(data[:4]))
        assert size == len(data) - 4
        self.jobs.append(Job(*pickle.loads(data[4:])))

    def close(self) -> None:
        pass


class _Process:
    pid = 0
    killed = False

    def kill(self) -> None:
        self.killed = True


def _pool_of(lanes: list[bool]) -> tuple[WorkerPool, list[_Worker]]:
    """A pool of stand-in workers (no processes, none started in place of one replaced)."""
    pool = WorkerPool(len(lanes), SETTINGS, large_body_bytes=LARGE)

    async def no_new_worker(large_lane: bool, reap: _Worker | None = None) -> None:
        pass

    pool._add = no_new_worker  # type: ignore[method-assign]
    workers = []
    for lane in lanes:
        worker = _Worker(pool, _Process(), lane)
        worker.connection_made(_Socket())
        workers.append(worker)
    pool._workers = sorted(workers, key=lambda w: w.large_lane)
    return pool, workers


def _jobs(worker: _Worker) -> list[Job]:
    assert isinstance(worker.transport, _Socket)
    return worker.transport.jobs


def _answer(worker: _Worker, answer: Answer) -> None:
    payload = pickle.dumps(answer)
    worker.data_received(struct.pack("!i", len(payload)) + payload)


async def _submit(pool: WorkerPool, name: str, large: bool = False, seconds: float = 5) -> asyncio.Task[Answer]:
    body = name.encode().ljust(LARGE if large else 10, b" ")
    task = asyncio.create_task(pool.run(Job("validate", body, "k"), Deadline.after(seconds), CONTEXT))
    await asyncio.sleep(0)  # the task runs up to its wait: sent to a worker, or waiting for one
    return task


def _names(worker: _Worker) -> list[str]:
    return [job.body.decode().strip() for job in _jobs(worker)]


async def test_large_reviews_take_only_the_large_lane_and_small_ones_their_own_first() -> None:
    pool, (small_lane, large_lane) = _pool_of([False, True])
    first_large = await _submit(pool, "large-1", large=True)
    second_large = await _submit(pool, "large-2", large=True)
    small = await _submit(pool, "small-1")
    assert _names(large_lane) == ["large-1"] and _names(small_lane) == ["small-1"]  # large-2 waits
    # Nothing is queued behind a large review: the next small one goes behind small-1.
    await _submit(pool, "small-2")
    assert _names(small_lane) == ["small-1", "small-2"] and _names(large_lane) == ["large-1"]
    _answer(large_lane, allow("large-1"))
    assert (await first_large).reason == "large-1"  # type: ignore[union-attr]
    assert _names(large_lane) == ["large-1", "large-2"]  # the freed large lane takes the waiting large review
    _answer(small_lane, allow("small-1"))
    assert (await small).reason == "small-1"  # type: ignore[union-attr]
    _answer(large_lane, allow("large-2"))
    assert (await second_large).reason == "large-2"  # type: ignore[union-attr]


async def test_one_worker_is_one_lane_for_everything() -> None:
    pool, (only,) = _pool_of([False])
    assert not pool.lanes
    task = await _submit(pool, "large", large=True)
    assert _names(only) == ["large"]
    _answer(only, allow("large"))
    assert (await task).reason == "large"  # type: ignore[union-attr]


async def test_a_busy_worker_is_sent_small_reviews_up_to_the_depth_and_answers_each_its_own() -> None:
    pool, (small_lane, large_lane) = _pool_of([False, True])
    tasks = [await _submit(pool, f"r{i}") for i in range(2 * PIPELINE_DEPTH + 1)]
    # The small lane until it is full, then the large lane; the last one waits.
    assert _names(small_lane) == [f"r{i}" for i in range(PIPELINE_DEPTH)]
    assert _names(large_lane) == [f"r{i}" for i in range(PIPELINE_DEPTH, 2 * PIPELINE_DEPTH)]
    assert not any(t.done() for t in tasks)
    for worker in (small_lane, large_lane):
        for name in _names(worker):
            _answer(worker, allow(name))
    # The first answer made room: the waiting review went to that worker.
    last = _names(small_lane)[-1]
    assert last == f"r{2 * PIPELINE_DEPTH}"
    _answer(small_lane, allow(last))
    for i, task in enumerate(tasks):
        assert (await task).reason == f"r{i}"  # type: ignore[union-attr]


async def test_nothing_is_queued_behind_a_review_that_has_run_for_a_while() -> None:
    pool, (small_lane, large_lane) = _pool_of([False, True])
    slow = await _submit(pool, "slow")
    small_lane.head_since -= 1.0  # as if it had started a second ago
    await _submit(pool, "other")
    large_lane.head_since -= 1.0
    waiting = await _submit(pool, "waiting")
    assert _names(small_lane) == ["slow"] and _names(large_lane) == ["other"]
    assert pool._waiting_small and not waiting.done()
    _answer(small_lane, allow("slow"))
    assert (await slow).reason == "slow"  # type: ignore[union-attr]
    assert _names(small_lane) == ["slow", "waiting"]


async def test_reviews_queued_behind_a_slow_one_are_taken_back_and_sent_elsewhere() -> None:
    pool, (small_lane, large_lane) = _pool_of([False, True])
    busy = await _submit(pool, "busy")
    queued = [await _submit(pool, f"queued-{i}") for i in range(PIPELINE_DEPTH - 1)]  # behind busy, just started
    other = await _submit(pool, "other")  # the small lane is full: the large lane
    assert _names(small_lane) == ["busy", "queued-0", "queued-1"] and _names(large_lane) == ["other"]
    await asyncio.sleep(RESCUE_AFTER * 3)  # busy is still not answered: the queued ones are taken back, and wait
    assert len(pool._waiting_small) == 2 and not any(task.done() for task in queued)
    assert pool.rescued == 2 and pool.waiting() == 2
    _answer(large_lane, allow("other"))
    await other
    assert _names(large_lane) == ["other", "queued-0", "queued-1"]
    for i, task in enumerate(queued):
        _answer(large_lane, allow(f"queued-{i} (large lane)"))
        assert (await task).reason == f"queued-{i} (large lane)"  # type: ignore[union-attr]
    # The slow worker answers all three in the end: the last two answers are nobody's any more.
    for name in ("busy", "queued-0 (small lane)", "queued-1 (small lane)"):
        _answer(small_lane, allow(name))
    assert (await busy).reason == "busy"  # type: ignore[union-attr]
    assert not small_lane.sent and small_lane in pool._workers


async def test_an_overrun_kills_only_the_worker_on_that_review_and_its_queue_goes_elsewhere() -> None:
    pool, (small_lane, large_lane) = _pool_of([False, True])
    stuck = await _submit(pool, "stuck", seconds=0.1)
    innocent = await _submit(pool, "innocent")  # behind stuck
    assert _names(small_lane) == ["stuck", "innocent"]
    with pytest.raises(TimeoutError):
        await stuck
    assert small_lane.process.killed and small_lane not in pool._workers and pool.replaced == 1
    assert not large_lane.process.killed
    assert _names(large_lane) == ["innocent"]
    _answer(large_lane, allow("innocent"))
    assert (await innocent).reason == "innocent"  # type: ignore[union-attr]


async def test_a_review_that_times_out_behind_another_is_not_a_reason_to_kill() -> None:
    pool, (only,) = _pool_of([False])
    first = await _submit(pool, "first")
    hurried = await _submit(pool, "hurried", seconds=0.05)
    with pytest.raises(TimeoutError):
        await hurried
    assert only in pool._workers and not only.process.killed
    # The worker reaches it after its deadline and says so; the answer is nobody's.
    _answer(only, allow("first"))
    _answer(only, Expired())
    assert (await first).reason == "first"  # type: ignore[union-attr]
    assert not only.sent


async def test_a_worker_that_dies_fails_its_current_review_and_hands_on_the_rest() -> None:
    pool, (small_lane, large_lane) = _pool_of([False, True])
    crashing = await _submit(pool, "crashing")
    behind = await _submit(pool, "behind")
    assert _names(small_lane) == ["crashing", "behind"]
    small_lane.connection_lost(None)
    with pytest.raises(WorkerDied):
        await crashing
    assert small_lane not in pool._workers and pool.replaced == 1
    assert _names(large_lane) == ["behind"]
    _answer(large_lane, allow("behind"))
    assert (await behind).reason == "behind"  # type: ignore[union-attr]


async def test_an_answer_to_nothing_replaces_the_worker() -> None:
    pool, (only,) = _pool_of([False])
    _answer(only, allow("nobody asked"))
    assert only not in pool._workers and only.process.killed


async def test_the_context_goes_once_per_worker_and_again_when_it_asks() -> None:
    pool, (only,) = _pool_of([False])
    first = await _submit(pool, "first")
    second = await _submit(pool, "second")
    assert [job.context is not None for job in _jobs(only)] == [True, False]
    _answer(only, allow("first"))
    _answer(only, NeedContext())  # it had dropped it
    for _ in range(3):
        await asyncio.sleep(0)  # the review's task wakes up and sends it again
    assert [job.context is not None for job in _jobs(only)] == [True, False, True]
    _answer(only, allow("second"))
    assert (await first).reason == "first" and (await second).reason == "second"  # type: ignore[union-attr]
    assert all(job.deadline is not None for job in _jobs(only))


async def test_an_expired_answer_is_a_timeout() -> None:
    pool, (only,) = _pool_of([False])
    task = await _submit(pool, "late")
    _answer(only, Expired())
    with pytest.raises(TimeoutError):
        await task
    assert only in pool._workers


def _body(name: str, tasks: int = 0) -> bytes:
    wf: dict[str, Any] = valid_workflow()
    wf["metadata"] = {"name": name}
    if tasks:
        main = wf["spec"]["templates"][0]
        main["dag"]["tasks"] += [{"name": f"extra-{i}", "template": main["dag"]["tasks"][0]["template"]}
                                 for i in range(tasks)]
    return json.dumps(review(wf)).encode()


async def test_the_large_lane_runs_at_lower_priority_and_both_lanes_answer() -> None:
    pool = WorkerPool(2, SETTINGS, large_body_bytes=4096)
    await pool.start()
    try:
        large, small = _body("large", tasks=100), _body("small")
        assert len(large) >= 4096 > len(small)
        context = ValidationContext()
        answers = await asyncio.gather(*(pool.run(Job("validate", body), Deadline.after(20), context)
                                         for body in (large, small, large, small)))
        assert all(isinstance(a, Verdict) and a.allowed for a in answers), answers
        # Each worker has answered a job by now, so it has set its own priority.
        niceness = sorted(psutil.Process(w.process.pid).nice() for w in pool._workers)
        base = psutil.Process().nice()
        assert niceness == [base, min(19, base + LARGE_LANE_NICE)]
    finally:
        await pool.close()


def _missing_template(name: str) -> bytes:
    wf: dict[str, Any] = valid_workflow()
    wf["metadata"] = {"name": name}
    wf["spec"]["templates"][0]["dag"]["tasks"][0]["template"] = f"no-{name}"
    return json.dumps(review(wf)).encode()


async def test_real_workers_under_a_burst_answer_every_review_with_its_own_verdict() -> None:
    # Pipelined jobs come back in order on each worker's socket: a mix-up would give a review another's verdict.
    pool = WorkerPool(2, SETTINGS, large_body_bytes=1 << 20)
    await pool.start()
    try:
        names = [f"wf-{i}" for i in range(120)]
        bodies = [_missing_template(n) if i % 3 == 0 else _body(n) for i, n in enumerate(names)]
        answers = await asyncio.gather(*(pool.run(Job("validate", body, "ctx"), Deadline.after(30),
                                                  ValidationContext(cache_key="ctx")) for body in bodies))
        for i, (name, answer) in enumerate(zip(names, answers, strict=True)):
            assert isinstance(answer, Verdict), answer
            if i % 3 == 0:
                assert not answer.allowed and f"no-{name}" in (answer.message or ""), answer
            else:
                assert answer.allowed, answer
        assert pool.replaced == 0
    finally:
        await pool.close()
