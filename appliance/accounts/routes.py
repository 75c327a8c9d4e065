"""HTTP edge of accounts: users and tokens, for admins."""

from __future__ import annotations

import msgspec
from litestar import delete, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from appliance.accounts import users
from appliance.errors import Forbidden
from appliance.injected import CurrentUser, Db


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    role: str


class CreatedUser(msgspec.Struct):
    id: int
    name: str
    role: str
    token: str


class NewToken(msgspec.Struct, forbid_unknown_fields=True):
    user_id: int


class CreatedToken(msgspec.Struct):
    id: int
    user_id: int
    token: str


def require_admin(user: CurrentUser) -> None:
    if not user.is_admin:
        raise Forbidden("this needs the admin role")


@post("/api/v1/users", status_code=HTTP_201_CREATED, sync_to_thread=True)
def create_user(data: JSONBody[NewUser], user: CurrentUser, conn: Db) -> CreatedUser:
    """Create a user; the response carries their first token, shown this once."""
    require_admin(user)
    created, token = users.create_user(conn, data.name, data.role)
    return CreatedUser(created.id, created.name, created.role, token)


@post("/api/v1/tokens", status_code=HTTP_201_CREATED, sync_to_thread=True)
def create_token(data: JSONBody[NewToken], user: CurrentUser, conn: Db) -> CreatedToken:
    """Another token for a user, shown this once."""
    require_admin(user)
    token_id, token = users.issue_token(conn, data.user_id)
    return CreatedToken(token_id, data.user_id, token)


@delete("/api/v1/tokens/{token_id:int}", status_code=HTTP_204_NO_CONTENT, sync_to_thread=True)
def revoke_token(token_id: FromPath[int], user: CurrentUser, conn: Db) -> None:
    """Revoke a token; it stops working at once."""
    require_admin(user)
    users.revoke(conn, token_id)


handlers = [create_user, create_token, revoke_token]
