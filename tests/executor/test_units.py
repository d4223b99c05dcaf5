"""Small pieces: secret value files, when, durations, loops, depends, retry strategies, node IDs."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from webhook.executor.depends import DependsError, TaskResult, should_run
from webhook.executor.durations import DurationError, parse_duration
from webhook.executor.loops import LoopError, iterations
from webhook.executor.nodes import Phase, node_id
from webhook.executor.redact import Redactor
from webhook.executor.retry import RetryError, RetryStrategy
from webhook.executor.scope import Scope
from webhook.executor.when import WhenError, evaluate_when
from webhook.secrets.files import SecretFileError
from webhook.secrets.values import FileSecretValues, SecretUnavailable


async def test_file_secret_values(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"""
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {{name: a, namespace: prod}}
  data: {{token: {base64.b64encode(b"from-data").decode()}, both: {base64.b64encode(b"data").decode()}}}
  stringData: {{both: from-string-data}}
- apiVersion: v1
  kind: Secret
  metadata: {{name: bin}}
  data: {{k: {base64.b64encode(bytes([0xff, 0xfe])).decode()}}}
""")
    store = FileSecretValues.from_path(str(path))
    assert await store.secret_value("prod", "a", "token") == "from-data"
    assert await store.secret_value(None, "a", "both") == "from-string-data"
    assert await store.secret_value("other", "a", "token") == "from-data"  # namespace-free fallback
    with pytest.raises(SecretUnavailable, match="secret 'a' has no key 'nope' \\(keys: both, token\\)"):
        await store.secret_value("prod", "a", "nope")
    with pytest.raises(SecretUnavailable, match="secret 'zz' in namespace 'prod' is not in"):
        await store.secret_value("prod", "zz", "k")
    with pytest.raises(SecretUnavailable, match="binary, not UTF-8"):
        await store.secret_value(None, "bin", "k")
    assert "from-data" not in repr(store)


def test_bad_secret_files(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {k: '***'}\n")
    with pytest.raises(SecretFileError, match="data key 'k' is not valid base64"):
        FileSecretValues.from_path(str(path))
    path.write_text("a: [")
    with pytest.raises(SecretFileError):
        FileSecretValues.from_path(str(path))


@pytest.mark.parametrize("text, expected", [
    ("heads == heads", True), ("heads != heads", False), ("5 > 3 && 2 <= 2", True), ("'5' == 5", False),
    ("abc < abd", True), ("!(1 == 1) || true", True), ("x in (a, x, y)", True), ("1.5 * 2 == 3", True),
    ("'a b' == \"a b\"", True), ("prod =~ '^pro'", True), ("prod !~ '^pro'", False), ("", True),
    ("10 % 3 == 1", True), ("-1 < 0", True), ("0x10 == 16", True), ("'it\\'s' == \"it's\"", True),
])
def test_when(text: str, expected: bool) -> None:
    assert evaluate_when(text) is expected


@pytest.mark.parametrize("text, message", [
    ("5 > a", "cannot compare 5 (number) with 'a' (string) using '>'"),
    ("a && true", "'&&' needs true or false, got 'a'"),
    ("(a == b", "it ends too early"),
    ("a == b)", "unexpected ')'"),
    ("5", "expected boolean evaluation for '5', got 5"),
    ("1 / 0 == 1", "division by zero"),
    ("a =~ '('", "does not compile"),
    ("a $ b", "unexpected '$'"),
])
def test_when_errors(text: str, message: str) -> None:
    with pytest.raises(WhenError) as info:
        evaluate_when(text)
    assert message in str(info.value)


@pytest.mark.parametrize("value, seconds", [
    ("30s", 30), ("1m30s", 90), ("250ms", 0.25), ("2h", 7200), (15, 15), ("15", 15), ("0", 0), ("1.5s", 1.5),
])
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["soon", "5 s", "-5s", True, None, "1x"])
def test_bad_durations(value: object) -> None:
    with pytest.raises(DurationError):
        parse_duration(value)


def test_sequences_and_params() -> None:
    scope = Scope({"inputs.parameters.n": "3"})
    assert [i.item for i in iterations({"withSequence": {"count": "{{inputs.parameters.n}}"}}, scope)] == \
        ["0", "1", "2"]
    assert [i.item for i in iterations({"withSequence": {"start": 3, "end": 1}}, scope)] == ["3", "2", "1"]
    assert [i.item for i in iterations({"withSequence": {"start": "8", "end": "10", "format": "v%03d"}}, scope)] == \
        ["v008", "v009", "v010"]
    assert iterations({"withSequence": {"count": 0}}, scope) == []
    assert [i.node_suffix() for i in iterations({"withParam": '[{"b": 2, "a": "x"}, [1, 2], true]'}, scope)] == \
        ["(0:a:x,b:2)", "(1:[1,2])", "(2:true)"]


@pytest.mark.parametrize("holder, message", [
    ({"withParam": "not json"}, "withParam value could not be parsed as a JSON list: not json"),
    ({"withParam": '{"a": 1}'}, "not a list"),
    ({"withSequence": {"count": "x"}}, "withSequence count 'x' is not a whole number"),
    ({"withSequence": {"count": 1, "end": 2}}, "only one of count or end"),
    ({"withSequence": {"start": 1}}, "neither end nor count"),
    ({"withSequence": {"count": 2, "format": "%d-%d"}}, "exactly one number verb"),
    ({"withSequence": {"count": 10**6}}, "more than 100000 items"),
])
def test_loop_errors(holder: dict, message: str) -> None:
    with pytest.raises(LoopError) as info:
        iterations(holder, Scope())
    assert message in str(info.value)


def test_depends() -> None:
    tasks = {"a": {}, "b": {"continueOn": {"failed": True}}, "c-d": {}}
    results = {"a": TaskResult(Phase.SUCCEEDED), "b": TaskResult(Phase.FAILED), "c-d": TaskResult(Phase.SKIPPED)}
    assert should_run("a && b && c-d", tasks, results)  # b continues on failure, c-d was skipped
    assert should_run("b.Failed && !a.Failed", tasks, results)
    assert not should_run("a.Skipped || (b.Succeeded)", tasks, results)
    assert should_run("c-d.Skipped", tasks, results)
    with pytest.raises(DependsError, match="task 'zz' has no result"):
        should_run("zz", tasks, results)
    with pytest.raises(DependsError, match="unable to evaluate depends 'a &&'"):
        should_run("a &&", tasks, results)


def test_retry_strategy_parsing_and_backoff() -> None:
    scope = Scope({"inputs.parameters.n": "4"})
    strategy = RetryStrategy.parse({"limit": "{{inputs.parameters.n}}", "retryPolicy": "Always",
                                    "backoff": {"duration": "1s", "factor": 3, "cap": "5s"}}, scope)
    assert strategy is not None and strategy.limit == 4
    assert [strategy.wait_before(n) for n in (1, 2, 3)] == [1.0, 3.0, 5.0]
    assert RetryStrategy.parse(None, scope) is None
    for raw, message in [({"retryPolicy": "Sometimes"}, "retryPolicy 'Sometimes'"),
                         ({"limit": "x"}, "limit 'x' is not a whole number"),
                         ({"backoff": {"factor": 2}}, "backoff needs a duration"),
                         ({"backoff": {"duration": "soon"}}, "backoff.duration 'soon' is not a duration")]:
        with pytest.raises(RetryError, match=message):
            RetryStrategy.parse(raw, scope)


def test_node_ids_follow_argo() -> None:
    assert node_id("wf", "wf") == "wf"
    # FNV-1a 32 of "wf.a".
    assert node_id("wf", "wf.a") == "wf-" + str(_fnv("wf.a"))


def test_node_ids_hashed_from_a_kept_prefix_equal_the_whole_hash() -> None:
    # Names extend their parents' (groups, steps, loop items with separators of their own, unicode):
    # continuing from a remembered prefix must give exactly the hash of the whole name.
    names = ["wf", "wf[0]", "wf[0].a", "wf[0].a(0:x.y[1](z))", "wf[0].a(1:é.ü)", "wf.b", "wf.b.c.d.e.f.g",
             "wf[0].a(0:x.y[1](z)).inner[2]", "q(3:" + "." * 50 + ")", "other[1].x", ".lead", "(p"]
    for _ in range(2):  # cold, then every prefix kept
        for name in names:
            expected = "wf" if name == "wf" else "wf-" + str(_fnv(name))
            assert node_id("wf", name) == expected, name


def _fnv(text: str) -> int:
    h = 0x811C9DC5
    for b in text.encode():
        h = ((h ^ b) * 0x01000193) % 2**32
    return h


def test_redactor() -> None:
    r = Redactor()
    r.add("abc")  # too short to scrub safely
    r.add("token-1")
    r.add("token-12")
    assert r.scrub("a token-12 and token-1 abc") == "a *** and *** abc"
    assert "token" not in repr(r)
