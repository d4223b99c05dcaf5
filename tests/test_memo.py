"""The validation memo: same object and same context key → the same diagnostics, computed once."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from webhook.admission.response import deny
from webhook.diagnostics import Diagnostic
from webhook.loading import load_path
from webhook.manifest import Manifest, argo_kind_of
from webhook.validation import validate
from webhook.validation.context import ValidationContext
from webhook.validation.memo import OBJECT_BYTES, ValidationMemo, manifest_digest, weight

SEED = Path(__file__).resolve().parent.parent / "bench" / "data" / "seed-workflow.yaml"


def seed() -> dict[str, Any]:
    data = load_path(str(SEED)).documents[0].data
    assert isinstance(data, dict)
    return data


def manifest(data: dict[str, Any]) -> Manifest:
    return Manifest(data["kind"], data, default_namespace="team-a")


def test_a_second_identical_review_is_answered_from_the_memo() -> None:
    memo = ValidationMemo()
    ctx = ValidationContext(cache_key="k")
    first = memo.validate(manifest(seed()), ctx)
    second = memo.validate(manifest(seed()), ctx)
    assert first == second == validate(manifest(seed()), ctx)
    assert first, "the seed workflow has findings; an empty list would prove little"
    assert (memo.hits, memo.misses) == (1, 1)


def test_any_change_to_the_object_or_the_context_key_is_a_miss() -> None:
    memo = ValidationMemo()
    ctx = ValidationContext(cache_key="k")
    memo.validate(manifest(seed()), ctx)
    changed = seed()
    changed["spec"]["templates"][1]["http"]["successCondition"] = "response.statusCode == 200"
    assert memo.validate(manifest(changed), ctx) == validate(manifest(changed), ctx)
    memo.validate(manifest(seed()), ValidationContext(cache_key="other"))
    other_ns = Manifest("Workflow", seed(), default_namespace="team-b")
    memo.validate(other_ns, ctx)
    assert (memo.hits, memo.misses) == (0, 4)


def test_a_context_without_a_key_is_never_memoised() -> None:
    memo = ValidationMemo()
    ctx = ValidationContext()
    memo.validate(manifest(seed()), ctx)
    memo.validate(manifest(seed()), ctx)
    assert (memo.hits, memo.misses, len(memo)) == (0, 0, 0)


def test_the_memo_is_bounded_and_keeps_the_most_recent() -> None:
    memo = ValidationMemo(max_entries=3)
    ctx = ValidationContext(cache_key="k")
    objects = []
    for i in range(5):
        data = seed()
        data["metadata"]["generateName"] = f"run-{i}-"
        objects.append(data)
        memo.validate(manifest(data), ctx)
    assert len(memo) == 3
    memo.validate(manifest(objects[-1]), ctx)
    memo.validate(manifest(objects[0]), ctx)
    assert (memo.hits, memo.misses) == (1, 6)


def test_digest_ignores_key_order_but_not_values() -> None:
    data = seed()
    reordered = dict(reversed(list(copy.deepcopy(data).items())))
    assert manifest_digest(manifest(data)) == manifest_digest(manifest(reordered))
    data["spec"]["entrypoint"] = "other"
    assert manifest_digest(manifest(data)) != manifest_digest(manifest(reordered))


def test_memoised_answers_equal_fresh_ones_over_the_corpus(corpus_dir: Path) -> None:
    memo = ValidationMemo()
    ctx = ValidationContext(cache_key="k")
    checked = 0
    for path in sorted(corpus_dir.rglob("*.yaml"))[:60]:
        for doc in load_path(str(path)).documents:
            kind = argo_kind_of(doc.data)
            if kind is None:
                continue
            m = Manifest(kind, doc.data, default_namespace="argo")
            fresh = validate(m, ctx)
            assert memo.validate(m, ctx) == fresh
            assert memo.validate(Manifest(kind, copy.deepcopy(doc.data), default_namespace="argo"), ctx) == fresh
            checked += 1
    assert checked >= 50 and memo.hits == checked


@pytest.mark.parametrize("entries", [0])
def test_a_memo_of_size_zero_computes_every_time(entries: int) -> None:
    memo = ValidationMemo(max_entries=entries)
    ctx = ValidationContext(cache_key="k")
    memo.validate(manifest(seed()), ctx)
    memo.validate(manifest(seed()), ctx)
    assert len(memo) == 0 and memo.hits == 0


def test_a_conclusion_is_drawn_once_and_kept_with_the_diagnostics() -> None:
    memo = ValidationMemo()
    ctx = ValidationContext(cache_key="k")
    drawn: list[int] = []

    def count_errors(m: Manifest, diagnostics: Sequence[Diagnostic]) -> int:
        drawn.append(1)
        return len(diagnostics)

    first = memo.conclude(manifest(seed()), ctx, count_errors)
    second = memo.conclude(manifest(seed()), ctx, count_errors)
    assert first == second == len(validate(manifest(seed()), ctx))
    assert len(drawn) == 1 and (memo.hits, memo.misses) == (1, 1)
    # Another conclusion from the same entry reuses the diagnostics, not the other conclusion.
    assert memo.conclude(manifest(seed()), ctx, lambda m, d: "other") == "other"
    assert memo.validate(manifest(seed()), ctx) == validate(manifest(seed()), ctx)


def _heavy(m: Manifest, diagnostics: Sequence[Diagnostic]) -> str:
    """A conclusion quoting a 60 KB name, as denial messages did before names in them were shortened."""
    return "{" * 60_000


def _light(m: Manifest, diagnostics: Sequence[Diagnostic]) -> str:
    return "ok"


def _named(i: int) -> Manifest:
    data = seed()
    data["metadata"]["generateName"] = f"run-{i}-"
    return manifest(data)


def test_the_budget_is_bytes_so_heavy_answers_take_their_share() -> None:
    # 4,200 denials quoting a 60 KB name took RSS from 313 to 696 MiB when the memo counted entries.
    ctx = ValidationContext(cache_key="k")
    heavy = ValidationMemo(max_bytes=2 * 1024 * 1024)
    light = ValidationMemo(max_bytes=2 * 1024 * 1024)
    for i in range(60):
        heavy.conclude(_named(i), ctx, _heavy)
        light.conclude(_named(i), ctx, _light)
    assert 0 < heavy.bytes <= heavy.max_bytes and len(heavy) < 32
    assert len(light) == 60 and light.bytes == sum(e.bytes for e in light._entries.values())
    # The most recent are the ones kept.
    before = heavy.hits
    heavy.conclude(_named(59), ctx, _heavy)
    assert heavy.hits == before + 1


def test_an_entry_heavier_than_a_sixteenth_of_the_budget_is_not_kept() -> None:
    memo = ValidationMemo(max_bytes=64 * 1024)  # a sixteenth: 4 KiB, less than the seed's findings
    ctx = ValidationContext(cache_key="k")
    first = memo.validate(_named(1), ctx)
    assert len(memo) == 0 and memo.bytes == 0
    assert memo.validate(_named(1), ctx) == first and memo.misses == 2


def test_weight_counts_strings_and_objects() -> None:
    assert weight("x" * 1000) == 1000 + OBJECT_BYTES
    assert weight(("ab", "cd")) == 3 * OBJECT_BYTES + 4


def test_weight_follows_containers_and_dataclasses_to_its_depth() -> None:
    assert weight({"ab": ["c", 1, None]}) == OBJECT_BYTES + (OBJECT_BYTES + 2) + (OBJECT_BYTES + 3 * OBJECT_BYTES + 1)
    verdict = deny("validated", "m" * 10, 422, ("w",), ("AW1",))
    # allowed, reason, message, code, warnings (one string), patch, codes (one string), errors (empty)
    assert weight(verdict) == (OBJECT_BYTES + OBJECT_BYTES + (OBJECT_BYTES + 9) + (OBJECT_BYTES + 10) + OBJECT_BYTES
                               + (2 * OBJECT_BYTES + 1) + OBJECT_BYTES + (2 * OBJECT_BYTES + 3) + OBJECT_BYTES)
    assert weight([["deep"]], depth=1) == 2 * OBJECT_BYTES
