"""What the resource layer answers for the servicer: a detailed diff, an update's preview, the engine's records
(partial state included) and whether an Update finishes a create or updates in place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from deltastream_provider.errors import InputError
from deltastream_provider.model.fields import Model, prop
from deltastream_provider.model.unknown import UNKNOWN
from deltastream_provider.resources.base import Context, Diff, PropertyChange, Resource


@dataclass
class Column(Model):
    name: str = prop("Name.")
    type: str = prop("Type.")


@dataclass
class NoteInputs(Model):
    title: str = prop("Title.", replaces=True)
    body: str | None = prop("Body.", default=None)
    tags: dict[str, str] | None = prop("Tags.", default=None)
    columns: list[Column] | None = prop("Columns.", default=None)


@dataclass
class NoteState(NoteInputs):
    created_at: str | None = prop("When it was made.", default=None)
    state: str | None = prop("Running or stopped.", default=None)


class Note(Resource[NoteInputs, NoteState]):
    token = "test:index:Note"
    inputs, state = NoteInputs, NoteState

    def __init__(self) -> None:
        self.calls: list[str] = []

    def diff(self, olds: NoteInputs, news: NoteInputs, state: NoteState) -> Diff:
        result = super().diff(olds, news, state)
        if state.state == "stopped" and not result.changes:  # a rule beyond the values: drift of an output
            result.changes, result.replaces = ["state"], ["state"]
        return result

    async def update(self, ctx: Context, resource_id: str, olds: NoteState, news: NoteInputs) -> NoteState:
        self.calls.append("update")
        return NoteState(title=news.title, created_at=olds.created_at)

    async def finish(self, ctx: Context, resource_id: str, partial: NoteState, inputs: NoteInputs) -> NoteState:
        self.calls.append("finish")
        return NoteState(title=inputs.title, created_at="now")


OLD = {"title": "a", "body": "x", "tags": {"team": "data"}, "columns": [{"name": "id", "type": "INT"}]}
STATE = {**OLD, "createdAt": "then", "state": "running"}


def kinds(olds: dict[str, Any], news: dict[str, Any], state: dict[str, Any] = STATE) -> dict[str, PropertyChange]:
    return Note().detailed_diff(olds, news, state).properties


def test_a_detailed_diff_names_the_innermost_paths_with_their_kinds() -> None:
    news = {**OLD, "body": None, "tags": {"team": "ops", "x.y": "1"}, "columns": [{"name": "id", "type": "BIGINT"}]}
    diff = Note().detailed_diff(OLD, news, STATE)
    assert diff.changes == ["body", "tags", "columns"] and diff.replaces == []
    assert diff.properties == {"body": PropertyChange("DELETE"), "tags.team": PropertyChange("UPDATE"),
                               'tags["x.y"]': PropertyChange("ADD"), "columns[0].type": PropertyChange("UPDATE")}


def test_each_path_replaces_when_its_top_level_property_does() -> None:
    diff = Note().detailed_diff(OLD, {**OLD, "title": "b", "body": "y"}, STATE)
    assert diff.replaces == ["title"] and diff.delete_before_replace
    assert diff.properties == {"title": PropertyChange("UPDATE", replaces=True), "body": PropertyChange("UPDATE")}


def test_a_grown_list_is_one_change_and_a_changed_output_is_told_as_one() -> None:
    grown = {**OLD, "columns": [*OLD["columns"], {"name": "v", "type": "VARCHAR"}]}
    assert kinds(OLD, grown) == {"columns": PropertyChange("UPDATE")}
    assert kinds(OLD, OLD, {**STATE, "state": "stopped"}) == {"state": PropertyChange("UPDATE", True, input=False)}
    assert kinds(OLD, OLD) == {}


def test_an_update_preview_keeps_what_the_state_records_where_the_preview_cannot_know() -> None:
    note = Note()
    state = NoteState(title="a", body="x", created_at="then", state="running")
    preview = note.preview_update(state, NoteInputs(title="a", body="y"))
    assert (preview.body, preview.created_at, preview.state) == ("y", "then", "running")
    assert note.preview(NoteInputs(title="a")).created_at is UNKNOWN


def test_a_stored_state_is_typed_and_an_incomplete_one_is_rebuilt_from_its_inputs() -> None:
    note = Note()
    assert note.stored_state(STATE, OLD).created_at == "then"
    rebuilt = note.stored_state({}, {"title": "a"})  # a create that could not finish, as earlier releases kept it
    assert rebuilt == NoteState(title="a") and note.is_partial(rebuilt)
    with pytest.raises(TypeError):
        note.stored_state({}, None)
    with pytest.raises(InputError, match="pulumi refresh"):
        note.stored_inputs({"body": "no title"})


async def test_an_update_finishes_a_partial_create_and_otherwise_updates_in_place() -> None:
    note = Note()
    ctx: Any = None  # finish and update here read nothing
    finished = await note.apply_update(ctx, "a", NoteState(title="a"), NoteInputs(title="a"))
    updated = await note.apply_update(ctx, "a", NoteState(title="a", created_at="then"), NoteInputs(title="a"))
    assert note.calls == ["finish", "update"] and (finished.created_at, updated.created_at) == ("now", "then")
