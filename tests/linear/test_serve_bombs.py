"""A real ``argo-warden serve`` keeps answering normal reviews while it checks objects built to be slow."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.admission.conftest import review, valid_workflow
from tests.admission.test_serve_process import ServeProcess
from tests.linear.bombs import dag_chain, kind_bomb, step_name_bomb, url_bomb
from webhook.certs import issue

# Each of these held the whole server before: 60,000 '{' in a url for 13 s, a 1 MB kind for 6 s a review, a
# 3,000-task DAG chain for 16 s (then a 504).
SIZE = 60_000
# A normal review is answered in milliseconds; before, the ones sent during a bomb waited 10 s and more.
PROBE_SECONDS = 1.5


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServeProcess, ssl.SSLContext]]:
    files = issue(tmp_path / "certs")
    process = ServeProcess(["--tls-cert", str(files.cert), "--tls-key", str(files.key)], tmp_path)
    try:
        yield process, ssl.create_default_context(cafile=str(files.ca_cert))
    finally:
        process.stop()


async def _post(session: aiohttp.ClientSession, url: str, ctx: ssl.SSLContext,
                body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """Seconds to the answer, and the review's response (or, for a request refused as such, the error)."""
    started = time.monotonic()
    async with session.post(url, json=body, ssl=ctx) as resp:
        # 400: a request the server refuses before validating (a megabyte kind is not a kind).
        assert resp.status in (200, 400), await resp.text()
        answer = await resp.json()
    return time.monotonic() - started, answer.get("response", answer)


@pytest.mark.parametrize(("bomb", "size"), [(url_bomb, SIZE), (step_name_bomb, SIZE), (kind_bomb, 1_000_000),
                                             (dag_chain, 3000)],
                         ids=["url", "step-name", "kind", "3000-task-dag"])
async def test_normal_reviews_are_answered_while_a_bomb_is_checked(
        server: tuple[ServeProcess, ssl.SSLContext], bomb: Any, size: int) -> None:
    process, ctx = server
    await process.wait_ready(ctx)
    url = process.url + "/validate?timeout=10s"
    async with aiohttp.ClientSession() as session:
        await _post(session, url, ctx, review(valid_workflow()))  # warm: compile the checkers
        attacks = [asyncio.create_task(_post(session, url, ctx, review(bomb(size)))) for _ in range(3)]
        probes: list[float] = []
        while not all(a.done() for a in attacks) or len(probes) < 5:
            seconds, answer = await _post(session, url, ctx, review(valid_workflow()))
            assert answer["allowed"] is True
            probes.append(seconds)
        for attack in attacks:
            seconds, answer = attack.result()
            # Denied (or, for the kind, not an Argo kind): in any case the answer quotes the offending
            # value shortened, not all of it.
            assert len(json.dumps(answer)) < 4000, str(answer)[:300]
            if bomb is dag_chain:
                # The cheap size error, not a 504 after seconds of reference checks.
                assert answer["allowed"] is False and "AW112" in answer["status"]["message"], answer
    assert max(probes) < PROBE_SECONDS, probes
