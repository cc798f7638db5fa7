"""Every resource and function the provider serves, by token."""

from __future__ import annotations

from .resources.base import Resource
from .resources.database import Database
from .resources.namespace import Namespace

RESOURCES: list[Resource] = [Database(), Namespace()]
FUNCTIONS: list = []

RESOURCES_BY_TOKEN = {r.token: r for r in RESOURCES}
FUNCTIONS_BY_TOKEN = {f.token: f for f in FUNCTIONS}
