"""Structured logs: one JSON object per line on stderr; callers pass fields, never object contents."""

from __future__ import annotations

import logging
import sys
import time
import traceback
from typing import Any

from webhook import wirejson

LOGGER_NAME = "argo_warden"
logger = logging.getLogger(LOGGER_NAME)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        return wirejson.dumps(entry).decode("utf-8", "surrogatepass")


def configure(level: int = logging.INFO) -> None:
    """Send argo-warden's logs to stderr as JSON lines, and keep aiohttp's access log quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    for name in ("aiohttp.server", "aiohttp.web", "asyncio"):
        other = logging.getLogger(name)
        other.handlers[:] = [handler]
        other.setLevel(logging.WARNING)
        other.propagate = False


def event(message: str, level: int = logging.INFO, /, **fields: Any) -> None:
    if logger.isEnabledFor(level):
        logger.log(level, message, extra={"fields": fields})


def exception_site(exc: BaseException) -> str | None:
    """Where an exception was raised (file:line in function), for logs: its message may quote the object."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else None
    if not frames:
        return None
    frame = frames[-1]
    return f"{frame.filename}:{frame.lineno} in {frame.name}"
