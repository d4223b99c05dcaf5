"""Parsing AdmissionReviews, the verdict shortcuts, the response, and the ?timeout= parser (pure functions)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.admission.conftest import review, seed_workflow, valid_workflow
from webhook.admission.decide import manifest_of, shortcut, unchanged_spec
from webhook.admission.response import Verdict, review_response, short_line
from webhook.admission.review import ReviewError, parse_body, parse_review
from webhook.server.timeouts import BadTimeout, parse_duration


def test_parse_review_reads_the_request() -> None:
    doc = review(valid_workflow(), uid="abc", dry_run=True, namespace="team-a")
    doc["request"]["userInfo"]["extra"] = {"scopes": ["a", 1]}
    req = parse_review(doc)
    assert (req.uid, req.operation, req.kind, req.namespace, req.dry_run) == ("abc", "CREATE", "Workflow",
                                                                             "team-a", True)
    assert req.user.username == "alice" and req.user.groups == ("system:authenticated",)
    assert req.user.extra == {"scopes": ("a",)}
    assert req.display_name == "http-example-*"
    assert manifest_of(req).namespace == "team-a"


def test_parse_body_accepts_utf16_json_and_refuses_binary() -> None:
    doc = review(valid_workflow())
    assert parse_body(json.dumps(doc).encode("utf-16")).uid == doc["request"]["uid"]
    with pytest.raises(ReviewError, match="body is not"):
        parse_body(b"\x00\x01\x02")


def test_nesting_past_the_limit_is_refused_in_any_encoding() -> None:
    doc = review(valid_workflow())
    node = doc["request"]["object"]["metadata"]
    for _ in range(120):
        node["x"] = {}
        node = node["x"]
    for encoding in ("utf-8", "utf-16", "utf-32"):
        with pytest.raises(ReviewError, match="nests deeper than 100 levels"):
            parse_body(json.dumps(doc).encode(encoding))
        assert parse_body(json.dumps(doc).encode(encoding), max_depth=200).uid == doc["request"]["uid"]


def test_dry_run_must_be_a_boolean() -> None:
    doc = review(valid_workflow())
    doc["request"]["dryRun"] = "yes"
    with pytest.raises(ReviewError, match="dryRun"):
        parse_review(doc)


def test_shortcuts() -> None:
    assert shortcut(parse_review(review(None, "DELETE", old=seed_workflow()))) is not None
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}
    verdict = shortcut(parse_review(review(pod)))
    assert verdict is not None and verdict.reason == "not-an-argo-kind"
    same = parse_review(review(seed_workflow(), "UPDATE", old=seed_workflow()))
    assert unchanged_spec(same) and shortcut(same) is not None
    status = review(seed_workflow(), "UPDATE", old=seed_workflow())
    status["request"]["subResource"] = "status"
    assert shortcut(parse_review(status)) is not None
    assert shortcut(parse_review(review(seed_workflow()))) is None


def test_response_shapes() -> None:
    allowed = review_response("u", Verdict(True, "validated", warnings=("w" * 300,), patch=[{"op": "add",
                                                                                         "path": "/a", "value": 1}]))
    assert allowed["response"]["warnings"] == ["w" * 119 + "…"]
    assert json.loads(base64.b64decode(allowed["response"]["patch"])) == [{"op": "add", "path": "/a", "value": 1}]
    denied = review_response("u", Verdict(False, "validated", message="no", code=422))
    assert denied["response"] == {"uid": "u", "allowed": False, "status": {"code": 422, "message": "no"}}
    assert short_line("a\n  b") == "a b"


@pytest.mark.parametrize("text, seconds", [("10s", 10), ("500ms", 0.5), ("1m30s", 90), ("1.5s", 1.5),
                                           ("30", 30), ("2h", 7200), ("100us", 1e-4)])
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "10 s", "ten", "-1s", "0s", "1s2", "1d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(BadTimeout):
        parse_duration(text)
