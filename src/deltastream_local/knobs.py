"""Test and benchmark knobs: latency, injected HTTP faults, forced async, paging, failing statements,
state-machine delays. Settable by flags at start and at run time through ``/admin/knobs``.

Fault rates are applied deterministically: a rate of 0.25 injects on every 4th eligible request,
so a test sees the same sequence every run.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


#: How a :class:`FailRule` fails a statement: with an SQL error, on the wire before or after it runs, or by running
#: it and answering 202 (still running) to every poll, so that its answer never comes.
FAULTS = ("sql", "drop_before", "drop_after", "504", "never_answered")


@dataclass
class FailRule:
    """Fail the ``nth`` statement (1-based; 0 = every one) whose text matches ``pattern``: with SQLSTATE ``code``
    (``fault`` sql), by closing the connection before or after running it, with a 504 after running it, or by running
    it and never answering (``never_answered``: 202 to every poll)."""

    pattern: str
    nth: int = 1
    code: str = "XX000"
    message: str = "injected failure"
    fault: str = "sql"
    seen: int = 0

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f"fault {self.fault!r} is not one of {', '.join(FAULTS)}")

    def hits(self, text: str) -> bool:
        if not re.search(self.pattern, text, re.IGNORECASE | re.DOTALL):
            return False
        self.seen += 1
        return self.nth == 0 or self.seen == self.nth


def _knob(default: Any, meaning: str) -> Any:
    return field(default=default, metadata={"help": meaning})


@dataclass
class Knobs:
    latency_ms: float = _knob(0.0, "added to every API request, in milliseconds")
    jitter_ms: float = _knob(0.0, "random extra latency up to this many milliseconds")
    rate_429: float = _knob(0.0, "share of requests answered 429 with Retry-After (0.25 = every 4th)")
    retry_after_s: float = _knob(0.1, "the Retry-After of those 429s, in seconds")
    rate_503: float = _knob(0.0, "share of requests answered 503 before they run")
    rate_504: float = _knob(0.0, "share of requests answered 504 after the statement ran")
    rate_drop: float = _knob(0.0, "share of requests whose connection is closed without an answer")
    drop_after_processing: bool = _knob(False, "dropped requests run their statement first")
    async_polls: int = _knob(0, "answer every statement 202 and keep it running for this many polls")
    page_size: int = _knob(0, "rows per result partition; 0 = one partition")
    store_ready_s: float = _knob(0.0, "seconds a store stays creating/updating before ready or errored")
    store_drop_s: float = _knob(0.0, "seconds a dropped store stays deleting")
    query_running_s: float = _knob(0.0, "seconds a query stays starting before running or errored")
    query_terminated_s: float = _knob(0.0, "seconds a terminated query stays terminate_requested")
    registry_ready_s: float = _knob(0.0, "seconds a secret or schema registry stays creating/updating before ready")
    pool_transition_s: float = _knob(0.0, "seconds a compute pool stays starting/stopping before running/stopped")
    errored_stores: str = _knob("", "regular expression: stores whose name matches end up errored")
    errored_registries: str = _knob("", "regular expression: schema registries whose name matches end up errored")
    errored_queries: str = _knob("", "regular expression: queries whose SQL matches end up errored")
    errored_pools: str = _knob("", "regular expression: compute pools whose name matches fail to start (errored)")
    source_ready_s: float = _knob(0.0, "seconds a function or descriptor source stays uploading before ready or error")
    errored_sources: str = _knob("", "regular expression: function and descriptor sources whose name matches end up "
                                     "with status error")
    denied_privileges: str = _knob("", "regular expression: CAN I answers false for a privilege it matches (every "
                                       "other statement still runs: the local server enforces no privileges)")
    users: str = _knob("admin@example.com", "comma-separated emails: the organization's members, the users GRANT "
                                            "ROLE ... TO USER may name")
    postgres_check: bool = _knob(True, "connect to a reachable PostgreSQL named by a store's URI")
    lenient_system_tables: bool = _knob(False, "accept system-table columns and joins that the contract register "
                                               "does not confirm (exploration only: DeltaStream may refuse them)")
    fail: list[FailRule] = field(default_factory=list, metadata={
        "help": 'JSON list of {"pattern", "nth", "code", "message", "fault"}: fail the nth statement matching '
                'pattern with SQLSTATE code (fault "sql"), or drop its connection ("drop_before", "drop_after") or '
                'answer 504 after running it ("504")'})
    _debt: dict[str, float] = field(default_factory=dict, repr=False)

    @classmethod
    def described(cls) -> list[tuple[str, str, str]]:
        """Each knob's name, default and meaning, for ``--help``."""
        defaults = cls()
        return [(f.name, json.dumps(getattr(defaults, f.name)), f.metadata["help"])
                for f in fields(cls) if not f.name.startswith("_")]

    @classmethod
    def parse(cls, name: str, text: str) -> Any:
        """A knob's value from its command-line text (``NAME=VALUE``), by the knob's type."""
        known = {f.name: f for f in fields(cls) if not f.name.startswith("_")}
        if name not in known:
            raise ValueError(f"unknown knob {name!r}; known: {', '.join(sorted(known))}")
        kind = type(getattr(cls(), name))
        if kind is bool:
            if text.lower() not in _BOOLEANS:
                raise ValueError(f"knob {name!r} takes true or false, not {text!r}")
            return _BOOLEANS[text.lower()]
        if kind is str:
            return text
        try:
            return json.loads(text) if kind is list else kind(text)
        except ValueError as exc:
            raise ValueError(f"knob {name!r} takes {'a JSON list' if kind is list else 'a number'}, "
                             f"not {text!r}") from exc

    def due(self, fault: str) -> bool:
        """Whether the fault ``rate_<fault>`` fires on this eligible request."""
        rate = getattr(self, f"rate_{fault}")
        if rate <= 0:
            return False
        debt = self._debt.get(fault, 1.0 - rate) + rate  # the first eligible request is hit
        fired: bool = debt >= 1.0 - 1e-9
        self._debt[fault] = debt - 1.0 if fired else debt
        return fired

    def failure_for(self, text: str, fault: str = "sql") -> FailRule | None:
        for rule in self.fail:
            if rule.fault == fault and rule.hits(text):
                return rule
        return None

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f for f in fields(self) if not f.name.startswith("_")}
        for key, given in values.items():
            if key not in known:
                raise ValueError(f"unknown knob {key!r}; known: {', '.join(sorted(known))}")
            current = getattr(self, key)
            if key == "fail":
                value: Any = [FailRule(**rule) for rule in given]
            elif isinstance(current, bool) and not isinstance(given, bool):
                raise ValueError(f"knob {key!r} takes true or false, not {given!r}")
            else:
                value = type(current)(given)
            setattr(self, key, value)
        self._debt.clear()

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}
