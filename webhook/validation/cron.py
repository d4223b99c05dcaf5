"""CronWorkflow schedules and time zones, read the way Argo's cron library reads them.

Codes AW800–AW899. Argo parses each schedule with robfig/cron's standard parser:
five fields (minute hour day-of-month month day-of-week), `*`, `?`, lists,
ranges, steps, month and weekday names, the @yearly…@hourly descriptors,
`@every <duration>`, and an optional `CRON_TZ=`/`TZ=` prefix.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from webhook.diagnostics import ARGO_WARDEN_ONLY, Finding, JsonPath, Severity, define
from webhook.manifest import CRON_WORKFLOW, Manifest
from webhook.spec.walk import as_dict, as_list, as_str
from webhook.suggest import did_you_mean
from webhook.validation.context import ValidationContext
from webhook.validation.schema import misspelling

NO_SCHEDULE = define(
    "AW800", Severity.ERROR, "a CronWorkflow has no schedule",
    why="A CronWorkflow without a schedule never runs.",
    mirrors="validate.go: CronWorkflow: 'cron workflow must have at least one schedule'",
)
BAD_SCHEDULE = define(
    "AW801", Severity.ERROR, "a cron schedule is malformed",
    why="A malformed cron schedule is refused.",
    mirrors="validate.go: CronWorkflow: cron.ParseStandard, 'cron schedule ... is malformed'",
)
BAD_TIMEZONE = define(
    "AW802", Severity.ERROR, "a time zone does not exist",
    why="A time zone that does not exist is refused.",
    mirrors="validate.go: CronWorkflow: time.LoadLocation, 'invalid timezone'",
)
STARTING_DEADLINE = define(
    "AW803", Severity.ERROR, "startingDeadlineSeconds is negative",
    why="A negative startingDeadlineSeconds is refused.",
    mirrors="validate.go: CronWorkflow: 'startingDeadlineSeconds must be positive'",
)
SCHEDULE_DEPRECATED = define(
    "AW804", Severity.WARNING, "spec.schedule is the pre-v3.6 form of spec.schedules",
    why="spec.schedule is the pre-v3.6 form; spec.schedules replaces it.",
    mirrors=ARGO_WARDEN_ONLY,
)

DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None
    question: bool = False


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31, question=True),
    _Field("month", 1, 12, _MONTHS),
    _Field("day of week", 0, 6, _DAYS, question=True),
)
_GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$")


class ScheduleError(ValueError):
    def __init__(self, message: str, start: int, end: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.hint = hint


def parse_schedule(text: str) -> list[str]:
    """Check one schedule; returns the time zone names it sets (via CRON_TZ=/TZ=). Raises ScheduleError."""
    zones: list[str] = []
    offset = len(text) - len(text.lstrip())
    body = text.strip()
    if not body:
        raise ScheduleError("schedule is empty", 0, max(len(text), 1))
    if body.startswith(("CRON_TZ=", "TZ=")):
        head, _, rest = body.partition(" ")
        zones.append(head.split("=", 1)[1])
        skipped = len(head) + (len(rest) - len(rest.lstrip()) + 1 if rest else 0)
        offset += skipped
        body = rest.strip()
        if not body:
            raise ScheduleError("schedule has a time zone but no fields", 0, len(text))
    if body.startswith("@"):
        if body in DESCRIPTORS:
            return zones
        if body.startswith("@every"):
            dur = body[len("@every"):].strip()
            if not dur or not _GO_DURATION.match(dur):
                raise ScheduleError(f"@every needs a duration such as '1h30m', not {dur!r}", offset, offset + len(body),
                                    hint="units: ns, us, ms, s, m, h")
            return zones
        word = body.split()[0]
        raise ScheduleError(f"unknown descriptor {word!r}", offset, offset + len(word),
                            hint=did_you_mean(word, (*DESCRIPTORS, "@every")) or
                            f"descriptors: {', '.join(DESCRIPTORS)}, @every <duration>")
    fields = [(m.group(), m.start()) for m in re.finditer(r"\S+", body)]
    if len(fields) != 5:
        extra = "a seconds field is not supported" if len(fields) == 6 else None
        raise ScheduleError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), found {len(fields)}",
            offset, offset + len(body), hint=extra or "e.g. '*/15 * * * *' for every 15 minutes",
        )
    for (value, start), spec in zip(fields, _FIELDS, strict=True):
        _check_field(value, offset + start, spec)
    return zones


def _check_field(value: str, start: int, spec: _Field) -> None:
    pos = start
    for part in value.split(","):
        _check_part(part, pos, spec)
        pos += len(part) + 1


def _check_part(part: str, start: int, spec: _Field) -> None:
    end = start + max(len(part), 1)
    if not part:
        raise ScheduleError(f"empty list item in the {spec.name} field", start, end)
    range_part, slash, step = part.partition("/")
    if slash and (not step.isdigit() or int(step) == 0):
        raise ScheduleError(f"step {step!r} in the {spec.name} field must be a positive number", start, end)
    if range_part in ("*", "?"):
        if range_part == "?" and not spec.question:
            raise ScheduleError(f"'?' is only allowed in the day fields, not {spec.name}", start, end)
        return
    low_s, dash, high_s = range_part.partition("-")
    low = _value(low_s, start, end, spec)
    high = _value(high_s, start, end, spec) if dash else low
    if high < low:
        raise ScheduleError(f"range {range_part!r} in the {spec.name} field runs backwards", start, end)


def _value(text: str, start: int, end: int, spec: _Field) -> int:
    if spec.names is not None and text.lower() in spec.names:
        return spec.names[text.lower()]
    if not text.isdigit():
        hint = did_you_mean(text.lower(), spec.names) if spec.names else None
        raise ScheduleError(f"{text!r} is not a valid {spec.name}", start, end,
                            hint=hint or f"{spec.name} takes {spec.low}-{spec.high}")
    n = int(text)
    if not spec.low <= n <= spec.high:
        raise ScheduleError(f"{n} is out of range for {spec.name} ({spec.low}-{spec.high})", start, end,
                            hint="Sunday is 0" if spec.name == "day of week" and n == 7 else None)
    return n


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _zone_candidates(name: str) -> list[str]:
    """Time zones to suggest for ``name``, likeliest first: its area's (``Europe/``), then the nearest in length.

    A hint compares a bounded number of candidates (``webhook.suggest``): in the set's own
    order, which zones made the cut changed with the hash seed, and so did the hint.
    """
    area = name.split("/", 1)[0].lower() + "/"
    return sorted(_zone_names(), key=lambda z: (not z.lower().startswith(area), abs(len(z) - len(name)), z))


def zone_exists(name: str) -> bool:
    if name in ("", "UTC", "Local"):
        return True
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    if manifest.kind != CRON_WORKFLOW:
        return
    spec = as_dict(manifest.data.get("spec"))
    schedules: list[tuple[JsonPath, str]] = []
    for i, s in enumerate(as_list(spec.get("schedules"))):
        if isinstance(s, str):
            schedules.append((("spec", "schedules", i), s))
    single = spec.get("schedule")
    if isinstance(single, str) and single:
        schedules.append((("spec", "schedule"), single))
        yield Finding(SCHEDULE_DEPRECATED, ("spec", "schedule"),
                      "spec.schedule was replaced by the list spec.schedules in Argo v3.6", on_key=True,
                      hint=f"write: schedules: [{single!r}]")
    if not schedules and spec.get("schedules") is None and not misspelling(spec, "schedules", "CronWorkflowSpec"):
        yield Finding(NO_SCHEDULE, ("spec",), "CronWorkflow needs at least one schedule", on_key=True,
                      hint="add spec.schedules, e.g. ['0 * * * *']")
    for path, text in schedules:
        try:
            zones = parse_schedule(text)
        except ScheduleError as exc:
            yield Finding(BAD_SCHEDULE, path, f"schedule {text!r}: {exc.message}", span=(exc.start, exc.end),
                          hint=exc.hint)
            continue
        for zone in zones:
            if not zone_exists(zone):
                start = text.find(zone)
                yield Finding(BAD_TIMEZONE, path, f"time zone {zone!r} does not exist",
                              span=(start, start + len(zone)), hint=did_you_mean(zone, _zone_candidates(zone)))
    tz = as_str(spec.get("timezone"))
    if tz and not zone_exists(tz):
        yield Finding(BAD_TIMEZONE, ("spec", "timezone"), f"time zone {tz!r} does not exist",
                      hint=did_you_mean(tz, _zone_candidates(tz)) or "use an IANA name such as 'Europe/Paris'")
    deadline = spec.get("startingDeadlineSeconds")
    if isinstance(deadline, int) and not isinstance(deadline, bool) and deadline < 0:
        yield Finding(STARTING_DEADLINE, ("spec", "startingDeadlineSeconds"),
                      "startingDeadlineSeconds must be 0 or more")
