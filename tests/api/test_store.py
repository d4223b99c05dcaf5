"""The embedded SQLite store: versions, conflicts, pages stable under inserts, the labels index."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from webhook.api.backend import ListQuery
from webhook.api.errors import ApiError
from webhook.api.store import DB_FILE, Store


def wf(name: str, labels: dict[str, str] | None = None, namespace: str = "argo") -> dict[str, Any]:
    return {"kind": "Workflow", "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
            "status": {"phase": "Running"}}


async def names(store: Store, selector: str | None = None, **kw: Any) -> list[str]:
    page = await store.page("Workflow", "argo", ListQuery(label_selector=selector, **kw))
    return [item["metadata"]["name"] for item in page.items]


async def test_versions_increase_and_stale_replacements_are_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    await store.open()
    try:
        first = await store.insert("Workflow", wf("a"))
        second = await store.insert("Workflow", wf("b"))
        assert int(second["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])
        with pytest.raises(ApiError) as exists:
            await store.insert("Workflow", wf("a"))
        assert exists.value.code == 6
        stale = first["metadata"]["resourceVersion"]
        await store.replace("Workflow", wf("a", {"x": "1"}))
        with pytest.raises(ApiError) as conflict:
            await store.replace("Workflow", wf("a"), stale)
        assert conflict.value.code == 10
        with pytest.raises(ApiError) as missing:
            await store.get("Workflow", "argo", "nope")
        assert missing.value.code == 5
    finally:
        await store.close()


async def test_label_selectors_use_the_index_and_follow_replacements_and_deletes(tmp_path: Path) -> None:
    store = Store(tmp_path)
    await store.open()
    try:
        for i in range(12):
            await store.insert("Workflow", wf(f"w{i:02}", {"team": "a" if i % 3 == 0 else "b", "n": str(i)}))
        await store.insert("Workflow", wf("other-ns", {"team": "a"}, namespace="elsewhere"))
        assert await names(store, "team=a") == ["w00", "w03", "w06", "w09"]
        assert await names(store, "team=a,n in (3,9,11)") == ["w03", "w09"]
        assert await names(store, "team=a,n!=3,n notin (9)") == ["w00", "w06"]
        assert await names(store, "n,!missing,team==b", limit=2) == ["w01", "w02"]
        await store.replace("Workflow", wf("w03", {"team": "b"}))
        await store.delete("Workflow", "argo", "w06")
        assert await names(store, "team=a") == ["w00", "w09"]
        assert await names(store, "team in ()") == []
        rows = sqlite3.connect(tmp_path / DB_FILE).execute(
            "SELECT count(*) FROM labels WHERE name='w06'").fetchone()
        assert rows == (0,)
    finally:
        await store.close()


async def test_pages_are_stable_when_objects_arrive_between_them(tmp_path: Path) -> None:
    store = Store(tmp_path)
    await store.open()
    try:
        for name in ("b", "d", "f", "h"):
            await store.insert("Workflow", wf(name))
        first = await store.page("Workflow", "argo", ListQuery(limit=2))
        assert [i["metadata"]["name"] for i in first.items] == ["b", "d"] and first.continue_token
        await store.insert("Workflow", wf("a"))  # before the cursor: not seen again, nothing skipped
        await store.insert("Workflow", wf("e"))
        rest = await store.page("Workflow", "argo", ListQuery(limit=10, continue_token=first.continue_token))
        assert [i["metadata"]["name"] for i in rest.items] == ["e", "f", "h"] and rest.continue_token is None
    finally:
        await store.close()


async def test_a_store_from_before_the_labels_index_is_indexed_when_opened(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.executescript("""
        CREATE TABLE objects (kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
            resource_version INTEGER NOT NULL, phase TEXT NOT NULL DEFAULT '', labels TEXT NOT NULL DEFAULT '{}',
            body TEXT NOT NULL, PRIMARY KEY (kind, namespace, name));
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO counters VALUES ('resourceVersion', 1);
    """)
    old = wf("old", {"team": "a"})
    db.execute("INSERT INTO objects VALUES ('Workflow', 'argo', 'old', 1, 'Succeeded', ?, ?)",
               (json.dumps(old["metadata"]["labels"]), json.dumps(old)))
    db.commit()
    db.close()
    store = Store(tmp_path)
    await store.open()
    try:
        assert await names(store, "team=a") == ["old"]
    finally:
        await store.close()
    indexed = sqlite3.connect(tmp_path / DB_FILE).execute("SELECT key, value FROM labels WHERE name='old'").fetchall()
    assert indexed == [("team", "a")]


def test_an_unusable_data_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    from webhook.api.store import StoreError

    with pytest.raises(StoreError, match="cannot use"):
        Store(blocker / "data").check()
