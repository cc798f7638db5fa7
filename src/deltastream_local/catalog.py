"""The local server's catalog: the organization, and each family's SQLite tables and system tables as views over
them (in its module, ``families/``).

System-table SELECTs are answered by SQLite itself: the parsed SELECT is rebuilt over the view
with every value bound as a parameter, so WHERE / ORDER BY / LIMIT behave as a real SQL engine's.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import families

_SCHEMA = """
CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
"""

TS = "TIMESTAMP_LTZ"


def timestamp(moment: float) -> str:
    """DeltaStream's TIMESTAMP_LTZ form: ``YYYY-MM-DD HH:MM:SS.ffffffZ``."""
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%fZ")


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    created_at: str


class Catalog:
    """All catalog state, behind one lock: statements run one at a time, each in a transaction."""

    def __init__(self, path: str | None, organization_name: str = "local") -> None:
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._db.execute("PRAGMA foreign_keys = ON")
        if path:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        joined = families.joined()
        self._db.executescript(_SCHEMA + joined.schema)
        #: Each system table's columns in ``SELECT *`` order with their declared types (the families').
        self.system_tables = joined.system_tables
        self._settle = joined.settle
        row = self._db.execute("SELECT id, name, created_at FROM organizations").fetchone()
        if row is None:
            import time
            row = (str(uuid.uuid4()), organization_name, timestamp(time.time()))
            self._db.execute("INSERT INTO organizations VALUES (?, ?, ?)", row)
        self.organization = Organization(*row)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def settle(self, db: sqlite3.Connection, now: float) -> None:
        """Apply every state transition whose time has come (the state machines are clock-driven; each family
        declares its own)."""
        stamp = timestamp(now)
        for sql in self._settle:
            db.execute(sql, {"now": now, "stamp": stamp})

    def rows(self, db: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[list[Any]]:
        return [list(r) for r in db.execute(sql, params).fetchall()]

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_column(name: str) -> str:
    return _q(name)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
