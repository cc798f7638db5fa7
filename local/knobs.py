"""Test and benchmark knobs: latency, injected HTTP faults, forced async, paging, failing statements,
state-machine delays. Settable by flags at start and at run time through ``/admin/knobs``.

Fault rates are applied deterministically: a rate of 0.25 injects on every 4th eligible request,
so a test sees the same sequence every run.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class FailRule:
    """Fail the ``nth`` statement (1-based; 0 = every one) whose text matches ``pattern``."""

    pattern: str
    nth: int = 1
    code: str = "XX000"
    message: str = "injected failure"
    seen: int = 0

    def hits(self, text: str) -> bool:
        if not re.search(self.pattern, text, re.IGNORECASE | re.DOTALL):
            return False
        self.seen += 1
        return self.nth == 0 or self.seen == self.nth


@dataclass
class Knobs:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_429: float = 0.0
    retry_after_s: float = 0.1
    rate_503: float = 0.0
    rate_504: float = 0.0          # a gateway timeout after the statement ran
    rate_drop: float = 0.0
    drop_after_processing: bool = False
    async_polls: int = 0          # answer every statement 202 and keep it running for this many polls
    page_size: int = 0            # rows per partition; 0 = one partition
    store_ready_s: float = 0.0
    store_drop_s: float = 0.0
    query_running_s: float = 0.0
    query_terminated_s: float = 0.0
    errored_stores: str = ""      # regex on store names that end up errored
    errored_queries: str = ""     # regex on query SQL that ends up errored
    postgres_check: bool = True   # connect to a reachable PostgreSQL named by a store's URI
    fail: list[FailRule] = field(default_factory=list)
    _debt: dict[str, float] = field(default_factory=dict, repr=False)

    def due(self, fault: str) -> bool:
        """Whether the fault ``rate_<fault>`` fires on this eligible request."""
        rate = getattr(self, f"rate_{fault}")
        if rate <= 0:
            return False
        debt = self._debt.get(fault, 1.0 - rate) + rate  # the first eligible request is hit
        fired = debt >= 1.0 - 1e-9
        self._debt[fault] = debt - 1.0 if fired else debt
        return fired

    def failure_for(self, text: str) -> FailRule | None:
        for rule in self.fail:
            if rule.hits(text):
                return rule
        return None

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f for f in fields(self) if not f.name.startswith("_")}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown knob {key!r}; known: {', '.join(sorted(known))}")
            if key == "fail":
                value = [FailRule(**rule) for rule in value]
            else:
                value = type(getattr(self, key))(value)
            setattr(self, key, value)
        self._debt.clear()

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}
