"""Deadlines and stops that say why: a node cancelled by one records the reason as its message.

``asyncio.timeout`` cancels without a word; here the reason is set before the
cancellation, and every task started inside inherits (through a context
variable) the chain of deadlines it runs under, so a node interrupted deep
inside a DAG knows whether its step's timeout, its workflow's deadline or a
stop ended it.
"""

from __future__ import annotations

import asyncio
import contextvars
from types import TracebackType

_ACTIVE: contextvars.ContextVar[tuple[Deadline, ...]] = contextvars.ContextVar("argo_warden_deadlines", default=())


class DeadlineExceeded(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Deadline:
    """``async with Deadline(seconds, message)``: cancels the body after ``seconds``; raises DeadlineExceeded."""

    def __init__(self, seconds: float | None, message: str) -> None:
        self.seconds = seconds
        self.message = message
        self.reason: str | None = None
        self._task: asyncio.Task[object] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._token: contextvars.Token[tuple[Deadline, ...]] | None = None
        self._cancelling = 0

    async def __aenter__(self) -> Deadline:
        self._task = asyncio.current_task()
        self._cancelling = self._task.cancelling() if self._task is not None else 0
        if self.seconds is not None:
            self._handle = asyncio.get_running_loop().call_later(max(self.seconds, 0.0), self.fire)
        self._token = _ACTIVE.set((*_ACTIVE.get(), self))
        return self

    def fire(self, reason: str | None = None) -> None:
        """Cancel the body now (a stop uses this with its own reason)."""
        if self.reason is None and self._task is not None and not self._task.done():
            self.reason = reason or self.message
            self._task.cancel()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> bool:
        if self._handle is not None:
            self._handle.cancel()
        if self._token is not None:
            _ACTIVE.reset(self._token)
        # Our own cancellation is undone; one from outside (a stop, a caller's timeout) still propagates.
        if self.reason is not None and self._task is not None and self._task.uncancel() <= self._cancelling \
                and exc_type is asyncio.CancelledError:
            raise DeadlineExceeded(self.reason) from None
        return False


def cancel_reason(default: str = "Stopped") -> str:
    """Why the current task is being cancelled: the innermost deadline that fired."""
    for deadline in reversed(_ACTIVE.get()):
        if deadline.reason is not None:
            return deadline.reason
    return default
