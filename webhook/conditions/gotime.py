"""Go's time.Time, time.Duration and *time.Location as expr-lang hands them to a condition.

expr's ``now()``, ``duration()``, ``date()`` and ``timezone()`` return Go values, and a condition
calls their methods by Go's names (``now().Year()``, ``duration("90m").Hours()``) and parses and
formats with Go's reference-time layouts ("2006-01-02T15:04:05Z07:00"). Python's datetime cannot
stand in: Go's zero time is year 1 and ``date("15:04:05")`` lands in year 0, layouts are not
strftime, and Duration is an int64 of nanoseconds. A Time here is an instant (Unix nanoseconds,
Python int) plus the zone it is shown in; calendar fields come from the proleptic Gregorian
calendar, as Go computes them.

``Local`` is UTC: Argo's controller runs in a container without a TZ, where Go's Local is UTC.
"""

from __future__ import annotations

import datetime as _dt
import time as _time
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class TimeError(ValueError):
    """A Go time error, with Go's message."""


NS = 1
US = 1_000
MS = 1_000_000
SECOND = 1_000_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)

# Seconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch.
_ZERO_TO_UNIX = 62_135_596_800

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def wrap_duration(nanos: int) -> int:
    """int64 arithmetic wraps around in Go."""
    return (nanos + (1 << 63)) % (1 << 64) - (1 << 63)


_QUOTED_MAX = 80
# No real date, duration or layout comes near this; a condition that builds a longer one (repeat()) would
# otherwise cost seconds of work per evaluation.
TEXT_MAX = 1024


def _quote(text: str) -> str:
    """Go's time.quote (non-ASCII and control characters as \\x bytes), cut short for long inputs."""
    cut = len(text) > _QUOTED_MAX
    out = ['"']
    for ch in text[:_QUOTED_MAX] if cut else text:
        if ch < " " or ord(ch) >= 0x80:
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))
        elif ch in '"\\':
            out.append("\\" + ch)
        else:
            out.append(ch)
    out.append('..."' if cut else '"')
    return "".join(out)


# -- calendar (days since 1970-01-01, proleptic Gregorian, any year)

def days_from_civil(year: int, month: int, day: int) -> int:
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


# -- locations

@dataclass(frozen=True, slots=True)
class Location:
    """A *time.Location: a fixed offset (``info`` None) or an IANA zone."""

    name: str
    offset: int = 0  # seconds east of UTC, for fixed zones
    info: zoneinfo.ZoneInfo | None = None

    def lookup(self, unix_seconds: int) -> tuple[str, int]:
        """The abbreviation and offset in effect at an instant."""
        if self.info is None:
            return self.name, self.offset
        moment = _dt.datetime.fromtimestamp(_clamp_seconds(unix_seconds), _dt.UTC).astimezone(self.info)
        delta = moment.utcoffset()
        return moment.tzname() or "", int(delta.total_seconds()) if delta is not None else 0

    def offset_of_wall(self, wall_seconds: int) -> int:
        """The offset for a wall-clock time in this zone (the earlier one if it is ambiguous, as Go picks)."""
        if self.info is None:
            return self.offset
        year, month, day = civil_from_days(wall_seconds // 86400)
        if not 1 <= year <= 9999:
            return self.lookup(wall_seconds)[1]
        rest = wall_seconds % 86400
        local = _dt.datetime(year, month, day, rest // 3600, rest // 60 % 60, rest % 60, tzinfo=self.info)
        delta = local.utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    def __str__(self) -> str:
        return self.name


def _clamp_seconds(unix_seconds: int) -> int:
    # zoneinfo answers for years 1..9999; the rules at either end hold beyond them.
    return min(max(unix_seconds, -62_135_596_800 + 86400), 253_402_300_799 - 86400)


UTC = Location("UTC")


@lru_cache(maxsize=64)
def load_location(name: str) -> Location:
    """Go's time.LoadLocation."""
    if name in ("", "UTC"):
        return UTC
    if name == "Local":
        return UTC
    if name.startswith(("/", "\\")) or ".." in name:
        raise TimeError("time: invalid location name")
    try:
        return Location(name, info=zoneinfo.ZoneInfo(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeError(f"unknown time zone {name}") from None


# -- durations

@dataclass(frozen=True, slots=True, order=True)
class Duration:
    """A time.Duration: int64 nanoseconds. Methods carry Go's names: conditions call them so."""

    nanos: int

    def Hours(self) -> float:
        return _split_float(self.nanos, HOUR)

    def Minutes(self) -> float:
        return _split_float(self.nanos, MINUTE)

    def Seconds(self) -> float:
        return _split_float(self.nanos, SECOND)

    def Milliseconds(self) -> int:
        return _trunc_div(self.nanos, MS)

    def Microseconds(self) -> int:
        return _trunc_div(self.nanos, US)

    def Nanoseconds(self) -> int:
        return self.nanos

    def Abs(self) -> Duration:
        if self.nanos >= 0:
            return self
        return Duration(_INT64_MAX if self.nanos == _INT64_MIN else -self.nanos)

    def Truncate(self, m: Duration) -> Duration:
        step = _nanos_of(m)
        if step <= 0:
            return self
        return Duration(self.nanos - _trunc_rem(self.nanos, step))

    def Round(self, m: Duration) -> Duration:
        step = _nanos_of(m)
        if step <= 0:
            return self
        r = abs(self.nanos) % step
        if self.nanos < 0:
            if r + r < step:
                return Duration(self.nanos + r)
            return Duration(max(self.nanos - step + r, _INT64_MIN))
        if r + r < step:
            return Duration(self.nanos - r)
        return Duration(min(self.nanos + step - r, _INT64_MAX))

    def String(self) -> str:
        return format_duration(self.nanos)

    def __str__(self) -> str:
        return format_duration(self.nanos)


def _split_float(nanos: int, unit: int) -> float:
    whole, rest = divmod(abs(nanos), unit)
    value = whole + rest / unit
    return -value if nanos < 0 else value


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // b
    return -q if a < 0 else q


def _trunc_rem(a: int, b: int) -> int:
    r = abs(a) % b
    return -r if a < 0 else r


def _nanos_of(value: Any) -> int:
    # A Duration parameter also takes a plain integer (nanoseconds), as Go converts an untyped constant.
    if type(value) is Duration:
        return int(value.nanos)
    if type(value) is int:
        return value
    raise TimeError(f"want a time.Duration, not {type(value).__name__}")


def format_duration(nanos: int) -> str:
    """Go's Duration.String: 1h2m3.5s, 1.5ms, 0s."""
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    u = abs(nanos)
    if u < SECOND:
        if u < US:
            return f"{sign}{u}ns"
        if u < MS:
            return f"{sign}{_fraction(u, 3)}µs"
        return f"{sign}{_fraction(u, 6)}ms"
    seconds_text = _fraction(u % MINUTE, 9) + "s"
    minutes = u // MINUTE
    if minutes == 0:
        return sign + seconds_text
    hours = minutes // 60
    text = f"{minutes % 60}m{seconds_text}"
    return f"{sign}{hours}h{text}" if hours else sign + text


def _fraction(value: int, digits: int) -> str:
    whole, frac = divmod(value, 10 ** digits)
    if frac == 0:
        return str(whole)
    return f"{whole}.{str(frac).rjust(digits, '0').rstrip('0')}"


_UNITS = {"ns": NS, "us": US, "µs": US, "μs": US, "ms": MS, "s": SECOND, "m": MINUTE, "h": HOUR}


def parse_duration(text: str) -> Duration:
    """Go's time.ParseDuration, errors included."""
    if len(text) > TEXT_MAX:
        raise TimeError(f"time: invalid duration {_quote(text)} (longer than {TEXT_MAX} characters)")
    original, s = text, text
    negative = False
    if s[:1] in ("-", "+"):
        negative = s[0] == "-"
        s = s[1:]
    if s == "0":
        return Duration(0)
    if not s:
        raise TimeError(f"time: invalid duration {_quote(original)}")
    total = 0
    while s:
        if not (s[0] == "." or (s[0].isascii() and s[0].isdigit())):
            raise TimeError(f"time: invalid duration {_quote(original)}")
        i = 0
        while i < len(s) and s[i].isascii() and s[i].isdigit():
            i += 1
        whole_digits, s = s[:i], s[i:]
        frac, scale, frac_digits = 0, 1.0, False
        if s[:1] == ".":
            s = s[1:]
            i = 0
            while i < len(s) and s[i].isascii() and s[i].isdigit():
                i += 1
            digits, s = s[:i], s[i:]
            frac_digits = bool(digits)
            for ch in digits:
                if frac > _INT64_MAX // 10 or frac * 10 + int(ch) > 1 << 63:
                    break  # more precision than an int64 holds is dropped, as Go does
                frac, scale = frac * 10 + int(ch), scale * 10
        if not whole_digits and not frac_digits:
            raise TimeError(f"time: invalid duration {_quote(original)}")
        i = 0
        while i < len(s) and s[i] != "." and not (s[i].isascii() and s[i].isdigit()):
            i += 1
        unit_text, s = s[:i], s[i:]
        if not unit_text:
            raise TimeError(f"time: missing unit in duration {_quote(original)}")
        unit = _UNITS.get(unit_text)
        if unit is None:
            raise TimeError(f"time: unknown unit {_quote(unit_text)} in duration {_quote(original)}")
        v = int(whole_digits or "0")
        if v > (1 << 63) // unit:
            raise TimeError(f"time: invalid duration {_quote(original)}")
        v *= unit
        if frac:
            v += int(float(frac) * (float(unit) / scale))
            if v > 1 << 63:
                raise TimeError(f"time: invalid duration {_quote(original)}")
        total += v
        if total > 1 << 63:
            raise TimeError(f"time: invalid duration {_quote(original)}")
    if negative:
        return Duration(-total)
    if total > _INT64_MAX:
        raise TimeError(f"time: invalid duration {_quote(original)}")
    return Duration(total)


# -- times

@dataclass(frozen=True, slots=True, eq=False)
class Time:
    """A time.Time: an instant (nanoseconds since the Unix epoch) shown in a location.

    Equal as instants (expr's == calls Go's Time.Equal), whatever the zones they are shown in.
    """

    unix_nanos: int
    location: Location = UTC

    def __eq__(self, other: object) -> bool:
        return type(other) is Time and self.unix_nanos == other.unix_nanos

    def __hash__(self) -> int:
        return hash(self.unix_nanos)

    # calendar fields, in the time's location
    def _zone(self) -> tuple[str, int]:
        return self.location.lookup(self.unix_nanos // SECOND)

    def _wall(self) -> int:
        return self.unix_nanos // SECOND + self._zone()[1]

    def _date(self) -> tuple[int, int, int]:
        return civil_from_days(self._wall() // 86400)

    def Year(self) -> int:
        return self._date()[0]

    def Month(self) -> int:
        return self._date()[1]

    def Day(self) -> int:
        return self._date()[2]

    def Hour(self) -> int:
        return self._wall() % 86400 // 3600

    def Minute(self) -> int:
        return self._wall() % 3600 // 60

    def Second(self) -> int:
        return self._wall() % 60

    def Nanosecond(self) -> int:
        return self.unix_nanos % SECOND

    def YearDay(self) -> int:
        wall_days = self._wall() // 86400
        return wall_days - days_from_civil(civil_from_days(wall_days)[0], 1, 1) + 1

    def Weekday(self) -> int:
        return (self._wall() // 86400 + 4) % 7  # 1970-01-01 was a Thursday; Sunday is 0

    def Unix(self) -> int:
        return self.unix_nanos // SECOND

    def UnixMilli(self) -> int:
        return self.unix_nanos // MS

    def UnixMicro(self) -> int:
        return self.unix_nanos // US

    def UnixNano(self) -> int:
        return wrap_duration(self.unix_nanos)

    def IsZero(self) -> bool:
        return self.unix_nanos == -_ZERO_TO_UNIX * SECOND

    def Add(self, d: Duration) -> Time:
        return Time(self.unix_nanos + _nanos_of(d), self.location)

    def Sub(self, u: Time) -> Duration:
        diff = self.unix_nanos - _time_of(u).unix_nanos
        return Duration(min(max(diff, _INT64_MIN), _INT64_MAX))  # Go saturates

    def AddDate(self, years: int, months: int, days: int) -> Time:
        year, month, day = self._date()
        wall = self._wall()
        return from_wall(year + _int_of(years), month + _int_of(months), day + _int_of(days), wall % 86400,
                         self.unix_nanos % SECOND, self.location)

    def Before(self, u: Time) -> bool:
        return self.unix_nanos < _time_of(u).unix_nanos

    def After(self, u: Time) -> bool:
        return self.unix_nanos > _time_of(u).unix_nanos

    def Equal(self, u: Time) -> bool:
        return self.unix_nanos == _time_of(u).unix_nanos

    def Compare(self, u: Time) -> int:
        other = _time_of(u).unix_nanos
        return (self.unix_nanos > other) - (self.unix_nanos < other)

    def UTC(self) -> Time:
        return Time(self.unix_nanos, UTC)

    def Local(self) -> Time:
        return Time(self.unix_nanos, UTC)

    def In(self, location: Location) -> Time:
        if type(location) is not Location:
            raise TimeError("time: missing Location in call to Time.In")
        return Time(self.unix_nanos, location)

    def Truncate(self, d: Duration) -> Time:
        step = _nanos_of(d)
        if step <= 0:
            return self
        since_zero = self.unix_nanos + _ZERO_TO_UNIX * SECOND  # Go rounds relative to its zero time
        return Time(self.unix_nanos - since_zero % step, self.location)

    def Round(self, d: Duration) -> Time:
        step = _nanos_of(d)
        if step <= 0:
            return self
        r = (self.unix_nanos + _ZERO_TO_UNIX * SECOND) % step
        if r + r < step:
            return Time(self.unix_nanos - r, self.location)
        return Time(self.unix_nanos + step - r, self.location)

    def Format(self, layout: str) -> str:
        if type(layout) is not str:
            raise TimeError("Format() takes a layout string")
        return format_time(self, layout)

    def String(self) -> str:
        return format_time(self, "2006-01-02 15:04:05.999999999 -0700 MST")

    def __str__(self) -> str:
        return self.String()


def _time_of(value: Any) -> Time:
    if type(value) is not Time:
        raise TimeError(f"want a time.Time, not {type(value).__name__}")
    return value


def _int_of(value: Any) -> int:
    if type(value) is not int:
        raise TimeError(f"want an int, not {type(value).__name__}")
    return value


def from_wall(year: int, month: int, day: int, seconds_of_day: int, nanos: int, location: Location) -> Time:
    """Go's time.Date: out-of-range months and days roll over into the next ones."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    wall = (days_from_civil(year, month, 1) + day - 1) * 86400 + seconds_of_day
    offset = location.offset_of_wall(wall)
    return Time((wall - offset) * SECOND + nanos, location)


def now(location: Location = UTC) -> Time:
    return Time(_time.time_ns(), location)


ZERO_TIME = Time(-_ZERO_TO_UNIX * SECOND)

# -- layouts: Go's reference time, Mon Jan 2 15:04:05 MST 2006

RFC3339 = "2006-01-02T15:04:05Z07:00"
RFC822 = "02 Jan 06 15:04 MST"
RFC850 = "Monday, 02-Jan-06 15:04:05 MST"
RFC1123 = "Mon, 02 Jan 2006 15:04:05 MST"
# What expr's date() tries, in order, when no layout is given.
DATE_LAYOUTS = ("2006-01-02", "15:04:05", "2006-01-02 15:04:05", RFC3339, RFC822, RFC850, RFC1123)

# The layout elements, longest first where one is a prefix of another.
_ELEMENTS = (
    "January", "Jan", "Monday", "Mon", "MST",
    "2006", "002", "__2", "_2", "01", "02", "03", "04", "05", "06",
    "15", "1", "2", "3", "4", "5", "PM", "pm",
    "-07:00:00", "-070000", "-07:00", "-0700", "-07",
    "Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07",
)


@lru_cache(maxsize=256)
def _chunks(layout: str) -> tuple[tuple[str, str], ...]:
    """Split a layout into (kind, text): kind "" is literal text, else the element."""
    out: list[tuple[str, str]] = []
    literal = ""
    i = 0
    while i < len(layout):
        element = _element_at(layout, i)
        if element is None:
            literal += layout[i]
            i += 1
            continue
        if literal:
            out.append(("", literal))
            literal = ""
        out.append((element, layout[i:i + len(_element_text(element))]))
        i += len(_element_text(element))
    if literal:
        out.append(("", literal))
    return tuple(out)


def _element_text(element: str) -> str:
    return element.split(":", 1)[1] if element.startswith(("frac0:", "frac9:")) else element


def _element_at(layout: str, i: int) -> str | None:
    rest = layout[i:]
    ch = rest[0]
    if ch in ".,":
        if len(rest) > 1 and rest[1] in "09":
            digit = rest[1]
            j = 1
            while j < len(rest) and rest[j] == digit:
                j += 1
            if not (j < len(rest) and rest[j].isdigit()):
                # A run of 0s or 9s after a separator is a fraction of a second only where a seconds
                # element came right before it; Go treats it so anywhere, and so do we.
                return ("frac0:" if digit == "0" else "frac9:") + rest[:j]
        return None
    for element in _ELEMENTS:
        if rest.startswith(element):
            if element in ("Jan", "Mon") and len(rest) > 3 and rest[3].islower():
                continue  # "Janet", "Month": words, not elements
            if element == "_2" and rest.startswith("_2006"):
                return None  # a literal "_" before the year
            return element
    return None


def format_time(t: Time, layout: str) -> str:
    if len(layout) > TEXT_MAX:
        raise TimeError(f"layout {_quote(layout)} is longer than {TEXT_MAX} characters")
    name, offset = t._zone()
    wall = t.unix_nanos // SECOND + offset
    days = wall // 86400
    year, month, day = civil_from_days(days)
    hour, minute, second = wall % 86400 // 3600, wall % 3600 // 60, wall % 60
    weekday, yday = _DAYS[(days + 4) % 7], days - days_from_civil(year, 1, 1) + 1
    hour12 = hour % 12 or 12
    fields = {
        "January": _MONTHS[month - 1], "Jan": _MONTHS[month - 1][:3], "Monday": weekday, "Mon": weekday[:3],
        "2006": _year4(year), "06": f"{year % 100:02d}", "01": f"{month:02d}", "1": str(month),
        "02": f"{day:02d}", "_2": f"{day:2d}", "2": str(day), "002": f"{yday:03d}", "__2": f"{yday:3d}",
        "15": f"{hour:02d}", "03": f"{hour12:02d}", "3": str(hour12), "04": f"{minute:02d}", "4": str(minute),
        "05": f"{second:02d}", "5": str(second), "PM": "PM" if hour >= 12 else "AM",
        "pm": "pm" if hour >= 12 else "am",
        "MST": name or _numeric_zone(offset, colon=False, seconds=False, hours_only=False),
    }
    nine = str(t.unix_nanos % SECOND).rjust(9, "0")
    out: list[str] = []
    for element, text in _chunks(layout):
        if not element:
            out.append(text)
        elif element in fields:
            out.append(fields[element])
        elif element.startswith("frac0:"):
            out.append(text[0] + nine[:len(text) - 1])
        elif element.startswith("frac9:"):
            digits = nine[:len(text) - 1].rstrip("0")
            out.append(text[0] + digits if digits else "")
        elif element.startswith("Z") and offset == 0:
            out.append("Z")
        else:
            shape = element[1:]
            out.append(_numeric_zone(offset, colon=":" in shape, seconds=len(shape.replace(":", "")) == 6,
                                     hours_only=shape == "07"))
    return "".join(out)


def _year4(year: int) -> str:
    if year < 0:
        return "-" + f"{-year:04d}"
    return f"{year:04d}"


def _numeric_zone(offset: int, *, colon: bool, seconds: bool, hours_only: bool) -> str:
    sign = "-" if offset < 0 else "+"
    zone = abs(offset)
    hours, minutes, secs = zone // 3600, zone // 60 % 60, zone % 60
    if hours_only:
        return f"{sign}{hours:02d}"
    sep = ":" if colon else ""
    text = f"{sign}{hours:02d}{sep}{minutes:02d}"
    return f"{text}{sep}{secs:02d}" if seconds else text


def parse_time(layout: str, value: str, location: Location | None = None) -> Time:
    """Go's time.Parse (``location`` None: UTC unless the value names a zone) and time.ParseInLocation."""
    for what, text in (("time", value), ("layout", layout)):
        if len(text) > TEXT_MAX:
            raise TimeError(f"parsing time {_quote(value)}: the {what} is longer than {TEXT_MAX} characters")
    return _Parser(layout, value, location or UTC).parse()


_MAX_FIELD = 10 ** 9


class _Parser:
    def __init__(self, layout: str, value: str, default: Location) -> None:
        self.layout, self.original, self.default = layout, value, default

    def fail(self, value: str, element: str, extra: str = "") -> TimeError:
        if extra:
            return TimeError(f"parsing time {_quote(self.original)}{extra}")
        return TimeError(f"parsing time {_quote(self.original)} as {_quote(self.layout)}: cannot parse "
                         f"{_quote(value)} as {_quote(element)}")

    def out_of_range(self, what: str) -> TimeError:
        return TimeError(f"parsing time {_quote(self.original)}: {what} out of range")

    def parse(self) -> Time:
        value = self.original
        year, month, day, yday = 0, -1, -1, -1
        hour = minute = second = nanos = 0
        pm_set = am_set = False
        zone_offset: int | None = None
        zone_name = ""
        utc = False
        chunks = _chunks(self.layout)
        for index, (element, text) in enumerate(chunks):
            if not element:
                value = self._skip(value, text)
                continue
            before = value
            try:
                if element == "2006":
                    if len(value) < 4 or not value[:4].isdigit() or not value[:4].isascii():
                        raise ValueError
                    year, value = int(value[:4]), value[4:]
                elif element == "06":
                    n, value = _fixed_digits(value, 2)
                    year = n + (1900 if n >= 69 else 2000)
                elif element in ("January", "Jan"):
                    names = _MONTHS if element == "January" else tuple(m[:3] for m in _MONTHS)
                    month, value = _lookup(names, value)
                    month += 1
                elif element in ("Monday", "Mon"):
                    names = _DAYS if element == "Monday" else tuple(d[:3] for d in _DAYS)
                    _, value = _lookup(names, value)
                elif element in ("01", "1"):
                    month, value = _number(value, element == "01")
                    if not 1 <= month <= 12:
                        raise self.out_of_range("month")
                elif element in ("02", "_2", "2"):
                    if element == "_2" and value[:1] == " ":
                        value = value[1:]
                    day, value = _number(value, element == "02")
                elif element in ("002", "__2"):
                    for _ in range(2):
                        if element == "__2" and value[:1] == " ":
                            value = value[1:]
                    yday, value = _yday(value, element == "002")
                    if not 1 <= yday <= 366:
                        raise self.out_of_range("day-of-year")
                elif element == "15":
                    hour, value = _number(value, False)
                    if not 0 <= hour < 24:
                        raise self.out_of_range("hour")
                elif element in ("03", "3"):
                    hour, value = _number(value, element == "03")
                    if not 0 <= hour <= 12:
                        raise self.out_of_range("hour")
                elif element in ("04", "4"):
                    minute, value = _number(value, element == "04")
                    if not 0 <= minute < 60:
                        raise self.out_of_range("minute")
                elif element in ("05", "5"):
                    second, value = _number(value, element == "05")
                    if not 0 <= second < 60:
                        raise self.out_of_range("second")
                    # A fraction in the value that the layout does not spell out is taken anyway, as Go does.
                    following = next((e for e, _ in chunks[index + 1:] if e), "")
                    if (len(value) >= 2 and value[0] in ".," and value[1].isdigit() and value[1].isascii()
                            and not following.startswith(("frac0:", "frac9:"))):
                        end = 1
                        while end < len(value) and value[end].isdigit() and value[end].isascii():
                            end += 1
                        nanos, value = _nanoseconds(value[:end]), value[end:]
                elif element in ("PM", "pm"):
                    word = value[:2]
                    if len(word) < 2:
                        raise ValueError
                    expected = ("PM", "AM") if element == "PM" else ("pm", "am")
                    if word == expected[0]:
                        pm_set = True
                    elif word == expected[1]:
                        am_set = True
                    else:
                        raise ValueError
                    value = value[2:]
                elif element.startswith("frac0:"):
                    width = len(text)
                    if len(value) < width or value[0] not in ".," or not value[1:width].isdigit():
                        raise ValueError
                    nanos, value = _nanoseconds(value[:width]), value[width:]
                elif element.startswith("frac9:"):
                    if len(value) < 2 or value[0] not in ".," or not (value[1].isdigit() and value[1].isascii()):
                        continue  # the fraction may be left out
                    end = 1
                    while end < len(value) and value[end].isdigit() and value[end].isascii():
                        end += 1
                    nanos, value = _nanoseconds(value[:end]), value[end:]
                elif element == "MST":
                    if value.startswith("UTC"):
                        utc, value = True, value[3:]
                        continue
                    length = _zone_name_length(value)
                    if length <= 0:
                        raise ValueError
                    zone_name, value = value[:length], value[length:]
                else:  # numeric zones, with or without Z
                    if element.startswith("Z") and value[:1] == "Z":
                        utc, value = True, value[1:]
                        continue
                    zone_offset, value = _zone_offset(element.lstrip("Z-"), value)
            except _ZoneRange as exc:
                raise self.out_of_range(str(exc)) from None
            except TimeError:
                raise
            except ValueError:
                raise self.fail(before, text) from None
        if value:
            raise self.fail("", "", extra=f": extra text: {_quote(value)}")
        if pm_set and hour < 12:
            hour += 12
        elif am_set and hour == 12:
            hour = 0
        if yday >= 0:
            if month >= 0 or day >= 0:
                # Both given: they must agree.
                leap = _is_leap(year)
                m, d = _month_day_of(yday, leap)
                if (month >= 0 and month != m) or (day >= 0 and day != d):
                    raise self.out_of_range("day-of-year")
            if yday > (366 if _is_leap(year) else 365):
                raise self.out_of_range("day-of-year")
            month, day = _month_day_of(yday, _is_leap(year))
        else:
            if month < 0:
                month = 1
            if day < 0:
                day = 1
        if day < 1 or day > _days_in(month, year):
            raise self.out_of_range("day")
        seconds_of_day = hour * 3600 + minute * 60 + second
        if utc:
            return from_wall(year, month, day, seconds_of_day, nanos, UTC)
        if zone_offset is not None:
            instant = from_wall(year, month, day, seconds_of_day, nanos, UTC).unix_nanos - zone_offset * SECOND
            name, offset = self.default.lookup(instant // SECOND)
            if offset == zone_offset and (not zone_name or name == zone_name):
                return Time(instant, self.default)
            return Time(instant, Location(zone_name, zone_offset))
        if zone_name:
            naive = from_wall(year, month, day, seconds_of_day, nanos, UTC).unix_nanos
            name, offset = self.default.lookup(naive // SECOND)
            if name == zone_name:
                return Time(naive - offset * SECOND, self.default)
            offset = int(zone_name[3:]) * 3600 if zone_name.startswith("GMT") and len(zone_name) > 3 else 0
            return Time(naive - offset * SECOND, Location(zone_name, offset))
        return from_wall(year, month, day, seconds_of_day, nanos, self.default)

    def _skip(self, value: str, literal: str) -> str:
        rest = literal
        while rest:
            if rest[0] == " ":
                if value and value[0] != " ":
                    raise self.fail(value, literal)
                rest, value = rest.lstrip(" "), value.lstrip(" ")
                continue
            if not value or value[0] != rest[0]:
                raise self.fail(value, literal)
            rest, value = rest[1:], value[1:]
        return value


def _fixed_digits(value: str, width: int) -> tuple[int, str]:
    head = value[:width]
    if len(head) < width or not (head.isdigit() and head.isascii()):
        raise ValueError
    return int(head), value[width:]


def _number(value: str, fixed: bool) -> tuple[int, str]:
    """Go's getnum: one or two digits (exactly two when ``fixed``)."""
    if not value or not (value[0].isdigit() and value[0].isascii()):
        raise ValueError
    if len(value) < 2 or not (value[1].isdigit() and value[1].isascii()):
        if fixed:
            raise ValueError
        return int(value[0]), value[1:]
    return int(value[:2]), value[2:]


def _yday(value: str, fixed: bool) -> tuple[int, str]:
    digits = 0
    while digits < min(3, len(value)) and value[digits].isdigit() and value[digits].isascii():
        digits += 1
    if digits == 0 or (fixed and digits < 3):
        raise ValueError
    return int(value[:digits]), value[digits:]


def _lookup(names: tuple[str, ...], value: str) -> tuple[int, str]:
    for index, name in enumerate(names):
        if len(value) >= len(name) and value[:len(name)].lower() == name.lower():
            return index, value[len(name):]
    raise ValueError


def _nanoseconds(text: str) -> int:
    digits = text[1:10]
    return int(digits.ljust(9, "0"))


def _zone_name_length(value: str) -> int:
    """Go's parseTimeZone: an abbreviation of 3 to 5 upper-case letters, ChST/MeST, or GMT with an offset."""
    if len(value) < 3:
        return 0
    if value[:4] in ("ChST", "MeST"):
        return 4
    if value.startswith("GMT"):
        return 3 + _signed_offset_length(value[3:])
    if value[0] in "+-":
        return _signed_offset_length(value)
    upper = 0
    while upper < min(6, len(value)) and "A" <= value[upper] <= "Z":
        upper += 1
    if upper == 3:
        return 3
    if upper == 4 and (value[3] == "T" or value[:4] == "WITA"):
        return 4
    if upper == 5 and value[4] == "T":
        return 5
    return 0


def _signed_offset_length(value: str) -> int:
    if value[:1] not in ("+", "-"):
        return 0
    i = 1
    while i < len(value) and value[i].isdigit() and value[i].isascii():
        i += 1
    if i == 1 or int(value[1:i]) > 23:
        return 0
    return i


def _zone_offset(shape: str, value: str) -> tuple[int, str]:
    """A numeric offset: shape is 07, 0700, 07:00, 070000 or 07:00:00 (after the sign)."""
    if not value or value[0] not in "+-":
        raise ValueError
    sign = -1 if value[0] == "-" else 1
    body = value[1:]
    colon = ":" in shape
    parts = 3 if len(shape.replace(":", "")) == 6 else 1 if shape == "07" else 2
    fields: list[int] = []
    for i in range(parts):
        if i and colon:
            if body[:1] != ":":
                raise ValueError
            body = body[1:]
        n, body = _fixed_digits(body, 2)
        fields.append(n)
    hours, minutes, seconds = [*fields, 0, 0][:3]
    for what, n, top in (("hour", hours, 24), ("minute", minutes, 60), ("second", seconds, 60)):
        if n > top:  # Go allows 24 hours and 60 minutes or seconds: people write them
            raise _ZoneRange(f"time zone offset {what}")
    return sign * (hours * 3600 + minutes * 60 + seconds), body


class _ZoneRange(ValueError):
    pass


def _month_day_of(yday: int, leap: bool) -> tuple[int, int]:
    month = 1
    while month < 12 and yday > _days_in(month, 2000 if leap else 2001):
        yday -= _days_in(month, 2000 if leap else 2001)
        month += 1
    return month, yday


def expr_date(value: str, layout: str | None = None, zone: str | None = None, location: Location | None = None) -> Time:
    """expr's date(): a given layout (and time zone name), else the first of DATE_LAYOUTS that fits."""
    if zone is not None:
        location = load_location(zone)
    if layout is not None:
        return parse_time(layout, value, location)
    for candidate in DATE_LAYOUTS:
        try:
            return parse_time(candidate, value, location)
        except TimeError:
            continue
    shown = value if len(value) <= _QUOTED_MAX else value[:_QUOTED_MAX] + "..."
    raise TimeError(f"invalid date {shown}")


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows (for did-you-mean; reads the zone database once)."""
    return tuple(sorted(zoneinfo.available_timezones()))
