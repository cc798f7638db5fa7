"""The local server's dataflow: continuous queries run over the records in their source entities.

DeltaStream runs a query on its dataplane, record by record; the local server instead evaluates a running query's
``SELECT`` over all the records its sources hold so far, with an embedded engine (DuckDB), whenever a record is
written to a source (``INSERT INTO ENTITY``) or the query starts. The result replaces what the query wrote before
into its sink's entity, where ``PRINT ENTITY`` shows it, and flows on into the queries reading that sink. Nothing
runs in the background, so a test writes records and reads the sink at once. Where this differs from streaming
semantics is written in ``CHOICES.md`` ("Dataflow").

``translate`` turns DeltaStream's SELECT (windows, ``WITHIN``) into DuckDB's, ``records`` reads and writes an
entity's records, ``evaluate`` runs one query, ``flow`` decides which queries run and carries results onward.
"""

from .flow import TABLES, query_started, records_written
from .records import append_record

__all__ = ["TABLES", "append_record", "query_started", "records_written"]
