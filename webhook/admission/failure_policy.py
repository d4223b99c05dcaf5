"""What admission answers when the outside world cannot be asked in time: its own module so settings can name it."""

from __future__ import annotations

import enum


class FailurePolicy(enum.StrEnum):
    OPEN = "open"
    """Admit the object, with a warning saying what could not be checked."""
    CLOSED = "closed"
    """Deny the object, saying what could not be checked."""
