"""One way to say what went wrong: every provider exception is a ProviderError, and anything else is a bug."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from testkit.provider import Harness

import deltastream_provider
from deltastream_provider.errors import NotFoundError, ProviderError
from deltastream_provider.kinds.registry import resource
from deltastream_provider.model.fields import Model, prop
from deltastream_provider.resources.base import Context, Resource

DB = "deltastream:index:Database"


def test_every_exception_the_provider_defines_is_in_the_tree() -> None:
    defined = []
    for module in pkgutil.walk_packages(deltastream_provider.__path__, "deltastream_provider."):
        for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__.startswith("deltastream_provider"):
                defined.append(cls)
    assert defined, "the walk found the error classes"
    assert [cls.__name__ for cls in defined if not issubclass(cls, ProviderError)] == []
    assert {cls.__module__ for cls in defined} == {"deltastream_provider.errors"}


async def test_an_exception_outside_the_tree_is_reported_as_a_bug(provider: Harness,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(ctx: Context, inputs: Any) -> Any:
        raise KeyError("s3cr3t-token")

    monkeypatch.setattr(resource(DB), "create", broken)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create(DB, {"name": "analytics"})
    assert failed.value.code() == grpc.StatusCode.INTERNAL
    assert "a bug; please report it" in (failed.value.details() or "")
    assert "KeyError" in (failed.value.details() or "")


async def test_an_expected_failure_is_reported_with_its_hint(provider: Harness,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    async def missing(ctx: Context, inputs: Any) -> Any:
        raise NotFoundError("database 'analytics' does not exist", code="3D002")

    monkeypatch.setattr(resource(DB), "create", missing)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create(DB, {"name": "analytics"})
    assert failed.value.code() == grpc.StatusCode.UNKNOWN
    assert failed.value.details() == ("database 'analytics' does not exist (SQLSTATE 3D002). "
                                      "Check the name and that the configured role can see it")


@dataclass
class NoteInputs(Model):
    title: str = prop("Title.")
    body: str | None = prop("Body.", default=None)


class Note(Resource[NoteInputs, NoteInputs]):
    """A resource with no update: every change replaces it."""

    token = "test:index:Note"
    inputs = state = NoteInputs


class EditableNote(Note):
    async def update(self, ctx: Context, resource_id: str, olds: NoteInputs, news: NoteInputs) -> NoteInputs:
        return news


def test_without_update_every_change_replaces() -> None:
    diff = Note().diff(NoteInputs(title="a"), NoteInputs(title="a", body="b"), NoteInputs(title="a"))
    assert diff.changes == ["body"] and diff.replaces == ["body"]
    assert not Note().updatable and EditableNote().updatable
    in_place = EditableNote().diff(NoteInputs(title="a"), NoteInputs(title="a", body="b"), NoteInputs(title="a"))
    assert in_place.changes == ["body"] and in_place.replaces == []
