"""DeltaStream's dbt adapter (``dbt-deltastream`` 1.10.2, unchanged) makes function sources and functions on the
local server: as sources (``run-operation create_sources``, as dbt's own functional tests do) and as models (the
``function_source`` and ``function`` materializations), then a model calling the function. Two faults of the adapter
show, and would against DeltaStream too: it never finds an existing function (so a second run creates a duplicate),
and its ``function`` materialization never runs the ``main`` statement dbt requires of a model.

dbt runs in-process, as in ``test_dbt_adapter.py``, whose project helpers these tests share.
"""

from __future__ import annotations

from pathlib import Path

from deltastream_local.runner import BackgroundServer
from tests.contract.test_dbt_adapter import dbt, failures, passes, project, run_sql

STORE_AND_STREAM = """
version: 2
sources:
  - name: infra
    schema: public
    tables:
      - name: kafka
        config:
          materialized: store
          parameters:
            type: KAFKA
            uris: 'broker:9092'
            'kafka.sasl.hash_function': NONE
      - name: pageviews_topic
        identifier: pageviews
        config:
          materialized: entity
          parameters:
            store: kafka
  - name: raw
    schema: public
    tables:
      - name: pageviews
        config:
          materialized: stream
          parameters:
            store: kafka
            topic: pageviews
            'value.format': JSON
        columns:
          - name: userid
            type: VARCHAR
          - name: pageid
            type: VARCHAR
"""

#: The README's function source and function, as sources.
FUNCTION_SOURCES = STORE_AND_STREAM + """
  - name: udf
    schema: public
    tables:
      - name: udfs
        config:
          materialized: function_source
          parameters:
            file: udfs.jar
            language: java
      - name: to_title
        config:
          materialized: function
          parameters:
            args:
              - name: text
                type: VARCHAR
            returns: VARCHAR
            language: JAVA
            source.name: udfs
            class.name: 'com.example.udf.ToTitle'
"""

TITLED = """
    {{ config(materialized='stream', parameters={'topic': 'titled', 'value.format': 'json'}) }}
    SELECT userid, to_title(pageid) AS page FROM {{ source('raw', 'pageviews') }}
"""


def functions(local: BackgroundServer) -> list[list[str]]:
    """What LIST FUNCTIONS shows, as dbt's adapter reads it: Signature, then source and class by name."""
    return [[row[0], row[2], row[3]] for row in run_sql(local, "LIST FUNCTIONS;")]


def test_sources_make_the_function_source_and_the_function(tmp_path: Path, local: BackgroundServer) -> None:
    root = project(tmp_path, local, models={}, sources=FUNCTION_SOURCES)
    passes(root, "run-operation", "create_sources")
    assert [r[0] for r in run_sql(local, "LIST FUNCTION_SOURCES;")] == ["udfs"]
    assert functions(local) == [["to_title(text VARCHAR)", "udfs", "com.example.udf.ToTitle"]]
    # Again: the adapter's get_function reads LIST FUNCTIONS' rows as row.Signature or row["Signature"] of a dict,
    # and an agate row is neither, so it never finds the function, creates it again, and the duplicate signature is
    # refused (as DeltaStream refuses it: 42P015) instead of the drop and create its macro means.
    result = dbt(root, "run-operation", "create_sources")
    assert not result.success and "function to_title(VARCHAR) already exists" in failures(result, root)
    counters = local.server.counters.statements
    assert (counters["CreateFunction"], counters["DropFunction"]) == (2, 0)
    assert functions(local) == [["to_title(text VARCHAR)", "udfs", "com.example.udf.ToTitle"]]


def test_models_make_them_and_a_model_calls_the_function(tmp_path: Path, local: BackgroundServer) -> None:
    models = {
        "udfs": """
            {{ config(materialized='function_source', parameters={'file': 'udfs.jar', 'language': 'java'}) }}
            SELECT 1
        """,
        "to_title": """
            {{ config(materialized='function', parameters={'args': [{'name': 'text', 'type': 'VARCHAR'}],
                      'returns': 'VARCHAR', 'language': 'JAVA', 'source.name': 'udfs',
                      'class.name': 'com.example.udf.ToTitle'}) }}
            SELECT 1
        """,
        "titled": TITLED,
    }
    root = project(tmp_path, local, models=models, sources=STORE_AND_STREAM)
    passes(root, "run-operation", "create_sources")
    passes(root, "run", "--select", "udfs")
    assert [r[0] for r in run_sql(local, "LIST FUNCTION_SOURCES;")] == ["udfs"]
    # The function materialization runs its statements as 'drop_function' / 'create_function', never 'main', which
    # dbt requires of a model: the function is created, then dbt fails the model.
    result = dbt(root, "run", "--select", "to_title")
    assert not result.success and "main is not being called during running model" in failures(result, root)
    assert functions(local) == [["to_title(text VARCHAR)", "udfs", "com.example.udf.ToTitle"]]
    passes(root, "run", "--select", "titled")
    columns = run_sql(local, 'DESCRIBE RELATION COLUMNS "analytics"."public"."titled";')
    assert [c[:2] for c in columns] == [["userid", "VARCHAR"], ["page", "VARCHAR"]]  # the function's return type


def test_a_model_calling_an_unknown_function_is_refused(tmp_path: Path, local: BackgroundServer) -> None:
    root = project(tmp_path, local, models={"titled": TITLED}, sources=STORE_AND_STREAM)
    passes(root, "run-operation", "create_sources")
    result = dbt(root, "run", "--select", "titled")
    assert not result.success and "function TO_TITLE does not exist" in failures(result, root)


def test_the_keys_of_dbts_own_functional_test_are_refused(tmp_path: Path, local: BackgroundServer) -> None:
    """dbt-deltastream's functional test gives ``input_parameters`` and ``return_type``, which its macro sends in
    WITH beside an empty argument list; nothing shows DeltaStream takes them, so the local server refuses them."""
    sources = FUNCTION_SOURCES.replace("""            args:
              - name: text
                type: VARCHAR
            returns: VARCHAR
            language: JAVA
""", """            input_parameters: 'text VARCHAR'
            return_type: VARCHAR
""")
    root = project(tmp_path, local, models={}, sources=sources)
    result = dbt(root, "run-operation", "create_sources")
    assert not result.success and "'input_parameters' is not a parameter of a function" in failures(result, root)
    assert functions(local) == []
