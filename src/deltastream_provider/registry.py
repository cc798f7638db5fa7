"""Every resource and function the provider serves, by token."""

from __future__ import annotations

from typing import Any

from .functions.base import Function
from .functions.lookups import FUNCTIONS as LOOKUPS
from .resources.application import Application
from .resources.base import Resource
from .resources.database import Database
from .resources.entity import Entity
from .resources.namespace import Namespace
from .resources.object import DeltaStreamObject
from .resources.query import Query
from .resources.schema_registry import SchemaRegistry
from .resources.secret import Secret
from .resources.store import Store

RESOURCES: list[Resource[Any, Any]] = [Database(), Namespace(), Store(), DeltaStreamObject(), Query(), Application(),
                                       Entity(), Secret(), SchemaRegistry()]
FUNCTIONS: list[Function[Any, Any]] = LOOKUPS

RESOURCES_BY_TOKEN = {r.token: r for r in RESOURCES}
FUNCTIONS_BY_TOKEN = {f.token: f for f in FUNCTIONS}
