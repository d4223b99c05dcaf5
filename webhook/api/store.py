"""The embedded store: Workflows and WorkflowTemplates in SQLite under ``--data-dir``.

One connection, used by one worker thread, so the event loop never waits on the
disk and SQLite never sees two threads. WAL journal with ``synchronous=NORMAL``:
a crash loses at most the last transactions, never the file. Each object is kept
whole (its JSON) with the columns lists filter and page on; resourceVersion is
one counter for the whole store, as in Kubernetes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from webhook import wirejson
from webhook.api.backend import Kind, ListQuery, Object, Page
from webhook.api.errors import ApiError, Code
from webhook.api.selectors import LabelSelector
from webhook.settings import DEFAULT_API

DB_FILE = "argo-warden.db"
_T = TypeVar("_T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    resource_version INTEGER NOT NULL,
    phase TEXT NOT NULL DEFAULT '',
    labels TEXT NOT NULL DEFAULT '{}',
    body TEXT NOT NULL,
    PRIMARY KEY (kind, namespace, name)
);
CREATE INDEX IF NOT EXISTS objects_by_phase ON objects (kind, phase);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters VALUES ('resourceVersion', 0);
CREATE TABLE IF NOT EXISTS labels (
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, namespace, name, key)
);
CREATE INDEX IF NOT EXISTS labels_by_value ON labels (kind, key, value, namespace, name);
"""
# PRAGMA user_version: 1 once every object's labels are in the labels table (files from before it get filled in).
_SCHEMA_VERSION = 1


class StoreError(Exception):
    """The data directory cannot be used (the message says why; shown at start-up)."""


class Store:
    def __init__(self, data_dir: str | Path, page: int = DEFAULT_API.page) -> None:
        self.path = Path(data_dir) / DB_FILE
        # Most items one list answers (a query without a limit, or with a larger one, gets this many).
        self.page_size = page
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="argo-warden-store")
        self._db: sqlite3.Connection | None = None

    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        await self._run(self._open)

    def check(self) -> None:
        """Open and close the database here and now: a data directory that cannot be used fails at start-up."""
        self._open()
        self._close()

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=5000")
            db.executescript(_SCHEMA)
            if db.execute("PRAGMA user_version").fetchone()[0] < _SCHEMA_VERSION:
                with _transaction(db):
                    for kind, namespace, name, labels in db.execute(
                            "SELECT kind, namespace, name, labels FROM objects").fetchall():
                        _index_labels(db, kind, namespace, name, json.loads(labels))
                db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot use {self.path}: {exc}") from None
        self._db = db

    async def close(self) -> None:
        if self._db is not None:
            await self._run(self._close)
        self._pool.shutdown(wait=True)

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise ApiError(Code.UNAVAILABLE, "the store is not open")
        return self._db

    # ------------------------------------------------------------------ writes

    async def insert(self, kind: Kind, obj: Object) -> Object:
        return await self._run(self._insert, kind, obj)

    def _insert(self, kind: Kind, obj: Object) -> Object:
        namespace, name = _key(obj)
        with _transaction(self.db) as db:
            version = _next_version(db)
            obj["metadata"]["resourceVersion"] = str(version)
            try:
                db.execute("INSERT INTO objects (kind, namespace, name, resource_version, phase, labels, body) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)", (kind, namespace, name, version, *_columns(obj)))
            except sqlite3.IntegrityError:
                raise ApiError(Code.ALREADY_EXISTS, f'{kind.lower()}s.argoproj.io "{name}" already exists '
                                                    f'in namespace "{namespace}"') from None
            _index_labels(db, kind, namespace, name, obj["metadata"].get("labels") or {})
        return obj

    async def replace(self, kind: Kind, obj: Object, expected_version: str | None = None) -> Object:
        """Write ``obj`` over the stored one; ``expected_version``: refuse (ABORTED) if it changed since."""
        return await self._run(self._replace, kind, obj, expected_version)

    def _replace(self, kind: Kind, obj: Object, expected_version: str | None) -> Object:
        namespace, name = _key(obj)
        with _transaction(self.db) as db:
            row = db.execute("SELECT resource_version FROM objects WHERE kind=? AND namespace=? AND name=?",
                             (kind, namespace, name)).fetchone()
            if row is None:
                raise not_found(kind, namespace, name)
            if expected_version and expected_version != str(row[0]):
                raise ApiError(Code.ABORTED,
                               f'the object has been modified (resourceVersion {expected_version} is stale, the '
                               f'stored one is {row[0]}); get it again and apply your change to it')
            version = _next_version(db)
            obj["metadata"]["resourceVersion"] = str(version)
            db.execute("UPDATE objects SET resource_version=?, phase=?, labels=?, body=? "
                       "WHERE kind=? AND namespace=? AND name=?",
                       (version, *_columns(obj), kind, namespace, name))
            _index_labels(db, kind, namespace, name, obj["metadata"].get("labels") or {})
        return obj

    async def delete(self, kind: Kind, namespace: str, name: str) -> Object:
        return await self._run(self._delete, kind, namespace, name)

    def _delete(self, kind: Kind, namespace: str, name: str) -> Object:
        with _transaction(self.db) as db:
            row = db.execute("SELECT body FROM objects WHERE kind=? AND namespace=? AND name=?",
                             (kind, namespace, name)).fetchone()
            if row is None:
                raise not_found(kind, namespace, name)
            db.execute("DELETE FROM objects WHERE kind=? AND namespace=? AND name=?", (kind, namespace, name))
            _index_labels(db, kind, namespace, name, {})
            obj: Object = wirejson.loads(row[0])
            obj["metadata"]["resourceVersion"] = str(_next_version(db))
        return obj

    # ------------------------------------------------------------------ reads

    async def get(self, kind: Kind, namespace: str, name: str) -> Object:
        return await self._run(self._get, kind, namespace, name)

    def _get(self, kind: Kind, namespace: str, name: str) -> Object:
        row = self.db.execute("SELECT body FROM objects WHERE kind=? AND namespace=? AND name=?",
                              (kind, namespace, name)).fetchone()
        if row is None:
            raise not_found(kind, namespace, name)
        obj: Object = wirejson.loads(row[0])
        return obj

    async def page(self, kind: Kind, namespace: str, query: ListQuery) -> Page:
        return await self._run(self._list, kind, namespace, query)

    def _list(self, kind: Kind, namespace: str, query: ListQuery) -> Page:
        limit = min(query.limit, self.page_size) if query.limit > 0 else self.page_size
        selector = LabelSelector.parse(query.label_selector)
        sql = ["SELECT namespace, name, labels, body FROM objects WHERE kind=?"]
        args: list[Any] = [kind]
        # Requirements that name values narrow the rows through the labels index; every requirement is then
        # checked on the row's labels (so != and notin, which the index cannot answer, hold as well).
        for requirement in selector.requirements:
            if requirement.op in ("=", "in", "exists"):
                values = sorted(requirement.values)
                value_test = f" AND value IN ({','.join('?' * len(values))})" if requirement.op != "exists" else ""
                sql.append("AND (namespace, name) IN (SELECT namespace, name FROM labels WHERE kind=? "
                           f"AND key=?{value_test})")
                args.extend([kind, requirement.key])
                if requirement.op != "exists":
                    args.extend(values)
        if namespace:
            sql.append("AND namespace=?")
            args.append(namespace)
        if query.name:
            sql.append("AND name=?")
            args.append(query.name)
        if query.name_prefix:
            sql.append("AND substr(name, 1, ?) = ?")
            args.extend([len(query.name_prefix), query.name_prefix])
        if query.phases:
            sql.append(f"AND phase IN ({','.join('?' * len(query.phases))})")
            args.extend(query.phases)
        if query.continue_token:
            after = _decode_continue(query.continue_token)
            sql.append("AND (namespace, name) > (?, ?)")
            args.extend(after)
        sql.append("ORDER BY namespace, name")
        db = self.db
        with _transaction(db):
            version = _current_version(db)
            items: list[Object] = []
            last: tuple[str, str] | None = None
            more = False
            for row_namespace, row_name, labels, body in db.execute(" ".join(sql), args):
                if not selector.matches(json.loads(labels)):
                    continue
                if len(items) == limit:
                    more = True
                    break
                items.append(wirejson.loads(body))
                last = (row_namespace, row_name)
        token = _encode_continue(last) if more and last is not None else None
        return Page(items, token, str(version))

    async def unfinished_workflows(self) -> list[Object]:
        """Workflows a crash left Pending or Running."""
        return await self._run(self._unfinished)

    def _unfinished(self) -> list[Object]:
        rows = self.db.execute("SELECT body FROM objects WHERE kind='Workflow' AND phase IN ('', 'Pending', 'Running')")
        return [wirejson.loads(body) for (body,) in rows]

    async def version(self) -> str:
        return str(await self._run(lambda: _current_version(self.db)))


def not_found(kind: str, namespace: str, name: str) -> ApiError:
    return ApiError(Code.NOT_FOUND, f'{kind.lower()}s.argoproj.io "{name}" not found in namespace "{namespace}"')


def _key(obj: Object) -> tuple[str, str]:
    md = obj["metadata"]
    return str(md["namespace"]), str(md["name"])


def _columns(obj: Object) -> tuple[str, str, str]:
    status = obj.get("status")
    phase = status.get("phase") if isinstance(status, dict) else None
    labels = obj["metadata"].get("labels") or {}
    return (phase if isinstance(phase, str) else "", json.dumps(labels, sort_keys=True),
            wirejson.dumps(obj).decode("utf-8", "surrogatepass"))


def _index_labels(db: sqlite3.Connection, kind: str, namespace: str, name: str, labels: Any) -> None:
    db.execute("DELETE FROM labels WHERE kind=? AND namespace=? AND name=?", (kind, namespace, name))
    if isinstance(labels, dict):
        db.executemany("INSERT INTO labels (kind, namespace, name, key, value) VALUES (?, ?, ?, ?, ?)",
                       [(kind, namespace, name, str(k), str(v)) for k, v in labels.items()])


def _next_version(db: sqlite3.Connection) -> int:
    db.execute("UPDATE counters SET value = value + 1 WHERE name='resourceVersion'")
    return _current_version(db)


def _current_version(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM counters WHERE name='resourceVersion'").fetchone()
    return int(row[0])


class _transaction:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on an exception) on a connection in autocommit mode."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def _encode_continue(after: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(after)).encode()).decode().rstrip("=")


def _decode_continue(token: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        namespace, name = json.loads(raw)
        if isinstance(namespace, str) and isinstance(name, str):
            return namespace, name
    except (ValueError, TypeError):
        pass
    raise ApiError(Code.INVALID_ARGUMENT, "listOptions.continue is not a token this server gave out")
