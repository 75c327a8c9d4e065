"""Names of what the API injects into route handlers (provided in api.py), so handlers
declare them explicitly, as Litestar asks."""

from __future__ import annotations

from typing import TypeAlias

import redis
from litestar.di import NamedDependency

from appliance.accounts.users import User
from appliance.db import Connection
from appliance.settings import Settings

CurrentUser: TypeAlias = NamedDependency[User]
Db: TypeAlias = NamedDependency[Connection]
Broker: TypeAlias = NamedDependency[redis.Redis]
Config: TypeAlias = NamedDependency[Settings]
