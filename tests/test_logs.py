"""JSON log lines: one object per line; lines of one event-loop iteration leave stderr in one write."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator

import pytest

from webhook import logs


class RecordingStream:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.writes.append(data)
        return len(data)

    def flush(self) -> None:
        pass

    def lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for chunk in self.writes for line in chunk.splitlines()]


@pytest.fixture
def stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingStream]:
    names = (logs.LOGGER_NAME, "aiohttp.server", "aiohttp.web", "asyncio")
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level,
                    logging.getLogger(name).propagate) for name in names}
    monkeypatch.setattr(logs, "_sink", None)
    monkeypatch.setattr(logs, "_level", logging.INFO)
    recording = RecordingStream()
    logs.configure(stream=recording)  # type: ignore[arg-type]
    yield recording
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


def test_lines_written_on_the_loop_leave_together_at_the_end_of_the_iteration(stream: RecordingStream) -> None:
    async def three_reviews() -> int:
        for uid in ("a", "b", "c"):
            logs.event("review", uid=uid, ms=1.5)
        written_before_yielding = len(stream.writes)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return written_before_yielding

    assert asyncio.run(three_reviews()) == 0
    assert len(stream.writes) == 1
    lines = stream.lines()
    assert [line["uid"] for line in lines] == ["a", "b", "c"]
    assert all(line["msg"] == "review" and line["level"] == "info" and str(line["ts"]).endswith("Z")
               for line in lines)


def test_without_a_loop_or_from_another_thread_a_line_is_written_at_once(stream: RecordingStream) -> None:
    logs.event("starting", port=8443)
    assert stream.lines()[-1]["port"] == 8443

    async def from_a_worker_thread() -> None:
        thread = threading.Thread(target=logs.event, args=("from a thread",))
        thread.start()
        thread.join()
        assert stream.lines()[-1]["msg"] == "from a thread"

    asyncio.run(from_a_worker_thread())


def test_levels_below_the_configured_one_are_dropped_and_flush_writes_what_waits(stream: RecordingStream) -> None:
    async def log() -> None:
        logs.event("detail", logging.DEBUG)
        logs.event("trouble", logging.WARNING, reason="x")
        logs.flush()
        assert [line["msg"] for line in stream.lines()] == ["trouble"]

    asyncio.run(log())
    assert stream.lines()[0]["level"] == "warning"


def test_other_libraries_records_go_to_the_same_sink_as_json(stream: RecordingStream) -> None:
    logging.getLogger("aiohttp.server").warning("bad request from %s", "127.0.0.1")
    logging.getLogger("aiohttp.server").info("not shown: aiohttp is kept at warnings")
    assert [(line["level"], line["msg"]) for line in stream.lines()] == [("warning", "bad request from 127.0.0.1")]


def test_values_json_has_no_form_for_are_written_as_text(stream: RecordingStream) -> None:
    logs.event("odd", path=b"bytes", big=2**70)
    line = stream.lines()[0]
    assert line["path"] == "b'bytes'" and line["big"] == 2**70
