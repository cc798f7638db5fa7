"""The schema registry the local server serves itself: Confluent's REST API as a producer (or a test) uses it to
register and read subjects (:func:`routes`, under :data:`PATH`), and the subjects it keeps. Every SCHEMA_REGISTRY of
the local server resolves its subjects here, whatever its ``uris`` say (``schema_sources`` reads them when a
relation takes its columns from an avro value format)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from aiohttp import web

#: The path the local server serves the schema registry API under: ``<server>/schema-registry/subjects/...``.
PATH = "/schema-registry"
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"

SCHEMA = """
CREATE TABLE IF NOT EXISTS registry_subjects (
    subject TEXT NOT NULL, version INTEGER NOT NULL, id INTEGER NOT NULL, schema TEXT NOT NULL,
    PRIMARY KEY (subject, version));
"""


def latest(db: sqlite3.Connection, subject: str) -> tuple[int, int, str] | None:
    """(version, id, schema) of a subject's newest version, or None when there is no such subject."""
    row = db.execute("SELECT version, id, schema FROM registry_subjects WHERE subject = ? ORDER BY version DESC "
                     "LIMIT 1", (subject,)).fetchone()
    return None if row is None else (int(row[0]), int(row[1]), str(row[2]))


def register(db: sqlite3.Connection, subject: str, schema: str) -> int:
    """Register ``schema`` under ``subject`` and give its id: a schema the subject already has keeps its version
    and id, as Confluent's registry does; the same schema under another subject shares its id. Any JSON is kept (a
    key's ``"string"`` too): whether DeltaStream can type it is asked when a relation is created from it. Raises
    ValueError for a schema that is not JSON."""
    try:
        text = json.dumps(json.loads(schema), sort_keys=True)
    except ValueError as exc:
        raise ValueError(f"the schema is not JSON: {exc}") from None
    row = db.execute("SELECT id FROM registry_subjects WHERE subject = ? AND schema = ?", (subject, text)).fetchone()
    if row is not None:
        return int(row[0])
    same = db.execute("SELECT id FROM registry_subjects WHERE schema = ?", (text,)).fetchone()
    schema_id = int(same[0]) if same else int(db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM registry_subjects")
                                               .fetchone()[0])
    version = int(db.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM registry_subjects WHERE subject = ?",
                             (subject,)).fetchone()[0])
    db.execute("INSERT INTO registry_subjects VALUES (?, ?, ?, ?)", (subject, version, schema_id, text))
    return schema_id


def routes(transaction: Callable[[], Any]) -> list[web.RouteDef]:
    """``POST /subjects/{subject}/versions`` ({"schema": "<avro json>"} -> {"id"}), ``GET
    /subjects/{subject}/versions/latest`` ({"subject", "version", "id", "schema"}), ``GET /subjects`` and ``GET
    /subjects/{subject}/versions``, under :data:`PATH`; errors are ``{"error_code", "message"}`` as Confluent's."""
    def answer(body: Any, status: int = 200) -> web.Response:
        return web.Response(text=json.dumps(body), status=status, content_type=CONTENT_TYPE)

    def missing(subject: str) -> web.Response:
        return answer({"error_code": 40401, "message": f"Subject '{subject}' not found."}, 404)

    async def post_version(request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        try:
            body = json.loads(await request.text())
        except ValueError:
            return answer({"error_code": 50005, "message": "the body is not JSON"}, 400)
        if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
            return answer({"error_code": 42201, "message": "Invalid schema: the body needs a 'schema' string"}, 422)
        if body.get("schemaType", "AVRO") != "AVRO":
            return answer({"error_code": 42201, "message": "Invalid schema: only AVRO schemas are served"}, 422)
        try:
            with transaction() as db:
                return answer({"id": register(db, subject, body["schema"])})
        except ValueError as exc:
            return answer({"error_code": 42201, "message": f"Invalid schema: {exc}"}, 422)

    async def get_latest(request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        with transaction() as db:
            found = latest(db, subject)
        if found is None:
            return missing(subject)
        version, schema_id, schema = found
        return answer({"subject": subject, "version": version, "id": schema_id, "schema": schema})

    async def get_versions(request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        with transaction() as db:
            versions = [r[0] for r in db.execute("SELECT version FROM registry_subjects WHERE subject = ? "
                                                 "ORDER BY version", (subject,))]
        return answer(versions) if versions else missing(subject)

    async def get_subjects(request: web.Request) -> web.Response:
        with transaction() as db:
            return answer([r[0] for r in db.execute("SELECT DISTINCT subject FROM registry_subjects ORDER BY 1")])

    return [web.post(f"{PATH}/subjects/{{subject}}/versions", post_version),
            web.get(f"{PATH}/subjects/{{subject}}/versions/latest", get_latest),
            web.get(f"{PATH}/subjects/{{subject}}/versions", get_versions),
            web.get(f"{PATH}/subjects", get_subjects)]
