"""wirejson: orjson's speed with the standard library's reading of JSON, and nothing that is not JSON."""

from __future__ import annotations

import gc
import json
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webhook import wirejson


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'[Infinity]', b'[-Infinity]', b'{"a": 1e999}'])
def test_what_is_not_json_is_refused(raw: bytes) -> None:
    with pytest.raises(wirejson.NotJson) as info:
        wirejson.loads(raw)
    assert "not valid JSON" in str(info.value) or "out of range" in str(info.value)


def test_errors_name_line_and_column() -> None:
    with pytest.raises(wirejson.NotJson, match=r"at line 2 column 6"):
        wirejson.loads(b'{"a":\n  1, }')


def test_what_orjson_refuses_but_json_reads_is_read_like_json() -> None:
    # 64-bit integers stay integers; larger ones become floats, as in the Kubernetes API server.
    assert wirejson.loads(b"[18446744073709551615, -9223372036854775808]") == [2**64 - 1, -(2**63)]
    big = b'{"n": 123456789012345678901234567890}'
    assert wirejson.loads(big) == {"n": 1.2345678901234568e29}
    surrogate = b'["\\ud800"]'
    assert wirejson.loads(surrogate) == ["\ud800"]
    # And written back, by the standard library's rules.
    assert wirejson.dumps(json.loads(big)) == b'{"n":123456789012345678901234567890}'
    assert wirejson.dumps(["\ud800"]) == "[\"\ud800\"]".encode("utf-8", "surrogatepass")


def test_invalid_utf8_is_a_unicode_error_like_json() -> None:
    with pytest.raises(UnicodeDecodeError):
        wirejson.loads(b'{"a": "\xff"}')


def test_deep_nesting_beyond_orjson_is_not_json_never_a_recursion_error() -> None:
    deep = b"[" * 5000 + b"]" * 5000
    with pytest.raises(wirejson.TooDeep, match="nest too deeply"):
        wirejson.loads(deep)


@pytest.mark.parametrize("digits", [400, 4300, 4301, 5000, 100_000])
def test_integers_of_any_length_are_floats_or_out_of_range_never_a_value_error(digits: int) -> None:
    # Python refuses int() of more than 4,300 digits with a ValueError; beyond a float's range it is not JSON
    # we read (orjson's answer too), and a lone surrogate sends the body through the standard library.
    for raw in (b"[" + b"7" * digits + b"]", b'["\\ud800", -' + b"7" * digits + b"]"):
        with pytest.raises(wirejson.NotJson, match="out of range"):
            wirejson.loads(raw)


def test_long_integers_within_a_floats_range_are_floats_on_both_paths() -> None:
    assert wirejson.loads(b'["\\ud800", 123456789012345678901234567890, -9223372036854775809]')[1:] == [
        1.2345678901234568e29, -9.223372036854776e18]


def test_canonical_is_one_to_one_for_values_that_differ() -> None:
    assert wirejson.canonical({"b": 1, "a": [None, 1.5]}) == wirejson.canonical({"a": [None, 1.5], "b": 1})
    assert wirejson.canonical({"a": None}) != wirejson.canonical({"a": 0})
    assert wirejson.canonical({"a": 1}) != wirejson.canonical({"a": "1"})
    assert wirejson.canonical([10**30]) == b"[1000000000000000000000000000000]"


def test_dumps_writes_what_json_cannot_with_str() -> None:
    class Opaque:
        def __str__(self) -> str:
            return "opaque"

    assert wirejson.loads(wirejson.dumps({"x": Opaque()})) == {"x": "opaque"}


# Strings full of what could confuse a reader of the raw text: brackets, quote marks, backslashes, escapes.
_TRICKY_TEXT = st.text(alphabet='[]{}"\\\n\t/aé\u2028', max_size=12)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _TRICKY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TRICKY_TEXT, children, max_size=4),
    max_leaves=60,
)


def nesting_depth(value: object) -> int:
    """The oracle: depth of nested arrays and objects, by walking the value."""
    if isinstance(value, dict):
        return 1 + max((nesting_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((nesting_depth(v) for v in value), default=0)
    return 0


@settings(max_examples=400, deadline=None)
@given(value=_JSON_VALUES, limit=st.integers(min_value=0, max_value=8), ascii_only=st.booleans())
def test_nesting_read_from_the_text_agrees_with_walking_the_value(value: object, limit: int,
                                                                 ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert wirejson.nests_deeper_than(raw, limit) == (nesting_depth(value) > limit)
    assert wirejson.nests_deeper_than(wirejson.dumps(value), limit) == (nesting_depth(value) > limit)
    assert wirejson.nests_deeper_than(json.dumps(value).encode("utf-16"), limit) == (nesting_depth(value) > limit)


def test_nesting_of_a_megabyte_of_brackets_is_read_quickly() -> None:
    chains = b",".join([b"[" * 99 + b"]" * 99] * 7000)
    body = b"[" + chains + b"]"  # 1.4 MB, 100 deep: 700,000 arrays
    started = time.process_time()
    assert not wirejson.nests_deeper_than(body, 100)
    assert wirejson.nests_deeper_than(b"[" + body + b"]", 100)
    # Walking the parsed value took ~1.6 s here; the text is read in well under that (~0.1 s).
    assert time.process_time() - started < 1.0


def _large_document(containers: int) -> bytes:
    # Well past PAUSE_COLLECTOR_CHARS, and far more containers than the collector's first threshold (700).
    return json.dumps({"templates": [{"name": f"t{i}", "args": [i]} for i in range(containers)]}).encode()


def test_a_large_text_is_parsed_with_the_collector_paused() -> None:
    raw = _large_document(20_000)
    assert len(raw) >= wirejson.PAUSE_COLLECTOR_CHARS
    passes: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.enable()
    gc.callbacks.append(count)
    try:
        value = wirejson.loads(raw)
        paused = len(passes)
        # The same text parsed with the collector running: it runs every 700 new containers or so.
        passes.clear()
        control = json.loads(raw)
        running = len(passes)
    finally:
        gc.callbacks.remove(count)
    assert value == control
    assert running >= 20, running
    # At most the one young-generation pass that comes due when the collector is back.
    assert paused <= 1, paused
    assert gc.isenabled()


def test_the_collector_comes_back_after_the_last_of_several_threads_and_only_if_it_was_on() -> None:
    first, second = wirejson.collector_paused(), wirejson.collector_paused()
    gc.enable()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled(), "another thread is still parsing"
    second.__exit__(None, None, None)
    assert gc.isenabled()
    gc.disable()
    try:
        with wirejson.collector_paused():
            pass
        assert not gc.isenabled(), "switched off by someone else: left off"
    finally:
        gc.enable()


def test_parses_from_many_threads_at_once_leave_the_collector_on() -> None:
    raw = _large_document(3_000)
    errors: list[BaseException] = []

    def parse() -> None:
        try:
            for _ in range(20):
                assert len(wirejson.loads(raw)["templates"]) == 3_000
        except BaseException as exc:  # reported below: an assertion in a thread would be lost
            errors.append(exc)

    gc.enable()
    threads = [threading.Thread(target=parse) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and not any(thread.is_alive() for thread in threads)
    assert gc.isenabled()


def test_a_large_text_that_is_not_json_still_gives_the_collector_back() -> None:
    raw = _large_document(3_000)[:-1]
    with pytest.raises(wirejson.NotJson):
        wirejson.loads(raw)
    assert gc.isenabled()
