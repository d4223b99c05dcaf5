"""What the checker reports about a condition, and the diagnostic codes it uses (AW600–AW699)."""

from __future__ import annotations

from dataclasses import dataclass

from webhook.diagnostics import Severity, define

SYNTAX = define("AW600", Severity.ERROR, "a condition or expression tag does not parse")
UNKNOWN_NAME = define("AW601", Severity.ERROR, "a condition names a variable its environment does not have")
UNKNOWN_FIELD = define("AW602", Severity.ERROR, "a condition reads a field that does not exist")
TYPE_MISMATCH = define("AW603", Severity.ERROR, "an operator or function is applied to values of the wrong type")
NOT_BOOLEAN = define("AW604", Severity.ERROR, "a successCondition does not give a boolean")
UNKNOWN_FUNCTION = define("AW605", Severity.ERROR, "a condition calls a function that does not exist")
WRONG_ARITY = define("AW606", Severity.ERROR, "a function is called with the wrong number of arguments")
BAD_REGEX = define("AW607", Severity.ERROR, "a regular expression does not compile")
NOT_PORTABLE = define("AW608", Severity.WARNING, "a condition uses argo-warden's dialect, not portable upstream")
LENGTH_FIELD = define("AW610", Severity.WARNING, "'.length' reads a field, not the length")
BAD_TIME = define("AW611", Severity.ERROR, "a duration, date or time zone written in a condition does not parse")


@dataclass(frozen=True)
class ConditionIssue:
    """One finding about a condition; ``start``/``end`` are 0-based offsets into its text."""

    code: str
    severity: Severity
    message: str
    hint: str | None
    start: int
    end: int
