"""What the checker reports about a condition, and the diagnostic codes it uses (AW600–AW699)."""

from __future__ import annotations

from dataclasses import dataclass

from webhook.diagnostics import ARGO_WARDEN_ONLY, Severity, define

SYNTAX = define(
    "AW600", Severity.ERROR, "a condition or expression tag does not parse",
    why="A condition that does not parse fails the step when evaluated.",
    mirrors="expr-lang compilation (as Argo's agent compiles successCondition)",
    example="http:\n  url: https://example.com\n  successCondition: 'response.statusCode =='",
)
UNKNOWN_NAME = define(
    "AW601", Severity.ERROR, "a condition names a variable its environment does not have",
    why="A variable the condition's environment does not have fails at evaluation.",
    mirrors="expr-lang compilation with Argo's environment",
    example="successCondition: 'respnose.statusCode == 200'",
)
UNKNOWN_FIELD = define(
    "AW602", Severity.ERROR, "a condition reads a field that does not exist",
    why="Reading a field that does not exist gives nil, or fails.",
    mirrors="expr-lang type checking",
    example="successCondition: 'response.status == 200'",
)
TYPE_MISMATCH = define(
    "AW603", Severity.ERROR, "an operator or function is applied to values of the wrong type",
    why="An operator applied to values of the wrong type fails at evaluation.",
    mirrors="expr-lang type checking",
    example='successCondition: \'response.statusCode == "200" + 1\'',
)
NOT_BOOLEAN = define(
    "AW604", Severity.ERROR, "a successCondition does not give a boolean",
    why="A successCondition must give true or false.",
    mirrors="the Argo agent: successCondition must be boolean",
    example="successCondition: 'response.statusCode'",
)
UNKNOWN_FUNCTION = define(
    "AW605", Severity.ERROR, "a condition calls a function that does not exist",
    why="Calling a function expr does not have fails at compilation.",
    mirrors="expr-lang compilation",
    example="successCondition: 'lenght(response.body) > 0'",
)
WRONG_ARITY = define(
    "AW606", Severity.ERROR, "a function is called with the wrong number of arguments",
    why="A function called with the wrong number of arguments fails at compilation.",
    mirrors="expr-lang compilation",
    example="successCondition: 'len() > 0'",
)
BAD_REGEX = define(
    "AW607", Severity.ERROR, "a regular expression does not compile",
    why="A regular expression that does not compile fails at evaluation.",
    mirrors="expr-lang 'matches' (Go regexp)",
    example='successCondition: \'response.body matches "("\'',
)
NOT_PORTABLE = define(
    "AW608", Severity.WARNING, "a condition uses argo-warden's dialect, not portable upstream",
    why="A condition using argo-warden's extensions does not run on upstream Argo.",
    mirrors=ARGO_WARDEN_ONLY,
    example="successCondition: (a condition using a function only argo-warden's executor has)",
)
LENGTH_FIELD = define(
    "AW610", Severity.WARNING, "'.length' reads a field, not the length",
    why="'.length' reads a field named length; the length is len(...).",
    mirrors=ARGO_WARDEN_ONLY,
    instead="len(response.body) > 0",
    example="successCondition: 'response.body.length > 0'",
)
BAD_TIME = define(
    "AW611", Severity.ERROR, "a duration, date or time zone written in a condition does not parse",
    why="A duration, date or time zone that does not parse fails at evaluation.",
    mirrors="expr-lang duration()/date() (Go time)",
    example='successCondition: \'duration("5 minutes") > duration("1m")\'',
)


@dataclass(frozen=True)
class ConditionIssue:
    """One finding about a condition; ``start``/``end`` are 0-based offsets into its text."""

    code: str
    severity: Severity
    message: str
    hint: str | None
    start: int
    end: int
