"""The value of an input a preview cannot know yet (the engine's unknown): a falsy singleton every layer can test
for without knowing how the engine encodes it."""

from __future__ import annotations

from typing import Any


class _Unknown:
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()
