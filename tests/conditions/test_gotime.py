"""Go's time package as the condition language sees it: expected values are Go's documented results."""

from __future__ import annotations

import time

import pytest

from webhook.conditions import check_condition, compile_condition
from webhook.conditions.gotime import (
    HOUR,
    MINUTE,
    MS,
    RFC850,
    RFC1123,
    RFC3339,
    SECOND,
    US,
    Duration,
    Location,
    Time,
    TimeError,
    expr_date,
    format_duration,
    from_wall,
    load_location,
    now,
    parse_duration,
    parse_time,
)

INT64_MAX = (1 << 63) - 1

# Go's own table for Duration.String (time_test.go's durationTests).
@pytest.mark.parametrize(("text", "nanos"), [
    ("0s", 0), ("1ns", 1), ("1.1µs", 1100), ("2.2ms", 2200 * US), ("3.3s", 3300 * MS),
    ("4m5s", 4 * MINUTE + 5 * SECOND), ("4m5.001s", 4 * MINUTE + 5001 * MS),
    ("5h6m7.001s", 5 * HOUR + 6 * MINUTE + 7001 * MS), ("8m0.000000001s", 8 * MINUTE + 1),
    ("2562047h47m16.854775807s", INT64_MAX), ("-2562047h47m16.854775808s", -(1 << 63)),
])
def test_duration_string(text: str, nanos: int) -> None:
    assert format_duration(nanos) == text
    assert parse_duration(text).nanos == nanos


@pytest.mark.parametrize(("text", "nanos"), [
    ("0", 0), ("5s", 5 * SECOND), ("-5s", -5 * SECOND), ("+5s", 5 * SECOND), ("-0", 0), ("5.6s", 5600 * MS),
    ("5.s", 5 * SECOND), (".5s", 500 * MS), ("1.004s", 1004 * MS), ("100.00100s", 100 * SECOND + 1 * MS),
    ("10ns", 10), ("11us", 11 * US), ("12µs", 12 * US), ("12μs", 12 * US), ("13ms", 13 * MS), ("15m", 15 * MINUTE),
    ("16h", 16 * HOUR), ("3h30m", 3 * HOUR + 30 * MINUTE), ("10.5s4m", 4 * MINUTE + 10500 * MS),
    ("-2m3.4s", -(2 * MINUTE + 3400 * MS)), ("1h2m3s4ms5us6ns", HOUR + 2 * MINUTE + 3 * SECOND + 4 * MS + 5 * US + 6),
    ("0.3333333333333333333h", 20 * MINUTE), ("9223372036854775807ns", INT64_MAX),
    ("9223372036854775.807us", INT64_MAX), ("9223372036s854ms775us807ns", INT64_MAX),
    ("-9223372036854775808ns", -(1 << 63)), ("1.0000000001s", SECOND),
])
def test_parse_duration_as_go(text: str, nanos: int) -> None:
    assert parse_duration(text).nanos == nanos


@pytest.mark.parametrize(("text", "message"), [
    ("", 'time: invalid duration ""'), ("3", 'time: missing unit in duration "3"'),
    ("-", 'time: invalid duration "-"'), ("s", 'time: invalid duration "s"'), (".", 'time: invalid duration "."'),
    (".s", 'time: invalid duration ".s"'), ("1d", 'time: unknown unit "d" in duration "1d"'),
    ("9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'),
    ("-9223372036854775809ns", 'time: invalid duration "-9223372036854775809ns"'),
    ("\x85\x85", 'time: invalid duration "\\xc2\\x85\\xc2\\x85"'),
])
def test_bad_durations_say_what_go_says(text: str, message: str) -> None:
    with pytest.raises(TimeError) as failed:
        parse_duration(text)
    assert str(failed.value) == message


def test_duration_methods_truncate_toward_zero_like_go() -> None:
    d = parse_duration("-1h30m")
    assert (d.Hours(), d.Minutes(), d.Milliseconds()) == (-1.5, -90.0, -5_400_000)
    assert Duration(-1500).Microseconds() == -1  # truncated, not floored
    assert parse_duration("-90m").Truncate(Duration(HOUR)) == Duration(-HOUR)
    assert parse_duration("-90m").Round(Duration(HOUR)) == Duration(-2 * HOUR)  # halves round away from zero
    assert Duration(INT64_MAX).Round(Duration(HOUR)) == Duration(INT64_MAX)  # saturates
    assert Duration(-(1 << 63)).Abs() == Duration(INT64_MAX)


REFERENCE = from_wall(2006, 1, 2, 15 * 3600 + 4 * 60 + 5, 123_456_789, Location("MST", -7 * 3600))


@pytest.mark.parametrize(("layout", "text"), [
    ("Mon Jan _2 15:04:05 2006", "Mon Jan  2 15:04:05 2006"),  # ANSIC
    ("Mon Jan _2 15:04:05 MST 2006", "Mon Jan  2 15:04:05 MST 2006"),  # UnixDate
    ("02 Jan 06 15:04 -0700", "02 Jan 06 15:04 -0700"),  # RFC822Z
    (RFC850, "Monday, 02-Jan-06 15:04:05 MST"), (RFC1123, "Mon, 02 Jan 2006 15:04:05 MST"),
    (RFC3339, "2006-01-02T15:04:05-07:00"),
    ("2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.123456789-07:00"),
    ("3:04PM", "3:04PM"), ("Jan _2 15:04:05.000", "Jan  2 15:04:05.123"),
    ("Jan _2 15:04:05.000000", "Jan  2 15:04:05.123456"),
    ("January 2, 2006 at 3:04pm (MST)", "January 2, 2006 at 3:04pm (MST)"), ("002 __2", "002   2"),
    ("-07 -07:00:00 Z0700", "-07 -07:00:00 -0700"), ("05,000", "05,123"), ("Month: Jan", "Month: Jan"),
    ("Janet _2006", "Janet _2006"),
])
def test_format_the_reference_time(layout: str, text: str) -> None:
    assert REFERENCE.Format(layout) == text


def test_a_fixed_zone_without_a_name_prints_its_offset_and_z_means_utc() -> None:
    t = parse_time(RFC3339, "2024-02-29T13:04:05+02:00")
    assert t.String() == "2024-02-29 13:04:05 +0200 +0200"
    assert t.UTC().Format(RFC3339) == "2024-02-29T11:04:05Z"
    assert t.UTC().Format("-07:00") == "+00:00"


@pytest.mark.parametrize(("layout", "value"), [
    (RFC3339, "2024-01-02T15:04:05Z"), ("2006-01-02T15:04:05.999999999Z07:00", "2024-01-02T15:04:05.5+05:30"),
    (RFC1123, "Tue, 02 Jan 2024 15:04:05 UTC"),
    ("Jan _2 2006 3:04:05PM", "Feb  9 2024 11:59:59PM"), ("2006-002", "2024-366"),
])
def test_format_parses_back(layout: str, value: str) -> None:
    t = parse_time(layout, value)
    assert t.Format(layout) == value
    assert parse_time(layout, t.Format(layout)) == t


@pytest.mark.parametrize(("layout", "value", "message"), [
    ("2006-01-02", "2024-02-30", 'parsing time "2024-02-30": day out of range'),
    ("2006-01-02", "2024-1-02", 'parsing time "2024-1-02" as "2006-01-02": cannot parse "1-02" as "01"'),
    ("2006-01-02", "2024-01-02x", 'parsing time "2024-01-02x": extra text: "x"'),
    ("15:04", "24:00", 'parsing time "24:00": hour out of range'),
    ("01/02 03PM", "13/01 10AM", 'parsing time "13/01 10AM": month out of range'),
    ("Mon Jan 2", "Mon Foo 2", 'parsing time "Mon Foo 2" as "Mon Jan 2": cannot parse "Foo 2" as "Jan"'),
    (RFC3339, "2024-01-02T10:00:00+25:00",
     'parsing time "2024-01-02T10:00:00+25:00": time zone offset hour out of range'),
])
def test_bad_times_say_what_go_says(layout: str, value: str, message: str) -> None:
    with pytest.raises(TimeError) as failed:
        parse_time(layout, value)
    assert str(failed.value) == message


def test_parse_fills_in_what_the_layout_leaves_out() -> None:
    t = parse_time("15:04:05", "07:08:09")
    assert (t.Year(), t.Month(), t.Day(), t.Hour()) == (0, 1, 1, 7)  # year 0: datetime cannot hold it
    assert parse_time("2006-01-02 15:04:05", "2024-01-02 10:11:12.25").Nanosecond() == 250_000_000
    assert parse_time("3PM", "12AM").Hour() == 0 and parse_time("3PM", "12PM").Hour() == 12
    assert parse_time("2006 002", "2024 060").Format("01-02") == "02-29"
    assert parse_time("Jan 2 2006", "jan 2 2024").Month() == 1  # month names match in any case


def test_zones_by_name_offset_and_abbreviation() -> None:
    berlin = load_location("Europe/Berlin")
    summer = parse_time("2006-01-02 15:04", "2024-07-01 12:00", berlin)
    winter = parse_time("2006-01-02 15:04", "2024-01-01 12:00", berlin)
    assert (summer.UTC().Hour(), winter.UTC().Hour()) == (10, 11)
    assert summer.Format("MST -07:00") == "CEST +02:00" and winter.Format("MST") == "CET"
    assert parse_time(RFC1123, "Mon, 02 Jan 2006 15:04:05 GMT+3").UTC().Hour() == 12
    mst = parse_time(RFC1123, "Mon, 02 Jan 2006 15:04:05 MST")  # an unknown abbreviation: zero offset, name kept
    assert mst.UTC().Hour() == 15 and mst.Format("MST") == "MST"
    assert load_location("") is load_location("UTC") and load_location("Local").name == "UTC"
    for bad in ("Mars/Olympus", "/etc/passwd", "../../etc/passwd", "Europe/../../x"):
        with pytest.raises(TimeError):
            load_location(bad)


def test_calendar_arithmetic_normalises_like_go() -> None:
    jan31 = parse_time("2006-01-02", "2024-01-31")
    assert jan31.AddDate(0, 1, 0).Format("2006-01-02") == "2024-03-02"
    assert jan31.AddDate(0, -13, 0).Format("2006-01-02") == "2022-12-31"
    assert jan31.AddDate(1, 0, -31).Format("2006-01-02") == "2024-12-31"
    zero = Time(-62_135_596_800 * SECOND)
    assert zero.IsZero() and zero.Year() == 1 and zero.Weekday() == 1  # January 1, year 1 was a Monday
    t = parse_time(RFC3339, "2024-01-02T13:31:00Z")
    assert t.Truncate(Duration(HOUR)).Format("15:04") == "13:00" and t.Round(Duration(HOUR)).Format("15:04") == "14:00"
    assert t.Sub(zero) == Duration(INT64_MAX)  # saturates, as Go's Sub does
    assert t.In(load_location("Asia/Tokyo")).Format("15:04 MST") == "22:31 JST"
    assert t == t.In(load_location("Asia/Tokyo"))  # the same instant


def test_expr_date_tries_its_layouts_in_order() -> None:
    assert expr_date("2024-01-02").Format(RFC3339) == "2024-01-02T00:00:00Z"
    assert expr_date("2024-01-02 03:04:05").Hour() == 3
    assert expr_date("02 Jan 24 15:04 UTC").Year() == 2024
    assert expr_date("2024-01-02 03:04", "2006-01-02 15:04", "America/New_York").UTC().Hour() == 8
    with pytest.raises(TimeError, match="invalid date nope"):
        expr_date("nope")
    with pytest.raises(TimeError) as long:
        expr_date("x" * 100_000)
    assert len(str(long.value)) < 200  # messages stay short whatever the input


def test_now_is_now() -> None:
    before = time.time_ns()
    t = now()
    assert before <= t.unix_nanos <= time.time_ns() and t.location.name == "UTC"


# -- the checker: literals are checked when the manifest is, not when the step runs

@pytest.mark.parametrize(("text", "code", "words"), [
    ('duration("5 minutes") > duration("0s")', "AW611", 'unknown unit " minutes"'),
    ('now() < date("2024-13-01")', "AW611", "invalid date 2024-13-01"),
    ('date("2024-01-02", "2006-01-02", "Europe/Pari") < now()', "AW611", "unknown time zone Europe/Pari"),
    ('now() < date("31.12.2024", "02.01.2006x")', "AW611", "cannot parse"),
    ('now().In(timezone("Europe/Berln")).Hour() > 8', "AW611", "unknown time zone"),
    ("now() > 0", "AW603", "time.Time and int"), ('now() - duration("1h") > "2024"', "AW603", "time.Time and string"),
    ('duration("1h") / 2 > 1', "AW603", "time.Duration and int"),
    ("now() + now() > now()", "AW603", "invalid operation"), ("now().Yaer() > 2000", "AW603", "no method Yaer()"),
    ('now().Add("1h") > now()', "AW603", "Add() takes time.Duration"),
    ('now().Add(-duration("1h")) < now()', "AW603", "- on time.Duration"),  # expr's Negate refuses durations
    ("now(1) > now()", "AW603", "now() takes a *time.Location"), ("now().Hours() > 1", "AW603", "no method Hours()"),
    ('date("a", "b", "c", "d") > now()', "AW606", "date() takes"), ('date(1) > now()', "AW603", "date() takes strings"),
])
def test_checker_reports_time_mistakes(text: str, code: str, words: str) -> None:
    issues = [i for i in check_condition(text) if i.code == code]
    assert issues and words in issues[0].message, check_condition(text)


@pytest.mark.parametrize("text", [
    'now() - date(response.headers.Get("Date"), "Mon, 02 Jan 2006 15:04:05 MST") < duration("5m")',
    'date(fromJSON(response.body).updatedAt).After(now() - duration("24h"))',
    'now().Add(-3600000000000) < now()', 'duration("90m").Hours() == 1.5 && now().Weekday() >= 0',
    'date(timezone("Europe/Paris"), "2024-01-02 10:00", "2006-01-02 15:04").Hour() == 10',
    'now().Sub(date("2024-01-01")) > duration("1h") * 24', 'duration("1s") == 1000000000',
])
def test_checker_accepts_what_expr_accepts(text: str) -> None:
    assert check_condition(text) == [], check_condition(text)


def test_the_hint_finds_the_zone_meant() -> None:
    issue = next(i for i in check_condition('timezone("America/New_Yrok") != nil') if i.code == "AW611")
    assert issue.hint == "did you mean America/New_York?"


def test_a_response_date_header_in_a_condition() -> None:
    # What a freshness check on a real response looks like: the HTTP Date header, RFC 1123 in GMT.
    from webhook.conditions import http_environment

    header = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    env = http_environment(200, [("Date", header)], "{}")
    fresh = compile_condition('now() - date(response.headers.Get("Date"), "Mon, 02 Jan 2006 15:04:05 MST") '
                              '< duration("1m")')
    assert fresh.evaluate(env) is True
    stale = http_environment(200, [("Date", "Mon, 01 Jan 2024 00:00:00 GMT")], "{}")
    assert fresh.evaluate(stale) is False


@pytest.mark.parametrize("text", [
    'date(repeat("x", 1000000), repeat("x", 1000000)) != nil', 'duration(repeat("1s", 500000)) > duration("0s")',
    'now().Format(repeat("2006", 100000)) != ""', 'date(repeat("9", 100000)) != nil',
    'date("2024-01-02", repeat("2006", 300)) != nil',
])
def test_built_up_inputs_fail_fast_with_short_messages(text: str) -> None:
    from webhook.conditions import http_environment
    from webhook.conditions.errors import EvaluationError

    started = time.perf_counter()
    with pytest.raises(EvaluationError) as failed:
        compile_condition(text).evaluate(http_environment(200, [], "{}"))
    assert time.perf_counter() - started < 0.5
    assert len(failed.value.message) < 400 and not failed.value.internal


def test_long_but_legal_layouts_still_format() -> None:
    assert len(REFERENCE.Format("Mon " * 250)) == 1000
