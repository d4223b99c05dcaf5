"""Recorded responses: matching by method and url (exact, glob, RE2), sequences, times, delays, file errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.executor.conftest import by_display, run, workflow
from webhook.executor.nodes import NodeType, Phase
from webhook.executor.recorded import RecordedTransport, ResponsesFileError
from webhook.executor.transport import Exchange, TransportError


def transport(tmp_path: Path, text: str) -> RecordedTransport:
    path = tmp_path / "responses.yaml"
    path.write_text(text)
    return RecordedTransport.from_path(str(path))


async def test_exact_glob_and_regex(tmp_path: Path) -> None:
    t = transport(tmp_path, """
- {method: GET, url: "http://a.test/x?q=1", body: exact}
- {urlGlob: "http://a.test/items/*/detail", body: glob}
- {method: post, urlRegex: 'http://a\\.test/n/[0-9]+', status: 201, headers: {X-A: "1"}}
""")
    assert (await t.exchange(Exchange("GET", "http://a.test/x?q=1"), max_body=100, timeout=5)).body == b"exact"
    deleted = await t.exchange(Exchange("DELETE", "http://a.test/items/7/detail"), max_body=100, timeout=5)
    assert deleted.body == b"glob"
    posted = await t.exchange(Exchange("POST", "http://a.test/n/42"), max_body=100, timeout=5)
    assert (posted.status, posted.header("x-a")) == (201, "1")
    with pytest.raises(TransportError) as info:
        await t.exchange(Exchange("POST", "http://a.test/n/42x"), max_body=100, timeout=5)
    assert info.value.workflow_error
    assert "no recorded response for POST http://a.test/n/42x" in info.value.message
    with pytest.raises(TransportError, match=r"\(closest entry: http://a.test/x\?q=1\)"):
        await t.exchange(Exchange("GET", "http://a.test/x?q=2"), max_body=100, timeout=5)


async def test_sequence_and_times(tmp_path: Path) -> None:
    t = transport(tmp_path, """
responses:
- url: http://a.test/job
  times: 3
  sequence: [{status: 503}, {status: 503}, {status: 200, json: {done: true}}]
- {url: http://a.test/job, status: 410}
""")
    job = Exchange("GET", "http://a.test/job")
    statuses = [(await t.exchange(job, max_body=100, timeout=5)).status for _ in range(5)]
    assert statuses == [503, 503, 200, 410, 410]


async def test_body_file_json_and_cap(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"x" * 1000)
    t = transport(tmp_path, """
- {url: http://a.test/big, bodyFile: big.txt}
- {url: http://a.test/json, json: {a: [1, 2]}}
""")
    big = await t.exchange(Exchange("GET", "http://a.test/big"), max_body=100, timeout=5)
    assert (len(big.body), big.truncated) == (100, True)
    js = await t.exchange(Exchange("GET", "http://a.test/json"), max_body=100, timeout=5)
    assert js.body == b'{"a": [1, 2]}' and js.header("Content-Type") == "application/json"


@pytest.mark.parametrize("text, message", [
    ("url: x", "expected a list of recorded responses"),
    ("- 3", "entry #1 is not a mapping"),
    ("- {status: 200}", "entry #1 needs exactly one of url, urlGlob or urlRegex"),
    ("- {url: a, urlGlob: b}", "(it has url, urlGlob)"),
    ("- {url: a, stauts: 200}", "unknown field 'stauts' (did you mean 'status'?)"),
    ("- {url: a, status: '200'}", "status must be a whole number from 100 to 599"),
    ("- {urlRegex: '(', status: 200}", "urlRegex does not compile"),
    ("- {url: a, delay: soon}", "delay 'soon' is not a duration"),
    ("- {url: a, body: {x: 1}}", "body must be a string (use json: for structured data)"),
    ("- {url: a, bodyFile: nope.bin}", "bodyFile nope.bin cannot be read"),
    ("- {url: a, times: 0}", "times must be a whole number of at least 1"),
    ("- {url: a, sequence: []}", "sequence must be a non-empty list"),
    ("- {url: a, status: 200, sequence: [{status: 1}]}", "put 'status' inside each sequence item"),
    ("- {url: a, headers: [1]}", "headers must be a mapping"),
    ("- {url: a, method: 'G T'}", "method must be a word"),
    ("{", "did not find expected node content"),
])
def test_bad_files_are_refused_with_a_location(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ResponsesFileError) as info:
        transport(tmp_path, text)
    assert message in str(info.value)
    assert str(tmp_path / "responses.yaml") in str(info.value)


async def test_delay_counts_against_the_timeout_and_retries_use_the_sequence(tmp_path: Path) -> None:
    t = transport(tmp_path, """
- {url: http://a.test/slow, delay: 2s}
- url: http://a.test/flaky
  sequence: [{status: 502}, {status: 200, body: ok}]
""")
    doc = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: rec}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: slow, template: slow}
      - {name: flaky, template: flaky}
  - name: slow
    http: {url: http://a.test/slow, timeoutSeconds: 1}
  - name: flaky
    retryStrategy: {limit: 2}
    http: {url: http://a.test/flaky, timeoutSeconds: 1}
""")
    result = await run(doc, transport=t)
    assert "no complete response within 1s" in by_display(result, "slow").message
    flaky = by_display(result, "flaky")
    assert flaky.type is NodeType.RETRY and flaky.phase is Phase.SUCCEEDED and flaky.result == "ok"


async def test_recorded_mode_still_refuses_metadata_hosts(tmp_path: Path) -> None:
    t = transport(tmp_path, "- {urlGlob: '*', body: leaked}\n")
    doc = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: rec}
spec:
  entrypoint: main
  templates:
  - name: main
    http: {url: "http://169.254.169.254/latest/meta-data", timeoutSeconds: 1}
""")
    from webhook.executor.guard import HostPolicy

    result = await run(doc, transport=t, policy=HostPolicy())
    assert "refused by the SSRF guard" in by_display(result, "rec").message
