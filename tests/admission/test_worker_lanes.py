"""The worker pool's lanes: large bodies only in the large lane, whose processes run at a lower CPU priority."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import psutil  # type: ignore[import-untyped]

from tests.admission.conftest import review, valid_workflow
from webhook.admission.provider import Deadline
from webhook.admission.response import Verdict
from webhook.policy.settings import DEFAULT_POLICY
from webhook.server.worker_process import Job, WorkerSettings
from webhook.server.workers import LARGE_LANE_NICE, WorkerPool, _Worker
from webhook.validation.context import ValidationContext

SETTINGS = WorkerSettings(DEFAULT_POLICY, plugin_mutation=False, max_depth=100)


def _pool_of(lanes: list[bool]) -> tuple[WorkerPool, list[_Worker]]:
    """A pool with stand-in workers (no processes): only its choice of worker is under test."""
    pool = WorkerPool(len(lanes), SETTINGS, large_body_bytes=1000)
    workers = [_Worker(process=None, reader=None, writer=None, large_lane=lane) for lane in lanes]  # type: ignore[arg-type]
    for worker in workers:
        pool._all.add(worker)
        pool._release(worker)
    return pool, workers


def test_large_reviews_take_only_the_large_lane_and_small_ones_their_own_first() -> None:
    pool, (small_lane, large_lane) = _pool_of([False, True])
    assert pool._idle_for(large=True) is large_lane
    assert pool._idle_for(large=True) is None  # the small lane never takes a large review
    assert pool._idle_for(large=False) is small_lane
    pool, (small_lane, large_lane) = _pool_of([False, True])
    assert pool._idle_for(large=False) is small_lane
    assert pool._idle_for(large=False) is large_lane  # the small lane is busy: the large lane helps


async def test_a_freed_small_lane_worker_serves_only_small_waiters() -> None:
    pool, (small_lane, large_lane) = _pool_of([False, True])
    assert pool._idle_for(False) is small_lane and pool._idle_for(True) is large_lane
    loop = asyncio.get_running_loop()
    large_waiter: asyncio.Future[_Worker] = loop.create_future()
    small_waiter: asyncio.Future[_Worker] = loop.create_future()
    pool._waiting_large.append(large_waiter)
    pool._release(small_lane)
    assert not large_waiter.done() and pool._idle == [small_lane]
    pool._idle.clear()
    pool._waiting_small.append(small_waiter)
    pool._release(large_lane)  # a small review waiting goes first, even on the large lane
    assert small_waiter.result() is large_lane and not large_waiter.done()


def test_one_worker_is_one_lane_for_everything() -> None:
    pool, (only,) = _pool_of([False])
    assert not pool.lanes
    assert pool._idle_for(large=True) is only


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
        niceness = sorted(psutil.Process(w.process.pid).nice() for w in pool._all)
        base = psutil.Process().nice()
        assert niceness == [base, min(19, base + LARGE_LANE_NICE)]
    finally:
        await pool.close()
