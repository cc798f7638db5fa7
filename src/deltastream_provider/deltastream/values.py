"""Decoding of result cells by column type (cells arrive as strings or null)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any


def parse_timestamp(text: str) -> dt.datetime:
    """``YYYY-MM-DD HH:MM:SS[.f][Z|+hhmm]`` (DeltaStream's form) or ISO 8601; naive means UTC."""
    value = text.strip().replace("T", " ", 1)
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    elif len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit() and ":" not in value[-5:]:
        value = f"{value[:-2]}:{value[-2:]}"
    date, _, rest = value.partition(" ")
    if "." in rest:  # Python accepts at most 6 fraction digits
        clock, _, tail = rest.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        zone = tail[len(digits):]
        rest = f"{clock}.{digits[:6].ljust(6, '0')}{zone}"
    parsed = dt.datetime.fromisoformat(f"{date} {rest}" if rest else date)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def rfc3339(value: dt.datetime | None) -> str | None:
    """The form the provider exposes timestamps in."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def cell_value(type_: str, cell: str | None) -> Any:
    """A cell as a Python value, by the column's declared type (prefix match, as the drivers do)."""
    if cell is None:
        return None
    kind = type_.strip().upper()
    if kind.startswith(("TINYINT", "SMALLINT", "INTEGER", "INT")):
        return int(cell)
    if kind.startswith("BIGINT"):
        return int(Decimal(cell))
    if kind.startswith(("FLOAT", "DOUBLE", "REAL")):
        return float(cell)
    if kind.startswith("DECIMAL"):
        return Decimal(cell)
    if kind.startswith("BOOLEAN"):
        return cell.strip().lower() == "true"
    if kind.startswith("TIMESTAMP"):
        return parse_timestamp(cell)
    if kind.startswith("DATE"):
        return dt.date.fromisoformat(cell)
    if kind.startswith(("VARBINARY", "BYTES")):
        return base64.b64decode(cell)
    if kind.startswith(("ARRAY", "MAP", "STRUCT")):
        return json.loads(cell)
    return cell
