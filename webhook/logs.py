"""Structured logs: one JSON object per line on stderr; callers pass fields, never object contents.

Once ``configure`` ran (the serve and plugin commands), ``event`` writes its
line straight to stderr, bypassing ``logging``'s records, handlers and locks,
and the lines of one event-loop iteration leave in one write: a line per
review at thousands of reviews a second made logging a tenth of the server's
CPU, half of it the system call per line. Other libraries' records still go
through ``logging`` to the same sink. Without ``configure`` (a library caller,
tests) ``event`` is plain ``logging``.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import sys
import threading
import time
import traceback
from typing import IO, Any

from webhook import wirejson

LOGGER_NAME = "argo_warden"
logger = logging.getLogger(LOGGER_NAME)


class LineSink:
    """JSON lines to a binary stream; lines written on an event loop leave together at the end of its iteration."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self._pending: list[bytes] = []
        self._scheduled = False
        self._lock = threading.Lock()

    def write(self, line: bytes) -> None:
        with self._lock:
            self._pending.append(line)
            if self._scheduled:
                return
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                self._scheduled = True
        if loop is None:
            self.flush()
        else:
            loop.call_soon(self.flush)

    def flush(self) -> None:
        with self._lock:
            lines, self._pending, self._scheduled = self._pending, [], False
        if lines:
            try:
                self.stream.write(b"".join(lines))
                self.stream.flush()
            except (OSError, ValueError):
                pass  # stderr closed or gone: nothing sensible left to do with a log line


def json_line(level: int, message: str, fields: dict[str, Any] | None, created: float | None = None) -> bytes:
    now = time.time() if created is None else created
    entry: dict[str, Any] = {"ts": _timestamp(now), "level": logging.getLevelName(level).lower(), "msg": message}
    if fields:
        entry.update(fields)
    return wirejson.dumps(entry) + b"\n"


_second: list[Any] = [None, ""]


def _timestamp(now: float) -> str:
    whole = int(now)
    if _second[0] != whole:
        _second[:] = [whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))]
    return f"{_second[1]}.{int((now - whole) * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        line = json_line(record.levelno, record.getMessage(), fields if isinstance(fields, dict) else None,
                         record.created)
        return line[:-1].decode("utf-8", "surrogatepass")


class _SinkHandler(logging.Handler):
    def __init__(self, sink: LineSink) -> None:
        super().__init__()
        self.sink = sink
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.sink.write(self.format(record).encode("utf-8", "surrogatepass") + b"\n")
        except Exception:
            self.handleError(record)


_sink: LineSink | None = None
_level = logging.INFO


def configure(level: int = logging.INFO, stream: IO[bytes] | None = None) -> None:
    """Send argo-warden's logs to stderr as JSON lines, and keep aiohttp's access log quiet."""
    global _sink, _level
    if _sink is not None:
        _sink.flush()
    else:
        atexit.register(lambda: _sink.flush() if _sink is not None else None)
    _sink = LineSink(stream or _binary(sys.stderr))
    _level = level
    handler = _SinkHandler(_sink)
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    for name in ("aiohttp.server", "aiohttp.web", "asyncio"):
        other = logging.getLogger(name)
        other.handlers[:] = [handler]
        other.setLevel(logging.WARNING)
        other.propagate = False


class _TextWriter:
    """A text stream (a replaced sys.stderr without a binary buffer) seen as a binary one."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text

    def write(self, data: bytes) -> int:
        return self.text.write(data.decode("utf-8", "replace"))

    def flush(self) -> None:
        self.text.flush()


def _binary(text: IO[str]) -> IO[bytes]:
    buffer = getattr(text, "buffer", None)
    return buffer if buffer is not None else _TextWriter(text)  # type: ignore[return-value]


def event(message: str, level: int = logging.INFO, /, **fields: Any) -> None:
    sink = _sink
    if sink is not None:
        if level >= _level:
            sink.write(json_line(level, message, fields))
    elif logger.isEnabledFor(level):
        logger.log(level, message, extra={"fields": fields})


def flush() -> None:
    """Write out the lines still waiting for the end of the event loop's iteration."""
    if _sink is not None:
        _sink.flush()


def exception_site(exc: BaseException) -> str | None:
    """Where an exception was raised (file:line in function), for logs: its message may quote the object."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else None
    if not frames:
        return None
    frame = frames[-1]
    return f"{frame.filename}:{frame.lineno} in {frame.name}"
