"""Function sources and descriptor sources: files DeltaStream keeps by name (a function source's jar, a descriptor
source's compiled protobuf descriptors), sent as attachments and downloaded again from
``GET /v2/download/{resourceType}/{organizationID}/{resourceName}``."""

from __future__ import annotations

import sqlite3
from typing import Any

from . import statements as s
from .catalog import timestamp
from .results import VARCHAR, Outcome, SessionState, SqlFailure

TABLES = ("""CREATE TABLE IF NOT EXISTS file_sources (
    kind TEXT NOT NULL, name TEXT NOT NULL, file_name TEXT NOT NULL, content BLOB NOT NULL, description TEXT,
    language TEXT, state TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, name))""",)

KINDS = ("function_source", "descriptor_source")
#: Not found and duplicate, as the clients declare them (the descriptor source has no duplicate code of its own).
MISSING = {"function_source": "3D018", "descriptor_source": "3D011"}
DUPLICATE = {"function_source": "42P016", "descriptor_source": "42710"}
PARAMETERS = {"function_source": {"file", "description", "language"}, "descriptor_source": {"file", "description"}}
TS = "TIMESTAMP_LTZ"


def _label(kind: str) -> str:
    return kind.replace("_", " ")


class FileSources:
    """Statement handlers for function and descriptor sources (mixed into the engine)."""

    def _create_file_source(self, db: sqlite3.Connection, st: s.CreateFileSource, session: SessionState,
                            **kw: Any) -> Outcome:
        if db.execute("SELECT 1 FROM file_sources WHERE kind = ? AND name = ?", (st.kind, st.name)).fetchone():
            raise SqlFailure(DUPLICATE[st.kind], f"{_label(st.kind)} {st.name!r} already exists")
        unknown = sorted(set(st.properties) - PARAMETERS[st.kind])
        if unknown:
            raise SqlFailure("3D008", f"parameter {unknown[0]!r} is not a parameter of a {_label(st.kind)}")
        file_name = st.properties.get("file")
        if not isinstance(file_name, str) or not file_name:
            raise SqlFailure("3D021", f"missing parameter 'file' for a {_label(st.kind)}")
        attachments: dict[str, bytes] = kw["attachments"]
        if file_name not in attachments:
            raise SqlFailure("3D008", f"parameter 'file' names attachment {file_name!r}, which was not sent")
        language = st.properties.get("language", "java" if st.kind == "function_source" else None)
        description = st.properties.get("description")
        stamp = timestamp(kw["now"])
        db.execute("INSERT INTO file_sources VALUES (?, ?, ?, ?, ?, ?, 'ready', ?, ?, ?)",
                   (st.kind, st.name, file_name, attachments[file_name],
                    description if isinstance(description, str) else None,
                    str(language).lower() if language is not None else None, session.owner, stamp, stamp))
        return Outcome([], [], session)

    def _drop_file_source(self, db: sqlite3.Connection, st: s.DropFileSource, session: SessionState,
                          **kw: Any) -> Outcome:
        if db.execute("DELETE FROM file_sources WHERE kind = ? AND name = ?", (st.kind, st.name)).rowcount == 0:
            raise SqlFailure(MISSING[st.kind], f"{_label(st.kind)} {st.name!r} does not exist")
        return Outcome([], [], session)

    def _list_file_sources(self, db: sqlite3.Connection, kind: str, session: SessionState) -> Outcome:
        """``LIST FUNCTION_SOURCES`` / ``LIST DESCRIPTOR_SOURCES``: the SDK's fields (Name, Language or Type,
        Description, Url, State, Owner, CreatedAt, UpdatedAt); dbt reads the name from the first column."""
        rows = db.execute("SELECT name, language, description, state, owner, created_at, updated_at "
                          "FROM file_sources WHERE kind = ? ORDER BY name", (kind,)).fetchall()
        second = ("Language", VARCHAR) if kind == "function_source" else ("Type", VARCHAR)
        columns = [("Name", VARCHAR), second, ("Description", VARCHAR), ("Url", VARCHAR), ("State", VARCHAR),
                   ("Owner", VARCHAR), ("CreatedAt", TS), ("UpdatedAt", TS)]
        return Outcome(columns, [[r[0], r[1] if kind == "function_source" else "protobuf", r[2], None, *r[3:]]
                                 for r in rows], session)

    def download(self, db: sqlite3.Connection, kind: str, name: str) -> tuple[str, bytes] | None:
        """A source's file name and bytes, or None when there is no such source."""
        row = db.execute("SELECT file_name, content FROM file_sources WHERE kind = ? AND name = ?",
                         (kind, name)).fetchone()
        return (row[0], bytes(row[1])) if row else None
