"""Executes parsed statements against the catalog with DeltaStream's semantics and SQLSTATEs."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from . import dataflow, dsql, families, kafka_keys
from . import statements as s
from .catalog import Catalog, dumps, quote_column, timestamp
from .contract import register
from .entities import TABLES as ENTITY_TABLES
from .entities import Entities
from .knobs import Knobs
from .postgres_check import check_postgres
from .property_values import (
    MASK,
    STORE_REGISTRY_KEYS,
    check_group,
    is_credential,
    public,
    refuse_nulls,
    same_type,
    store_registry,
    word,
)
from .relation_rules import VIRTUAL_DATABASE, RelationRules
from .results import BOOLEAN, VARCHAR, Outcome, SessionState, SqlFailure, encode

ARTIFACT_COLUMNS = [("type", VARCHAR), ("name", VARCHAR), ("command", VARCHAR), ("summary", VARCHAR),
                    ("path", VARCHAR)]
STORE_TYPES = {"KAFKA": "Kafka", "CONFLUENT_KAFKA": "ConfluentKafka", "KINESIS": "Kinesis",
               "SNOWFLAKE": "Snowflake", "POSTGRESQL": "Postgres"}
SASL_MODES = {"NONE", "PLAIN", "SHA256", "SHA512", "AWS_MSK_IAM"}
CONFLUENT_SASL_MODES = {"PLAIN", "SHA256", "SHA512"}
#: Parameters UPDATE STORE takes only together (DeltaStream validates each group as a whole).
CREDENTIAL_GROUPS = (("kafka.sasl.username", "kafka.sasl.password"),
                     ("kafka.msk.iam_role_arn", "kafka.msk.aws_region"),
                     ("postgres.username", "postgres.password"),
                     ("kinesis.access_key_id", "kinesis.secret_access_key"))
#: What a Kinesis store is reached as, either of: Terraform sends the AWS account id, DeltaStream's Python SDK an IAM
#: role (each with or without an access key pair).
KINESIS_IDENTITIES = ("kinesis.account.id", "kinesis.iam_role_arn")


class Engine(Entities, RelationRules):
    def __init__(self, catalog: Catalog, knobs: Knobs, clock: Callable[[], float] = time.time) -> None:
        self.catalog = catalog
        self.knobs = knobs
        self.clock = clock
        self.org = catalog.organization
        # A store's credentials as sent, by store name, for re-checking it on UPDATE STORE; the catalog keeps
        # only the fact that one was set. In memory only, so a restarted server re-checks with what it is sent.
        self._credentials: dict[str, dict[str, Any]] = {}
        with catalog.transaction() as db:  # the tables of the mixins (records, files), beside the catalog's own
            for table in ENTITY_TABLES:
                db.execute(table)
        self._handlers: dict[type, Callable[..., Outcome]] = {
            s.CreateDatabase: self._create_database, s.DropDatabase: self._drop_database,
            s.CreateSchema: self._create_schema, s.DropSchema: self._drop_schema,
            s.CreateStore: self._create_store, s.UpdateStore: self._update_store, s.DropStore: self._drop_store,
            s.DescribeStore: self._describe_store,
            s.CreateRelation: self._create_relation, s.CreateRelationAs: self._create_relation_as,
            s.InsertInto: self._insert_into, s.BeginApplication: self._begin_application,
            s.DescribePlan: self._describe_plan, s.DropRelation: self._drop_relation,
            s.AlterRelationOwner: self._alter_relation_owner, s.DescribeRelation: self._describe_relation,
            s.DescribeRelationColumns: self._describe_relation_columns,
            s.TerminateQuery: self._terminate_query, s.RestartQuery: self._restart_query,
            s.DescribeQuery: self._describe_query, s.AlterQueryOwner: self._alter_query_owner,
            s.CreateEntity: self._create_entity, s.UpdateEntity: self._update_entity, s.DropEntity: self._drop_entity,
            s.DescribeEntity: self._describe_entity, s.ListEntities: self._list_entities,
            s.InsertIntoEntity: self._insert_into_entity, s.PrintEntity: self._print_entity,
            s.AlterRelationSet: self._alter_relation_set,
            s.ListObjects: self._list_objects, s.Show: self._show, s.Use: self._use, s.CanI: self._can_i,
            s.Select: self._select_any, s.QuerySelect: self._query_select,
        }
        joined = families.joined()
        self._handlers.update({kind: self._family_handler(handle) for kind, handle in joined.handlers.items()})
        self._lists = joined.lists

    def _family_handler(self, handle: families.Handler) -> Callable[..., Outcome]:
        """A family's handler (``families/``) as the dispatch table calls handlers."""
        def run(db: sqlite3.Connection, st: object, session: SessionState, **kw: Any) -> Outcome:
            return handle(self._call(db, session, kw), st)
        return run

    def _call(self, db: sqlite3.Connection, session: SessionState, kw: dict[str, Any]) -> families.Call:
        return families.Call(db, session, kw["now"], self.knobs, kw["attachments"])

    async def run(self, parsed: s.Parsed, session: SessionState, attachments: dict[str, bytes]) -> Outcome:
        rule = self.knobs.failure_for(parsed.text)
        if rule is not None:
            raise SqlFailure(rule.code, rule.message)
        statement = parsed.statement
        check = await self._store_check(statement)
        with self.catalog.transaction() as db:
            now = self.clock()
            self.catalog.settle(db, now)
            handler = self._handlers[type(statement)]
            result: Outcome = handler(db, statement, session, attachments=attachments, now=now, check=check)
            self._remember_credentials(statement)
        result.rows = [[encode(t, v) for (_, t), v in zip(result.columns, row, strict=False)] for row in result.rows]
        return result

    async def _store_check(self, statement: object) -> str | None:
        """Connect to a Postgres store's server before the catalog changes (it can take seconds)."""
        if not isinstance(statement, (s.CreateStore, s.UpdateStore)) or not self.knobs.postgres_check:
            return None
        props = statement.properties
        if isinstance(statement, s.UpdateStore):
            kept = self._credentials.get(statement.name, {})
            props = {**self._store_properties_for_check(statement.name), **kept, **props}
            if MASK in props.values():  # a credential this server was not sent since it started
                return None
        uris, user, password = props.get("uris"), props.get("postgres.username"), props.get("postgres.password")
        if word(props.get("type")) != "POSTGRESQL" or not all(isinstance(v, str) for v in (uris, user, password)):
            return None
        return await asyncio.to_thread(check_postgres, str(uris).split(",")[0], str(user), str(password))

    def _remember_credentials(self, statement: object) -> None:
        if isinstance(statement, (s.CreateStore, s.UpdateStore)):
            sent = {k: v for k, v in statement.properties.items() if is_credential(k)}
            kept = {} if isinstance(statement, s.CreateStore) else self._credentials.get(statement.name, {})
            self._credentials[statement.name] = {**kept, **sent}
        elif isinstance(statement, s.DropStore):
            self._credentials.pop(statement.name, None)

    def _check_update(self, props: dict[str, Any]) -> None:
        """What DeltaStream refuses in UPDATE STORE: bare NULLs, partial credential groups, a quoted mode."""
        refuse_nulls(props)
        mode = props.get("kafka.sasl.hash_function")
        if isinstance(mode, str):
            raise SqlFailure("3D008", f"'kafka.sasl.hash_function' takes a bare word (e.g. SHA512), not the string "
                                      f"{mode!r}")
        for group in CREDENTIAL_GROUPS:
            check_group(group, props, False, "UPDATE STORE")
        if any(k in props for k in CREDENTIAL_GROUPS[0]) and "kafka.sasl.hash_function" not in props:
            raise SqlFailure("3D021", "missing parameter 'kafka.sasl.hash_function': SASL credentials are updated "
                                      "together with the mechanism")

    def _store_properties_for_check(self, name: str) -> dict[str, Any]:
        with self.catalog.transaction() as db:
            row = db.execute("SELECT properties FROM stores WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else {}

    # --- helpers ------------------------------------------------------------------------------

    def _require_database(self, db: sqlite3.Connection, name: str) -> None:
        if db.execute("SELECT 1 FROM databases WHERE name = ?", (name,)).fetchone() is None:
            raise SqlFailure("3D002", f"database {name!r} does not exist")

    def _require_schema(self, db: sqlite3.Connection, database: str, name: str) -> None:
        self._require_database(db, database)
        found = db.execute("SELECT 1 FROM schemas WHERE database_name = ? AND name = ?", (database, name)).fetchone()
        if found is None:
            raise SqlFailure("3D003", f"schema {database}.{name} does not exist")

    def _schema_of(self, name: s.Name, session: SessionState) -> tuple[str, str]:
        parts = name.parts
        if len(parts) == 2:
            return parts[0], parts[1]
        if len(parts) == 1:
            if not session.database:
                raise SqlFailure("3D002", "no database is selected: qualify the name or set the session database")
            return session.database, parts[0]
        raise SqlFailure("42601", f"{name} is not a schema name")

    def _relation_of(self, name: s.Name, session: SessionState) -> tuple[str, str, str]:
        parts = name.parts
        if len(parts) == 3:
            return parts[0], parts[1], parts[2]
        if len(parts) == 2:
            if not session.database:
                raise SqlFailure("3D002", f"no database is selected for relation {name}")
            return session.database, parts[0], parts[1]
        if len(parts) == 1:
            if not session.database:
                raise SqlFailure("3D002", f"no database is selected for relation {name}")
            return session.database, session.schema or "public", parts[0]
        raise SqlFailure("42601", f"{name} is not a relation name")

    def _relation_row(self, db: sqlite3.Connection, name: s.Name, session: SessionState) -> sqlite3.Row:
        d, sc, n = self._relation_of(name, session)
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM relations WHERE database_name = ? AND schema_name = ? AND name = ?",
            (d, sc, n)).fetchone()
        if row is None:
            self._require_schema(db, d, sc)
            raise SqlFailure("3D020", f"relation {s.Name((d, sc, n))} does not exist")
        return row

    def _fqn4(self, d: str, sc: str, n: str) -> str:
        return str(s.Name((self.org.id, d, sc, n)))

    def _relation_ref(self, row: sqlite3.Row) -> dict[str, Any]:
        return {"fqn": self._fqn4(row["database_name"], row["schema_name"], row["name"]),
                "type": row["relation_type"], "db_name": row["database_name"], "schema_name": row["schema_name"],
                "name": row["name"], "store_name": row["store_name"]}

    def _query_row(self, db: sqlite3.Connection, query_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute("SELECT * FROM queries WHERE id = ?", (query_id,)).fetchone()
        if row is None:
            raise SqlFailure("3D019", f"query {query_id} does not exist")
        return row

    def _transition(self, now: float, delay: float) -> float:
        return now + max(delay, 0.0)

    # --- databases and schemas ----------------------------------------------------------------

    def _create_database(self, db: sqlite3.Connection, st: s.CreateDatabase, session: SessionState,
                         **kw: Any) -> Outcome:
        if db.execute("SELECT 1 FROM databases WHERE name = ?", (st.name,)).fetchone():
            raise SqlFailure("42P04", f"database {st.name!r} already exists")
        stamp = timestamp(kw["now"])
        db.execute("INSERT INTO databases VALUES (?, ?, ?, ?, 0)", (st.name, session.owner, stamp, stamp))
        db.execute("INSERT INTO schemas VALUES (?, 'public', ?, ?, ?)", (st.name, session.owner, stamp, stamp))
        return Outcome([], [], session)

    def _drop_database(self, db: sqlite3.Connection, st: s.DropDatabase, session: SessionState, **kw: Any) -> Outcome:
        self._require_database(db, st.name)
        if db.execute("SELECT 1 FROM relations WHERE database_name = ?", (st.name,)).fetchone():
            raise SqlFailure("2BP01", f"database {st.name!r} still contains relations; drop them first")
        db.execute("DELETE FROM databases WHERE name = ?", (st.name,))
        if session.database == st.name:
            session = replace(session, database=None, schema=None)
        return Outcome([], [], session)

    def _create_schema(self, db: sqlite3.Connection, st: s.CreateSchema, session: SessionState, **kw: Any) -> Outcome:
        if st.database is not None and len(st.name.parts) == 1:
            database, name = st.database, st.name.parts[0]
        else:
            database, name = self._schema_of(st.name, session)
        self._require_database(db, database)
        if db.execute("SELECT 1 FROM schemas WHERE database_name = ? AND name = ?", (database, name)).fetchone():
            raise SqlFailure("42P06", f"schema {database}.{name} already exists")
        stamp = timestamp(kw["now"])
        db.execute("INSERT INTO schemas VALUES (?, ?, ?, ?, ?)", (database, name, session.owner, stamp, stamp))
        return Outcome([], [], session)

    def _drop_schema(self, db: sqlite3.Connection, st: s.DropSchema, session: SessionState, **kw: Any) -> Outcome:
        database, name = self._schema_of(st.name, session)
        self._require_schema(db, database, name)
        if db.execute("SELECT 1 FROM relations WHERE database_name = ? AND schema_name = ?",
                      (database, name)).fetchone():
            raise SqlFailure("2BP01", f"schema {database}.{name} still contains relations; drop them first")
        db.execute("DELETE FROM schemas WHERE database_name = ? AND name = ?", (database, name))
        return Outcome([], [], session)

    # --- stores -------------------------------------------------------------------------------

    def _validate_store(self, db: sqlite3.Connection, props: dict[str, Any], attachments: dict[str, bytes]) -> str:
        kind = word(props.get("type"))
        if not kind:
            raise SqlFailure("3D021", "missing parameter 'type'")

        def need(*keys: str) -> None:
            for key in keys:
                if props.get(key) in (None, ""):
                    raise SqlFailure("3D021", f"missing parameter {key!r} for a {kind} store")

        def attachment(key: str) -> None:
            ref = props.get(key)
            if isinstance(ref, str) and ref not in attachments:
                raise SqlFailure("3D008", f"parameter {key!r} names attachment {ref!r}, which was not sent")

        if kind not in STORE_TYPES:
            raise SqlFailure("3D008", f"invalid value {kind!r} for 'type'; expected one of {', '.join(STORE_TYPES)}")
        if kind == "KAFKA" and kafka_keys.newer_form(props):
            need("uris")
        elif kind in ("KAFKA", "CONFLUENT_KAFKA"):
            need("uris", "kafka.sasl.hash_function")
            mode = word(props["kafka.sasl.hash_function"])
            modes = SASL_MODES if kind == "KAFKA" else CONFLUENT_SASL_MODES
            if mode not in modes:
                raise SqlFailure("3D008", f"invalid value {mode!r} for 'kafka.sasl.hash_function' of a {kind} store; "
                                          f"expected one of {', '.join(sorted(modes))}")
            if mode in ("PLAIN", "SHA256", "SHA512"):
                need("kafka.sasl.username", "kafka.sasl.password")
            if mode == "AWS_MSK_IAM":
                need("kafka.msk.iam_role_arn", "kafka.msk.aws_region")
                if props.get("kafka.sasl.username") or props.get("kafka.sasl.password"):
                    raise SqlFailure("3D008", "username and password cannot be used with AWS_MSK_IAM")
        if kind in ("KAFKA", "CONFLUENT_KAFKA"):
            attachment("tls.ca_cert_file")
            name = store_registry(props)
            if name is not None and db.execute("SELECT 1 FROM schema_registries WHERE name = ?",
                                               (name,)).fetchone() is None:
                raise SqlFailure("3D009", f"schema registry {name!r} does not exist")
        elif kind == "KINESIS":
            need("uris")
            if all(props.get(key) in (None, "") for key in KINESIS_IDENTITIES):
                raise SqlFailure("3D021", "missing parameter 'kinesis.account.id' (or 'kinesis.iam_role_arn') for a "
                                          "KINESIS store")
            check_group(("kinesis.access_key_id", "kinesis.secret_access_key"), props, False, "a KINESIS store")
        elif kind == "POSTGRESQL":
            need("uris", "postgres.username", "postgres.password")
        elif kind == "SNOWFLAKE":
            need("uris", "snowflake.account_id", "snowflake.cloud.region", "snowflake.warehouse_name",
                 "snowflake.role_name", "snowflake.username", "snowflake.client.key_file")
            attachment("snowflake.client.key_file")
        return kind

    def _final_store_status(self, name: str, check: str | None) -> tuple[str, str | None]:
        if check is not None:
            return "errored", check
        if self.knobs.errored_stores and re.search(self.knobs.errored_stores, name):
            return "errored", "injected failure: the store could not be reached"
        return "ready", None

    def _create_store(self, db: sqlite3.Connection, st: s.CreateStore, session: SessionState, **kw: Any) -> Outcome:
        if db.execute("SELECT 1 FROM stores WHERE name = ?", (st.name,)).fetchone():
            raise SqlFailure("42P05", f"store {st.name!r} already exists")
        kind = self._validate_store(db, st.properties, kw["attachments"])
        status, message = self._final_store_status(st.name, kw["check"])
        stamp = timestamp(kw["now"])
        delay = self.knobs.store_ready_s
        db.execute("INSERT INTO stores VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                   (st.name, STORE_TYPES[kind], "creating" if delay else status,
                    None if delay else message, session.owner, stamp, stamp, public(st.properties),
                    status if delay else None, message if delay else None,
                    self._transition(kw["now"], delay) if delay else None))
        return Outcome([], [], session)

    def _update_store(self, db: sqlite3.Connection, st: s.UpdateStore, session: SessionState, **kw: Any) -> Outcome:
        row = db.execute("SELECT * FROM stores WHERE name = ?", (st.name,)).fetchone()
        if row is None:
            raise SqlFailure("3D006", f"store {st.name!r} does not exist")
        current = json.loads(row["properties"])
        same_type(st.properties, current, "store")
        self._check_update(st.properties)
        if any(key in st.properties for key in STORE_REGISTRY_KEYS):  # a registry named anew replaces the old one
            current = {k: v for k, v in current.items() if k not in STORE_REGISTRY_KEYS}
        merged = {**current, **st.properties}
        if word(merged.get("type")) in ("KAFKA", "CONFLUENT_KAFKA", "KINESIS", "POSTGRESQL", "SNOWFLAKE"):
            previous_files = {v: b"" for k, v in current.items() if isinstance(v, str) and k.endswith("_file")}
            self._validate_store(db, merged, previous_files | kw["attachments"])
        status, message = self._final_store_status(st.name, kw["check"])
        delay = self.knobs.store_ready_s
        db.execute("""UPDATE stores SET properties = ?, status = ?, status_message = ?, updated_at = ?,
                      next_status = ?, next_message = ?, transition_at = ? WHERE name = ?""",
                   (public(merged), "updating" if delay else status, None if delay else message,
                    timestamp(kw["now"]), status if delay else None, message if delay else None,
                    self._transition(kw["now"], delay) if delay else None, st.name))
        return Outcome([], [], session)

    def _drop_store(self, db: sqlite3.Connection, st: s.DropStore, session: SessionState, **kw: Any) -> Outcome:
        if db.execute("SELECT 1 FROM stores WHERE name = ?", (st.name,)).fetchone() is None:
            raise SqlFailure("3D006", f"store {st.name!r} does not exist")
        users = db.execute("SELECT COUNT(*) FROM relations WHERE store_name = ?", (st.name,)).fetchone()[0]
        if users:
            raise SqlFailure("2BP01", f"store {st.name!r} is used by {users} relation(s); drop them first")
        if self.knobs.store_drop_s:
            db.execute("""UPDATE stores SET status = 'deleting', updated_at = ?, next_status = 'deleted',
                          transition_at = ? WHERE name = ?""",
                       (timestamp(kw["now"]), self._transition(kw["now"], self.knobs.store_drop_s), st.name))
        else:
            db.execute("DELETE FROM stores WHERE name = ?", (st.name,))
        return Outcome([], [], session)

    def _describe_store(self, db: sqlite3.Connection, st: s.DescribeStore, session: SessionState, **kw: Any) -> Outcome:
        row = db.execute("SELECT * FROM stores WHERE name = ?", (st.name,)).fetchone()
        if row is None:
            raise SqlFailure("3D006", f"store {st.name!r} does not exist")
        props = json.loads(row["properties"])
        details = {k.split(".", 1)[1].replace(".", "_"): v for k, v in props.items()
                   if k.startswith(("snowflake.", "postgres.", "kafka.msk.")) and v != MASK}
        registry = store_registry(props)
        columns = [("Metadata", VARCHAR), ("Uris", VARCHAR), ("Details", VARCHAR), ("TlsEnabled", BOOLEAN),
                   ("VerifyServerHostname", BOOLEAN), ("SchemaRegistry", VARCHAR), ("Path", VARCHAR)]
        tls_off = props.get("tls.disabled") is True
        metadata = {"type": row["type"], "status": row["status"], "properties": props}
        return Outcome(columns, [[dumps(metadata), props.get("uris"), dumps(details), not tls_off,
                                  props.get("tls.verify_server_hostname", True) is not False,
                                  registry, ""]], session)  # Path: Terraform scans it into a string

    # --- relations ----------------------------------------------------------------------------

    def _store_for(self, db: sqlite3.Connection, props: dict[str, Any], session: SessionState) -> str:
        store = props.get("store")
        name = store.name if isinstance(store, s.Identifier) else store if isinstance(store, str) else session.store
        if name is None:
            row = db.execute("SELECT name FROM stores WHERE is_default = 1").fetchone()
            if row is None:
                raise SqlFailure("3D006", "no store is given: set the 'store' property or the session store")
            name = row[0]
        row = db.execute("SELECT status FROM stores WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise SqlFailure("3D006", f"store {name!r} does not exist")
        if row[0] != "ready":
            raise SqlFailure("3E001", f"store {name!r} is not ready (status {row[0]})")
        return name

    def _plan_relation(self, db: sqlite3.Connection, name: s.Name, props: dict[str, Any], session: SessionState,
                       dry_run: bool) -> tuple[str, str, str, str]:
        """Where a new relation goes. DESCRIBE plans without side effects, so it plans an existing one too."""
        d, sc, n = self._relation_of(name, session)
        self._require_schema(db, d, sc)
        if not dry_run and db.execute("SELECT 1 FROM relations WHERE database_name = ? AND schema_name = ? "
                                      "AND name = ?", (d, sc, n)).fetchone():
            raise SqlFailure("42P017", f"relation {s.Name((d, sc, n))} already exists")
        return d, sc, n, self._store_for(db, props, session)

    def _check_columns(self, st: s.CreateRelation) -> None:
        names = [c.name for c in st.columns]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise SqlFailure("42601", f"column {duplicates[0]!r} is defined more than once")
        missing = [k for k in st.primary_key if k not in names]
        if missing:
            raise SqlFailure("42601", f"PRIMARY KEY column {missing[0]!r} is not defined")
        if st.kind == "changelog" and not st.primary_key:
            raise SqlFailure("42601", "a CHANGELOG needs a PRIMARY KEY")

    def _insert_relation(self, db: sqlite3.Connection, kind: str, d: str, sc: str, n: str, store: str,
                         columns: list[s.ColumnSpec], primary_key: tuple[str, ...], props: dict[str, Any],
                         session: SessionState, now: float) -> list[Any]:
        self._ensure_topic(db, kind, store, n, props, now)
        relation_id = str(uuid.uuid4())
        stamp = timestamp(now)
        db.execute("INSERT INTO relations VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'created', ?, ?, ?, ?)",
                   (relation_id, d, sc, n, store, kind, json.dumps(list(primary_key)) if primary_key else None,
                    session.owner, stamp, stamp, public(props)))
        db.executemany("INSERT INTO relation_columns VALUES (?, ?, ?, ?, ?)",
                       [(relation_id, i, c.name, c.type, int(c.nullable)) for i, c in enumerate(columns)])
        label = kind.replace("_", " ").upper()
        return [kind, n, f"CREATE {label}", f"created {label.lower()} {s.Name((d, sc, n))}", json.dumps([d, sc, n])]

    def _create_relation(self, db: sqlite3.Connection, st: s.CreateRelation, session: SessionState, *,
                         dry_run: bool = False, **kw: Any) -> Outcome:
        self._check_columns(st)
        d, sc, n, store = self._plan_relation(db, st.name, st.properties, session, dry_run)
        self._refuse_unsupported(db, st.kind, store, [])
        if dry_run:
            ddl = self._ddl(st.kind, (d, sc, n), store)
            return self._plan(f"CREATE_{st.kind.upper()}", {"ddl": ddl, "sink": None, "sources": []}, session)
        row = self._insert_relation(db, st.kind, d, sc, n, store, list(st.columns), st.primary_key,
                                    st.properties, session, kw["now"])
        return Outcome(ARTIFACT_COLUMNS, [row], session)

    def _create_relation_as(self, db: sqlite3.Connection, st: s.CreateRelationAs, session: SessionState, *,
                            dry_run: bool = False, **kw: Any) -> Outcome:
        sources, columns = self._resolve_query(db, st.query, session)
        d, sc, n, store = self._plan_relation(db, st.name, st.properties, session, dry_run)
        self._refuse_unsupported(db, st.kind, store, sources)
        ddl = self._ddl(st.kind, (d, sc, n), store)
        if dry_run:
            return self._plan(f"CREATE_{st.kind.upper()}_AS_SELECT",
                              {"ddl": ddl, "sink": ddl, "sources": [self._relation_ref(r) for r in sources]}, session)
        relation = self._insert_relation(db, st.kind, d, sc, n, store, columns, (), st.properties, session,
                                         kw["now"])
        _check_query_properties(st.query)
        query = self._launch_query(db, st.text, [[d, sc, n]], sources, session, kw["now"], None)
        return Outcome(ARTIFACT_COLUMNS, [query, relation], session)

    def _insert_into(self, db: sqlite3.Connection, st: s.InsertInto, session: SessionState, *,
                     dry_run: bool = False, **kw: Any) -> Outcome:
        sink = self._relation_row(db, st.sink, session)
        sources, _ = self._resolve_query(db, st.query, session)
        if dry_run:
            return self._plan("INSERT_INTO", {"ddl": None, "sink": self._relation_ref(sink),
                                              "sources": [self._relation_ref(r) for r in sources]}, session)
        _check_query_properties(st.query)
        row = self._launch_query(db, st.text, [_path(sink)], sources, session, kw["now"], None)
        return Outcome(ARTIFACT_COLUMNS, [row], session)

    def _begin_application(self, db: sqlite3.Connection, st: s.BeginApplication, session: SessionState, *,
                           dry_run: bool = False, **kw: Any) -> Outcome:
        """Plan or launch an application: one query for all its statements. A virtual relation is visible only
        to the statements after it; a physical CREATE ... AS SELECT creates its relation when launched."""
        virtual: dict[tuple[str, ...], dsql.SourceInfo] = {}
        ddls: list[dict[str, Any]] = []
        sources: dict[tuple[str, str, str], sqlite3.Row] = {}
        sinks: list[dict[str, Any]] = []
        creates: list[tuple[s.CreateRelationAs, tuple[str, str, str, str], list[s.ColumnSpec]]] = []
        for inner in st.statements:
            columns = self._application_reads(db, inner.query, session, virtual, sources)
            if isinstance(inner, s.CreateRelationAs) and inner.virtual:
                path = self._relation_of(inner.name, session)
                if path[0] != VIRTUAL_DATABASE:
                    raise SqlFailure("42601", f"virtual relation {inner.name} must be named "
                                              f"{VIRTUAL_DATABASE}.<schema>.<name>")
                if path in virtual:
                    raise SqlFailure("42P017", f"virtual relation {s.Name(path)} is defined twice")
                virtual[path] = dsql.SourceInfo(path, inner.kind, tuple(columns))
                ddls.append(self._ddl(inner.kind, path, None, is_virtual=True))
            elif isinstance(inner, s.CreateRelationAs):
                d, sc, n, store = self._plan_relation(db, inner.name, inner.properties, session, dry_run)
                ddls.append(self._ddl(inner.kind, (d, sc, n), store, is_virtual=False))
                sinks.append(self._ddl(inner.kind, (d, sc, n), store))
                creates.append((inner, (d, sc, n, store), columns))
            else:
                if self._relation_of(inner.sink, session) in virtual:
                    raise SqlFailure("42601", f"INSERT INTO virtual relation {inner.sink}: define it with "
                                              "CREATE VIRTUAL ... AS SELECT instead")
                sinks.append(self._relation_ref(self._relation_row(db, inner.sink, session)))
        if not sinks:
            raise SqlFailure("42601", f"application {st.name!r} writes to no relation: add an INSERT INTO or a "
                                      "CREATE ... AS SELECT")
        if dry_run:
            return self._plan("APPLICATION", {"ddls": ddls, "statements": [i.text for i in st.statements],
                                              "sources": [self._relation_ref(r) for r in sources.values()],
                                              "sinks": sinks}, session)
        for create, (d, sc, n, store), columns in creates:
            self._insert_relation(db, create.kind, d, sc, n, store, columns, (), create.properties, session,
                                  kw["now"])
        sink_paths = [[k["db_name"], k["schema_name"], k["name"]] for k in sinks]
        row = self._launch_query(db, st.text, sink_paths, list(sources.values()), session, kw["now"], st.name)
        return Outcome(ARTIFACT_COLUMNS, [row], session)

    def _application_reads(self, db: sqlite3.Connection, query: s.QueryBody, session: SessionState,
                           virtual: dict[tuple[str, ...], dsql.SourceInfo],
                           sources: dict[tuple[str, str, str], sqlite3.Row]) -> list[s.ColumnSpec]:
        """Record the physical relations a statement reads (checked by ``dsql``); the columns it writes."""
        rows, columns = self._resolve_query(db, query, session, virtual)
        for row in rows:
            sources.setdefault((row["database_name"], row["schema_name"], row["name"]), row)
        return columns

    def _ddl(self, kind: str, path: tuple[str, str, str], store: str | None,
             is_virtual: bool | None = None) -> dict[str, Any]:
        """A plan's description of a relation to create (``is_virtual`` only in application plans)."""
        d, sc, n = path
        ddl: dict[str, Any] = {"fqn": self._fqn4(d, sc, n), "type": kind, "db_name": d, "schema_name": sc, "name": n,
               "store_name": store}
        return ddl if is_virtual is None else {**ddl, "is_virtual": is_virtual}

    def _columns_of(self, db: sqlite3.Connection, relation_id: str) -> list[s.ColumnSpec]:
        rows = db.execute("SELECT name, type, nullable FROM relation_columns WHERE relation_id = ? ORDER BY ordinal",
                          (relation_id,)).fetchall()
        return [s.ColumnSpec(r[0], r[1], bool(r[2])) for r in rows]

    def _launch_query(self, db: sqlite3.Connection, sql: str, sinks: list[list[str]], sources: list[sqlite3.Row],
                      session: SessionState, now: float, name: str | None) -> list[Any]:
        """Start a query; a named one gets the next version of that name (name:version)."""
        query_id = str(uuid.uuid4())
        version = None
        if name is not None:
            version = 1 + (db.execute("SELECT COALESCE(MAX(version), 0) FROM queries WHERE name = ?",
                                      (name,)).fetchone()[0])
        stamp = timestamp(now)
        final, error = "running", None
        if self.knobs.errored_queries and re.search(self.knobs.errored_queries, sql, re.IGNORECASE | re.DOTALL):
            final, error = "errored", "injected failure: the query could not start"
        delay = self.knobs.query_running_s
        source_paths = [[r["database_name"], r["schema_name"], r["name"]] for r in sources]
        db.execute("INSERT INTO queries VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (query_id, name, version, "starting" if delay else final, sql, session.owner, stamp, stamp,
                    json.dumps(sinks), json.dumps(source_paths), None if delay else error,
                    final if delay else None, error if delay else None,
                    self._transition(now, delay) if delay else None))
        if final == "running":
            dataflow.query_started(db, query_id, now)
        return ["query", query_id, "QUERY", f"query {query_id} launched", "[]"]

    def _plan(self, kind: str, plan: dict[str, Any], session: SessionState) -> Outcome:
        return Outcome([("type", VARCHAR), ("info", VARCHAR)], [[kind, dumps(plan)]], session)

    def _describe_plan(self, db: sqlite3.Connection, st: s.DescribePlan, session: SessionState, **kw: Any) -> Outcome:
        inner = st.statement
        return self._handlers[type(inner)](db, inner, session, dry_run=True, **kw)

    def _drop_relation(self, db: sqlite3.Connection, st: s.DropRelation, session: SessionState, **kw: Any) -> Outcome:
        row = self._relation_row(db, st.name, session)
        path = [row["database_name"], row["schema_name"], row["name"]]
        for query in db.execute("SELECT id, sink, sources FROM queries WHERE current_state NOT IN ('terminated')"):
            if path in _sinks(query["sink"]) or path in json.loads(query["sources"]):
                raise SqlFailure("2BP01", f"relation {s.Name(tuple(path))} is used by running queries "
                                          f"(query {query['id']}); terminate them first")
        db.execute("DELETE FROM relations WHERE id = ?", (row["id"],))
        return Outcome([], [], session)

    def _alter_relation_owner(self, db: sqlite3.Connection, st: s.AlterRelationOwner, session: SessionState,
                              **kw: Any) -> Outcome:
        row = self._relation_row(db, st.name, session)
        db.execute("UPDATE relations SET owner = ?, updated_at = ? WHERE id = ?",
                   (st.owner, timestamp(kw["now"]), row["id"]))
        return Outcome([], [], session)

    def _describe_relation(self, db: sqlite3.Connection, st: s.DescribeRelation, session: SessionState,
                           **kw: Any) -> Outcome:
        row = self._relation_row(db, st.name, session)
        columns = [("Name", VARCHAR), ("Type", VARCHAR), ("Owner", VARCHAR), ("State", VARCHAR),
                   ("Properties", VARCHAR), ("CreatedAt", "TIMESTAMP_LTZ"), ("UpdatedAt", "TIMESTAMP_LTZ")]
        return Outcome(columns, [[row["name"], row["relation_type"], row["owner"], row["state"], row["properties"],
                                  row["created_at"], row["updated_at"]]], session)

    def _describe_relation_columns(self, db: sqlite3.Connection, st: s.DescribeRelationColumns, session: SessionState,
                                   **kw: Any) -> Outcome:
        row = self._relation_row(db, st.name, session)
        columns = [("name", VARCHAR), ("type", VARCHAR), ("nullable", BOOLEAN), ("properties", VARCHAR)]
        return Outcome(columns, [[c.name, c.type, c.nullable, "{}"] for c in self._columns_of(db, row["id"])],
                       session)

    # --- queries ------------------------------------------------------------------------------

    def _terminate_query(self, db: sqlite3.Connection, st: s.TerminateQuery, session: SessionState,
                         **kw: Any) -> Outcome:
        row = self._query_row(db, st.query_id)
        if row["current_state"] in ("terminated", "terminate_requested"):
            return Outcome([], [], session)
        delay = self.knobs.query_terminated_s
        db.execute("""UPDATE queries SET intended_state = 'terminated', current_state = ?, updated_at = ?,
                      next_state = ?, next_error = NULL, transition_at = ? WHERE id = ?""",
                   ("terminate_requested" if delay else "terminated", timestamp(kw["now"]),
                    "terminated" if delay else None, self._transition(kw["now"], delay) if delay else None,
                    st.query_id))
        return Outcome([], [], session)

    def _restart_query(self, db: sqlite3.Connection, st: s.RestartQuery, session: SessionState, **kw: Any) -> Outcome:
        row = self._query_row(db, st.query_id)
        if row["current_state"] not in ("terminated", "errored"):
            raise SqlFailure("3D008", f"query {st.query_id} is {row['current_state']}; only errored or "
                                      "terminated queries can be restarted")
        delay = self.knobs.query_running_s
        db.execute("""UPDATE queries SET intended_state = 'running', current_state = ?, error = NULL,
                      updated_at = ?, next_state = ?, transition_at = ? WHERE id = ?""",
                   ("starting" if delay else "running", timestamp(kw["now"]), "running" if delay else None,
                    self._transition(kw["now"], delay) if delay else None, st.query_id))
        dataflow.query_started(db, st.query_id, kw["now"])
        return Outcome([], [], session)

    def _describe_query(self, db: sqlite3.Connection, st: s.DescribeQuery, session: SessionState, **kw: Any) -> Outcome:
        row = self._query_row(db, st.query_id)
        pairs = [("id", row["id"]), ("name", row["name"]), ("version", row["version"]),
                 ("state", row["current_state"]), ("intended_state", row["intended_state"]),
                 ("error", row["error"]), ("sql", row["sql"]), ("owner", row["owner"]),
                 ("created_at", row["created_at"]), ("updated_at", row["updated_at"])]
        return Outcome([("Property", VARCHAR), ("Value", VARCHAR)], [[k, v] for k, v in pairs], session)

    def _alter_query_owner(self, db: sqlite3.Connection, st: s.AlterQueryOwner, session: SessionState,
                           **kw: Any) -> Outcome:
        self._query_row(db, st.query_id)
        db.execute("UPDATE queries SET owner = ?, updated_at = ? WHERE id = ?",
                   (st.owner, timestamp(kw["now"]), st.query_id))
        return Outcome([], [], session)

    # --- listings, session, system tables -----------------------------------------------------

    def _list_objects(self, db: sqlite3.Connection, st: s.ListObjects, session: SessionState, **kw: Any) -> Outcome:
        ts = "TIMESTAMP_LTZ"
        if st.target == "ORGANIZATIONS":
            return Outcome([("id", VARCHAR), ("name", VARCHAR), ("description", VARCHAR),
                            ("profileImageURI", VARCHAR), ("createdAt", ts)],
                           [[self.org.id, self.org.name, None, None, self.org.created_at]], session)
        if st.target == "DATABASES":
            rows = db.execute("SELECT name, is_default, owner, created_at FROM databases ORDER BY name").fetchall()
            return Outcome([("Name", VARCHAR), ("IsDefault", BOOLEAN), ("Owner", VARCHAR), ("CreatedAt", ts)],
                           [list(r) for r in rows], session)
        if st.target == "SCHEMAS":
            if not session.database:
                raise SqlFailure("3D002", "no database is selected: USE DATABASE first")
            return self._schemas_in(db, session.database, session)
        if st.target == "STORES":
            rows = db.execute("""SELECT name, type, status, status_message, is_default, owner, created_at, updated_at
                                 FROM stores ORDER BY name""").fetchall()
            return Outcome([("Name", VARCHAR), ("Type", VARCHAR), ("State", VARCHAR), ("Message", VARCHAR),
                            ("IsDefault", BOOLEAN), ("Owner", VARCHAR), ("CreatedAt", ts), ("UpdatedAt", ts)],
                           [list(r) for r in rows], session)
        if st.target == "QUERIES":
            where = "" if st.all else " WHERE current_state <> 'terminated'"
            rows = db.execute("SELECT id, name, version, intended_state, current_state, sql, owner, created_at, "
                              f"updated_at FROM queries{where} ORDER BY created_at, id").fetchall()
            return Outcome([("ID", VARCHAR), ("Name", VARCHAR), ("Version", "INTEGER"), ("IntendedState", VARCHAR),
                            ("ActualState", VARCHAR), ("Query", VARCHAR), ("Owner", VARCHAR), ("CreatedAt", ts),
                            ("UpdatedAt", ts)], [list(r) for r in rows], session)
        if st.target == "RELATIONS":
            if st.schema is not None:
                d, sc = self._schema_of(st.schema, session)
            elif session.database:
                d, sc = session.database, session.schema or "public"
            else:
                raise SqlFailure("3D002", "no database is selected: USE DATABASE first")
            return self._relations_in(db, d, sc, session)
        if st.target in self._lists:
            return self._lists[st.target](self._call(db, session, kw))
        raise SqlFailure("0A000", f"LIST {st.target} is not supported by the local server")

    def _schemas_in(self, db: sqlite3.Connection, database: str, session: SessionState) -> Outcome:
        self._require_database(db, database)
        rows = db.execute("SELECT name, name = 'public', owner, created_at FROM schemas WHERE database_name = ? "
                          "ORDER BY name", (database,)).fetchall()
        return Outcome([("Name", VARCHAR), ("IsDefault", BOOLEAN), ("Owner", VARCHAR), ("CreatedAt", "TIMESTAMP_LTZ")],
                       [list(r) for r in rows], session)

    def _relations_in(self, db: sqlite3.Connection, database: str, schema: str, session: SessionState) -> Outcome:
        self._require_schema(db, database, schema)
        rows = db.execute("SELECT name, relation_type, owner, state, properties, created_at, updated_at "
                          "FROM relations WHERE database_name = ? AND schema_name = ? ORDER BY name",
                          (database, schema)).fetchall()
        ts = "TIMESTAMP_LTZ"
        return Outcome([("Name", VARCHAR), ("Type", VARCHAR), ("Owner", VARCHAR), ("State", VARCHAR),
                        ("Properties", VARCHAR), ("CreatedAt", ts), ("UpdatedAt", ts)], [list(r) for r in rows],
                       session)

    def _show(self, db: sqlite3.Connection, st: s.Show, session: SessionState, **kw: Any) -> Outcome:
        if st.target == "SCHEMAS" and st.scope == "DATABASE" and len(st.name.parts) == 1:
            return self._schemas_in(db, st.name.parts[0], session)
        if st.target == "RELATIONS" and st.scope == "SCHEMA":
            d, sc = self._schema_of(st.name, session)
            return self._relations_in(db, d, sc, session)
        raise SqlFailure("0A000", f"SHOW {st.target} IN {st.scope} is not supported by the local server")

    def _use(self, db: sqlite3.Connection, st: s.Use, session: SessionState, **kw: Any) -> Outcome:
        if st.kind == "DATABASE":
            self._require_database(db, st.name.parts[-1])
            return Outcome([], [], replace(session, database=st.name.parts[-1], schema="public"))
        if st.kind == "SCHEMA":
            d, sc = self._schema_of(st.name, session)
            self._require_schema(db, d, sc)
            return Outcome([], [], replace(session, database=d, schema=sc))
        name = st.name.parts[-1]
        if db.execute("SELECT 1 FROM stores WHERE name = ?", (name,)).fetchone() is None:
            raise SqlFailure("3D006", f"store {name!r} does not exist")
        return Outcome([], [], replace(session, store=name))

    def _can_i(self, db: sqlite3.Connection, st: s.CanI, session: SessionState, **kw: Any) -> Outcome:
        """Every role may do everything here (but what the ``denied_privileges`` knob names); DeltaStream's answer is
        one row ``Can I`` (docs: CAN I)."""
        denied = self.knobs.denied_privileges and re.search(self.knobs.denied_privileges, " ".join(st.words))
        return Outcome([("Can I", BOOLEAN)], [[not denied]], session)

    def _select(self, db: sqlite3.Connection, st: s.Select, session: SessionState, **kw: Any) -> Outcome:
        """A system-table SELECT, rebuilt for SQLite over the views with every value bound."""
        tables: dict[str, str] = {}  # alias -> system table
        system_tables = self.catalog.system_tables
        for table_ref in [st.table] + ([st.join.table] if st.join else []):
            table = self._system_table(table_ref.name)
            tables[table_ref.alias or table] = table
        strict = not self.knobs.lenient_system_tables
        if strict and st.join is not None:
            raise SqlFailure("0A000", "a JOIN of system tables is not in the contract register: no public DeltaStream "
                                      "client or document joins them; read each table on its own "
                                      "(the lenient_system_tables knob accepts it for exploration)")
        aliases = {item.alias for item in st.columns or () if item.alias}

        def column(ref: s.ColumnRef, allow_alias: bool = False) -> tuple[str, str]:
            if ref.table is not None:
                if ref.table not in tables:
                    raise SqlFailure("42601", f"{ref.table!r} is not a table of this query")
                candidates = [ref.table]
            else:
                if allow_alias and ref.column in aliases:
                    return quote_column(ref.column), VARCHAR
                candidates = [a for a, t in tables.items() if ref.column in dict(system_tables[t])]
                if len(candidates) > 1:
                    raise SqlFailure("42601", f"column {ref.column!r} is ambiguous; qualify it")
            declared = dict(system_tables[tables[candidates[0]]]) if candidates else {}
            if ref.column not in declared:
                where = " or ".join(f"deltastream.sys.{tables[a]}" for a in (candidates or tables))
                raise SqlFailure("42601", f"column {ref.column!r} does not exist in {where}")
            if strict:
                unconfirmed(tables[candidates[0]], ref.column)
            return f"{quote_column(candidates[0])}.{quote_column(ref.column)}", declared[ref.column]

        outputs: list[tuple[str, str]] = []
        expressions: list[str] = []
        if st.columns is None:
            for alias, table in tables.items():
                for name, type_ in system_tables[table]:
                    if strict and name not in register().confirmed_columns(table):
                        continue
                    outputs.append((name, type_))
                    expressions.append(f"{quote_column(alias)}.{quote_column(name)}")
        for item in st.columns or ():
            if isinstance(item.value, int):
                outputs.append((str(item.value), "INTEGER"))
                expressions.append(str(item.value))
            else:
                text, type_ = column(item.value)
                outputs.append((item.alias or item.value.column, type_))
                expressions.append(text)
        params: list[Any] = []
        sql = "SELECT " + ", ".join(expressions) + " FROM "
        first = next(iter(tables.items()))
        sql += f"sys_{first[1]} AS {quote_column(first[0])}"
        if st.join is not None:
            alias = st.join.table.alias or self._system_table(st.join.table.name)
            conditions = " AND ".join(f"{column(a)[0]} = {column(b)[0]}" for a, b in st.join.on)
            join = "LEFT JOIN" if st.join.left else "JOIN"
            sql += f" {join} sys_{tables[alias]} AS {quote_column(alias)} ON {conditions}"
        filters: list[str] = []
        for predicate in st.where:
            if isinstance(predicate, s.Eq):
                filters.append(f"{column(predicate.column)[0]} = ?")
                params.append(predicate.value)
            elif isinstance(predicate, s.In):
                filters.append(f"{column(predicate.column)[0]} IN ({', '.join('?' * len(predicate.values))})")
                params.extend(predicate.values)
            else:
                pieces = [column(predicate.columns[0])[0]]
                for separator, part in zip(predicate.separators, predicate.columns[1:], strict=False):
                    pieces += ["?", column(part)[0]]
                    params.append(separator)
                filters.append(" || ".join(pieces) + " = ?")
                params.append(predicate.value)
        if filters:
            sql += " WHERE " + " AND ".join(filters)
        if st.order_by:
            sql += " ORDER BY " + ", ".join(f"{column(c, allow_alias=True)[0]}{' DESC' if desc else ''}"
                                            for c, desc in st.order_by)
        if st.limit is not None:
            sql += " LIMIT ?"
            params.append(st.limit)
        return Outcome(outputs, self.catalog.rows(db, sql, params), session)

    def _select_any(self, db: sqlite3.Connection, st: s.Select, session: SessionState, **kw: Any) -> Outcome:
        """A system table's SELECT, or a materialized view's (any name outside ``deltastream.sys``)."""
        parts = st.table.name.parts
        if st.join is None and not (len(parts) == 3 and [p.lower() for p in parts[:2]] == ["deltastream", "sys"]):
            return self._select_view(db, st, session)
        return self._select(db, st, session, **kw)

    def _system_table(self, name: s.Name) -> str:
        parts = name.parts
        if len(parts) != 3 or parts[0].lower() != "deltastream" or parts[1].lower() != "sys":
            raise SqlFailure("0A000", "the local server answers SELECT only on the system tables "
                                      "deltastream.sys.\"<table>\"")
        if parts[2] not in self.catalog.system_tables:
            raise SqlFailure("3D020", f"relation deltastream.sys.{parts[2]} does not exist")
        return parts[2]

def _path(row: sqlite3.Row) -> list[str]:
    return [row["database_name"], row["schema_name"], row["name"]]


def _sinks(stored: str | None) -> list[list[str]]:
    """A query's sinks as stored: a list of paths (one path alone in catalogs written before applications)."""
    value = json.loads(stored or "[]")
    return [value] if value and isinstance(value[0], str) else value


#: The query properties DeltaStream documents (docs: RESUME QUERY); the local server accepts them and resumes nothing.
QUERY_PROPERTIES = ("resume.from.query.id", "resume.from.query.name", "resume.from.query.version")


def _check_query_properties(body: s.QueryBody) -> None:
    """``QUERY WITH (...)`` takes only the documented properties (3D008 for any other, ``query.name`` too): a query
    started by INSERT INTO or CREATE ... AS SELECT has no name, as no public record shows a client naming one."""
    unknown = sorted(set(body.properties) - set(QUERY_PROPERTIES))
    if unknown:
        raise SqlFailure("3D008", f"unknown query property {unknown[0]!r}: QUERY WITH takes "
                                  f"{', '.join(QUERY_PROPERTIES)}")


def unconfirmed(table: str, column: str) -> None:
    """Refuse a system-table column that the contract register does not confirm (0A000, naming it)."""
    if column not in register().confirmed_columns(table):
        raise SqlFailure("0A000", f"column {column!r} of deltastream.sys.\"{table}\" is not in the contract register: "
                                  "no public DeltaStream client or document reads it "
                                  "(the lenient_system_tables knob accepts it for exploration)")
