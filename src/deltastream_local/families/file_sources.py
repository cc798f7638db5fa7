"""Function sources and descriptor sources: files DeltaStream keeps by name (a function source's jar, a descriptor
source's compiled protobuf descriptors), sent as attachments and downloaded again from
``GET /v2/download/{resourceType}/{organizationID}/{resourceName}`` (:func:`download`).

A source is ``ready`` at once unless the ``source_ready_s`` knob holds it ``uploading`` first; one whose name matches
``errored_sources`` ends up ``error``. Function sources are the system table ``function_sources`` (its documented
columns); no system table of descriptor sources is documented, so they are only listed."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ..catalog import TS, timestamp
from ..results import BOOLEAN, VARCHAR, Outcome, SqlFailure
from ..statements import ListObjects, PropertyValue
from . import Call, Family

GRAMMAR = """
file_sources_create_function: CREATE FUNCTION_SOURCE ident with_clause
file_sources_create_descriptor: CREATE DESCRIPTOR_SOURCE ident with_clause
file_sources_drop_function: DROP FUNCTION_SOURCE ident
file_sources_drop_descriptor: DROP DESCRIPTOR_SOURCE ident
FUNCTION_SOURCE: "FUNCTION_SOURCE"i
DESCRIPTOR_SOURCE: "DESCRIPTOR_SOURCE"i
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS file_sources (
    kind TEXT NOT NULL, name TEXT NOT NULL, file_name TEXT NOT NULL, content BLOB NOT NULL, description TEXT,
    language TEXT, state TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    next_status TEXT, transition_at REAL, PRIMARY KEY (kind, name));
CREATE TEMP VIEW sys_function_sources AS
    SELECT name, language, state AS status, description,
           '/v2/download/function_source/' || (SELECT id FROM organizations) || '/' || name AS download_url,
           owner, owner AS created_by_role, 0 AS created_by_role_deleted, owner AS created_by, created_at,
           owner AS updated_by_role, 0 AS updated_by_role_deleted, owner AS updated_by, updated_at,
           (SELECT id FROM organizations) AS organization_id
    FROM file_sources WHERE kind = 'function_source';
"""

#: ``deltastream.sys."function_sources"`` as documented (the columns after ``created_at`` as the other tables of the
#: same page template have them: the excerpt read stops there).
SYSTEM_TABLE = [("name", VARCHAR), ("language", VARCHAR), ("status", VARCHAR), ("description", VARCHAR),
                ("download_url", VARCHAR), ("owner", VARCHAR), ("created_by_role", VARCHAR),
                ("created_by_role_deleted", BOOLEAN), ("created_by", VARCHAR), ("created_at", TS),
                ("updated_by_role", VARCHAR), ("updated_by_role_deleted", BOOLEAN), ("updated_by", VARCHAR),
                ("updated_at", TS), ("organization_id", VARCHAR)]

KINDS = ("function_source", "descriptor_source")
#: Not found and duplicate, as the clients declare them (the descriptor source has no duplicate code of its own).
MISSING = {"function_source": "3D018", "descriptor_source": "3D011"}
DUPLICATE = {"function_source": "42P016", "descriptor_source": "42710"}
PARAMETERS = {"function_source": {"file", "description", "language"}, "descriptor_source": {"file", "description"}}


@dataclass(frozen=True)
class CreateFileSource:
    """``CREATE FUNCTION_SOURCE|DESCRIPTOR_SOURCE n WITH ('file' = '<attachment>', ...)``."""

    kind: str  # function_source | descriptor_source
    name: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class DropFileSource:
    kind: str
    name: str


def _label(kind: str) -> str:
    return kind.replace("_", " ")


def create(call: Call, st: CreateFileSource) -> Outcome:
    if call.db.execute("SELECT 1 FROM file_sources WHERE kind = ? AND name = ?", (st.kind, st.name)).fetchone():
        raise SqlFailure(DUPLICATE[st.kind], f"{_label(st.kind)} {st.name!r} already exists")
    unknown = sorted(set(st.properties) - PARAMETERS[st.kind])
    if unknown:
        raise SqlFailure("3D008", f"parameter {unknown[0]!r} is not a parameter of a {_label(st.kind)}")
    file_name = st.properties.get("file")
    if not isinstance(file_name, str) or not file_name:
        raise SqlFailure("3D021", f"missing parameter 'file' for a {_label(st.kind)}")
    if file_name not in call.attachments:
        raise SqlFailure("3D008", f"parameter 'file' names attachment {file_name!r}, which was not sent")
    language = st.properties.get("language", "java" if st.kind == "function_source" else None)
    description = st.properties.get("description")
    stamp = timestamp(call.now)
    pattern, delay = call.knobs.errored_sources, call.knobs.source_ready_s
    final = "error" if pattern and re.search(pattern, st.name) else "ready"
    status, later, at = ("uploading", final, call.now + delay) if delay > 0 else (final, None, None)
    call.db.execute("INSERT INTO file_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (st.kind, st.name, file_name, call.attachments[file_name],
                     description if isinstance(description, str) else None,
                     str(language).lower() if language is not None else None, status, call.session.owner, stamp,
                     stamp, later, at))
    return call.done()


def drop(call: Call, st: DropFileSource) -> Outcome:
    if call.db.execute("DELETE FROM file_sources WHERE kind = ? AND name = ?", (st.kind, st.name)).rowcount == 0:
        raise SqlFailure(MISSING[st.kind], f"{_label(st.kind)} {st.name!r} does not exist")
    return call.done()


def listed(kind: str) -> Callable[[Call, ListObjects], Outcome]:
    """``LIST FUNCTION_SOURCES`` / ``LIST DESCRIPTOR_SOURCES``: the fields DeltaStream's Python SDK reads from each
    (its ``FunctionSource``: Name, Language, Description, Url, State; its ``DescriptorSource``: Name, Type, Url, Tags;
    both: Owner, CreatedAt, UpdatedAt); dbt reads the name from the first column."""
    def lister(call: Call, _: ListObjects) -> Outcome:
        rows = call.db.execute("SELECT name, language, description, state, owner, created_at, updated_at "
                               "FROM file_sources WHERE kind = ? ORDER BY name", (kind,)).fetchall()
        stamps = [("Owner", VARCHAR), ("CreatedAt", TS), ("UpdatedAt", TS)]
        if kind == "function_source":
            return call.done([("Name", VARCHAR), ("Language", VARCHAR), ("Description", VARCHAR), ("Url", VARCHAR),
                              ("State", VARCHAR), *stamps],
                             [[r[0], r[1], r[2], None, r[3], *r[4:]] for r in rows])
        return call.done([("Name", VARCHAR), ("Type", VARCHAR), ("Url", VARCHAR), ("Tags", VARCHAR), *stamps],
                         [[r[0], "protobuf", None, None, *r[4:]] for r in rows])
    return lister


def download(db: sqlite3.Connection, kind: str, name: str) -> tuple[str, bytes] | None:
    """A source's file name and bytes, or None when there is no such source."""
    row = db.execute("SELECT file_name, content FROM file_sources WHERE kind = ? AND name = ?", (kind, name)).fetchone()
    return (row[0], bytes(row[1])) if row else None


FAMILY = Family(
    grammar=GRAMMAR,
    statements={
        "file_sources_create_function": lambda name, props: CreateFileSource("function_source", name, props),
        "file_sources_create_descriptor": lambda name, props: CreateFileSource("descriptor_source", name, props),
        "file_sources_drop_function": lambda name: DropFileSource("function_source", name),
        "file_sources_drop_descriptor": lambda name: DropFileSource("descriptor_source", name)},
    handlers={CreateFileSource: create, DropFileSource: drop},
    lists={"FUNCTION_SOURCES": listed("function_source"), "DESCRIPTOR_SOURCES": listed("descriptor_source")},
    schema=SCHEMA,
    system_tables={"function_sources": SYSTEM_TABLE},
    settle=("UPDATE file_sources SET state = next_status, updated_at = :stamp, next_status = NULL, "
            "transition_at = NULL WHERE next_status IS NOT NULL AND transition_at <= :now",),
    choices={"Function and descriptor sources": (
        "`CREATE FUNCTION_SOURCE \\| DESCRIPTOR_SOURCE n WITH ('file' = '<attachment name>' [, 'description' ="
        " '..'] [, 'language' = '..' (function sources)])`: the file is the request's attachment of that name"
        ' (deltastreaminc/deltastream-connector-python `src/deltastream/api/conn.py` `exec_with_files`; '
        'deltastreaminc/dbt-deltastream `impl.py` `_create_source_with_file`). The Python SDK sends `CREATE '
        'FUNCTION_SOURCE n FROM <path>` instead (deltastreaminc/deltastream-sdk-python '
        "`src/deltastream_sdk/resources/function_sources.py`), which no other client or DeltaStream's "
        "statement list has: `42601`. No `'file'` `3D021`, an attachment not sent or another parameter "
        '`3D008`, duplicate `42P016` (descriptor source `42710`: no code of its own), missing on DROP `3D018`'
        ' / `3D011`. A function source functions were created from may be dropped (liberal: whether DeltaStream '
        'refuses it, or what becomes of the functions, is not shown). The file\'s content is not checked (a jar '
        'or a descriptor set is taken as it comes). Status: '
        '`ready` at once, or `uploading` for `source_ready_s` seconds first (the documented values are `ready` and '
        '`error`; the one before is shown nowhere, and dbt retries a function whose source is "not ready"); a source '
        'whose name matches `errored_sources` ends `error`. `deltastream.sys."function_sources"` has the documented '
        'columns (`download_url` is the path of the download route; the columns after `updated_by_role`, which the '
        'page read does not show, as the other tables of its template have them); no system table of descriptor '
        'sources is documented, so there is none. `LIST FUNCTION_SOURCES`: `Name, Language, Description, Url, '
        'State, Owner, CreatedAt, UpdatedAt`; `LIST DESCRIPTOR_SOURCES`: `Name, Type` (`protobuf`), `Url, Tags, '
        'Owner, CreatedAt, UpdatedAt` (no description or state: the SDK reads none): the fields the SDK reads '
        '(`models/function_sources.py`, `models/descriptor_sources.py`; order unknown; dbt reads the first column); '
        '`Url` and `Tags` are null')},
)
