"""A statement that only reads is not taken for a change: a mutating statement drops the reads a process shares
(:meth:`SystemTables.group`), so a read marked mutating costs requests, a number that depends on timing."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import deltastream_provider.resources as resources_package
from deltastream_provider.deltastream import sql

READS = ("LIST ", "DESCRIBE ", "SHOW ", "SELECT ", "CAN I ")


def test_every_read_statement_without_arguments_is_not_mutating() -> None:
    checked = []
    for info in pkgutil.iter_modules(resources_package.__path__):
        module = importlib.import_module(f"{resources_package.__name__}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or inspect.signature(function).parameters:
                continue
            if inspect.signature(function).return_annotation not in (sql.Statement, "sql.Statement", "Statement"):
                continue
            statement = function()
            if statement.sql.upper().startswith(READS):
                checked.append(f"{info.name}.{name}")
                assert not statement.mutating, f"{info.name}.{name}: {statement.sql} only reads"
    assert "compute_pool.list_statement" in checked
