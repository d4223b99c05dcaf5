"""The only exceptions the condition language raises."""

from __future__ import annotations


class ConditionError(Exception):
    """Base of every error about a condition; ``start``/``end`` are 0-based offsets into its text."""

    def __init__(self, message: str, start: int | None = None, end: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConditionSyntaxError(ConditionError):
    """The text is not a condition: ``start``/``end`` cover the offending token."""

    start: int
    end: int

    def __init__(self, message: str, start: int, end: int, hint: str | None = None) -> None:
        super().__init__(message, start, max(end, start), hint)


class ConditionCompileError(ConditionError):
    """The condition parses but cannot run (unknown function, wrong number of arguments, bad regex)."""

    start: int
    end: int


class EvaluationError(ConditionError):
    """A condition failed while running (index out of range, bad JSON, a type expr refuses...)."""

    def __init__(self, message: str, start: int | None = None, end: int | None = None,
                 internal: bool = False) -> None:
        super().__init__(message, start, end)
        # Set when a Python error was caught and turned into this one: a bug of ours, not of the condition.
        self.internal = internal
