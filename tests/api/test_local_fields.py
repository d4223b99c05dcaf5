"""Argo's ``fields`` parameter: keep only some paths, or leave some out."""

from __future__ import annotations

from typing import Any

import pytest

from webhook.api.errors import ApiError
from webhook.api.fields import Fields

LIST: dict[str, Any] = {
    "metadata": {"resourceVersion": "9", "continue": "abc"},
    "items": [
        {"metadata": {"name": "a", "uid": "1"}, "status": {"phase": "Succeeded", "nodes": {"x": {"id": "x"}}}},
        {"metadata": {"name": "b", "uid": "2"}, "spec": {"entrypoint": "main"}},
    ],
}


def test_included_paths_keep_their_subtree_through_arrays_and_drop_the_rest() -> None:
    fields = Fields.parse("metadata,items.metadata.name,items.status.phase")
    assert fields is not None
    assert fields.apply(LIST) == {
        "metadata": {"resourceVersion": "9", "continue": "abc"},
        "items": [{"metadata": {"name": "a"}, "status": {"phase": "Succeeded"}}, {"metadata": {"name": "b"}}],
    }


def test_a_leading_minus_leaves_the_listed_paths_out() -> None:
    fields = Fields.parse("-items.status.nodes,items.metadata.uid")
    assert fields is not None
    out = fields.apply(LIST)
    assert out["items"][0] == {"metadata": {"name": "a"}, "status": {"phase": "Succeeded"}}
    assert out["items"][1] == {"metadata": {"name": "b"}, "spec": {"entrypoint": "main"}}
    assert out["metadata"] == LIST["metadata"]
    assert "nodes" in LIST["items"][0]["status"]  # the input is not changed


def test_nothing_asked_for_means_everything_and_paths_nothing_matches_leave_an_empty_object() -> None:
    assert Fields.parse(None) is None and Fields.parse(" ") is None and Fields.parse(",,") is None
    fields = Fields.parse("spec.nothing")
    assert fields is not None and fields.apply(LIST) == {}


@pytest.mark.parametrize("text", ["items..name", "a," * 300, "x" * 5000, "."])
def test_malformed_or_oversized_fields_are_refused(text: str) -> None:
    with pytest.raises(ApiError) as caught:
        Fields.parse(text)
    assert caught.value.code == 3 and caught.value.message
