"""What a kind declares beside its Resource class so that the tests and the benchmark need no list of kinds of their
own: sample inputs, the exact request budget of each operation, a settle example and its statement builders.

The request budget (``tests/contract/test_request_budget.py``), the benchmark (``bench/provider_requests.py``),
settle (``tests/contract/test_settle.py``) and the contract register (``tests/unit/test_contract_register.py``)
read the registered kinds' samples, in the registry's order, so a kind added by the recipe is counted, settled and
checked by declaring its ``SAMPLE``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..deltastream import sql

Inputs = Mapping[str, Any]


@dataclass(frozen=True)
class Built:
    """A statement builder called with sample arguments, and the register kind of what it sends."""

    build: partial[sql.Statement]
    kind: str

    @property
    def name(self) -> str:
        """``module.builder``, as the register test finds builders in the resource layer."""
        return f"{self.build.func.__module__.rsplit('.', 1)[-1]}.{self.build.func.__name__}"


@dataclass(frozen=True)
class Sample:
    """A kind's sample. ``budget`` maps each operation (``create``, ``read``, ``update``, ``delete``) to the exact
    HTTP requests it sends: an ``update`` row needs ``changed``. The benchmark creates, reads and updates the kinds
    in the registry's order, after the ``also`` creates of each (what later kinds need, uncounted), and deletes them
    in the reverse order, so a kind's inputs may name what an earlier kind made."""

    inputs: Inputs
    budget: Mapping[str, int]
    settle: tuple[Inputs, Inputs]  #: inputs of a create that happened, and of one that never did
    built: tuple[Built, ...]
    changed: Inputs | None = None
    also: tuple[Inputs, ...] = ()
    label: str = ""  #: the kind's name in the budget table, where not its token's

    def rows(self, kind: str) -> dict[str, int]:
        """The budget table's rows of this kind: ``"Database create": 2``, ..."""
        return {f"{self.label or kind} {operation}": count for operation, count in self.budget.items()}


def built(builder: Callable[..., sql.Statement], kind: str, *args: Any, **kwargs: Any) -> Built:
    return Built(partial(builder, *args, **kwargs), kind)
