"""DeltaStream's query SQL: the parse of a SELECT into a typed tree, and its check against a catalog.

How to use it (the local server does exactly this for CREATE ... AS SELECT, INSERT INTO, materialized views,
applications and DESCRIBE of them)::

    from deltastream_local import dsql

    select = dsql.parse_select(sql, start, end)     # the SELECT in sql[start:end]; SelectSyntaxError if malformed
    select.relations()                              # the named relations it reads (tree.Relation, with positions)
    resolved = dsql.resolve(select, lookup)         # lookup(name_parts, pos) -> dsql.SourceInfo, or SqlFailure
    resolved.sources                                # SourceInfo per relation read: path, kind, columns
    resolved.columns                                # the output columns (statements.ColumnSpec) with their types

The tree (``tree.py``) is plain frozen dataclasses: ``Select`` (items, source, joins, where, group_by, having,
partition_by, limit), sources (``Relation``, ``Window`` for TUMBLE/HOP, ``Subquery``), ``Join`` (kind, WITHIN,
ON) and expressions (``Column``, ``Literal``, ``Call``, ``Binary``, ``Unary``, ``Between``, ``InList``, ``Case``,
``Cast``, ``Subscript``, ``Field``, ``Star``); an engine evaluating queries walks it. Every node has its ``Pos``
(line and column in the text sent). The grammar is ``select.lark``; the functions and their arities
``functions.py``.
"""

from __future__ import annotations

from .parse import SelectSyntaxError, parse_select
from .resolve import Resolved, SourceInfo, resolve

__all__ = ["Resolved", "SelectSyntaxError", "SourceInfo", "parse_select", "resolve"]
