"""HTTP edge of accounts: users and tokens, for admins."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, delete, post
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from appliance.accounts import users
from appliance.audit.trail import Actor
from appliance.errors import Forbidden
from appliance.injected import CurrentUser, Db
from appliance.responses import errors
from appliance.vocabulary import Role

# Ids are PostgreSQL bigints: a larger number is a 4xx here, not an overflow in the query.
Id = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
IdPath = Annotated[int, PathParameter(ge=1, le=2**63 - 1)]


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    # The name's full rule (users.checked_role) gives the clearer message; this bounds it.
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    role: Role


class CreatedUser(msgspec.Struct):
    id: int
    name: str
    role: Role
    token: str


class NewToken(msgspec.Struct, forbid_unknown_fields=True):
    user_id: Id


class CreatedToken(msgspec.Struct):
    id: int
    user_id: int
    token: str


def require_admin(user: CurrentUser) -> None:
    if not user.is_admin:
        raise Forbidden("this needs the admin role")


def admin_actor(user: CurrentUser, request: Request[Any, Any, Any]) -> Actor:
    """The admin making the request, as the audit trail records them; others are refused."""
    require_admin(user)
    return Actor(user, request.client.host if request.client else "unknown")


@post(
    "/api/v1/users",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 409, 413, 422),
)
def create_user(
    data: JSONBody[NewUser], user: CurrentUser, conn: Db, request: Request[Any, Any, Any]
) -> CreatedUser:
    """Create a user; the response carries their first token, shown this once."""
    by = admin_actor(user, request)
    created, token = users.create_user(conn, data.name, data.role, by=by)
    return CreatedUser(created.id, created.name, created.role, token)


@post(
    "/api/v1/tokens",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404, 413, 422),
)
def create_token(
    data: JSONBody[NewToken], user: CurrentUser, conn: Db, request: Request[Any, Any, Any]
) -> CreatedToken:
    """Another token for a user, shown this once."""
    token_id, token = users.issue_token(conn, data.user_id, by=admin_actor(user, request))
    return CreatedToken(token_id, data.user_id, token)


@delete(
    "/api/v1/tokens/{token_id:int}",
    status_code=HTTP_204_NO_CONTENT,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404),
)
def revoke_token(
    token_id: IdPath, user: CurrentUser, conn: Db, request: Request[Any, Any, Any]
) -> None:
    """Revoke a token; it stops working at once."""
    users.revoke(conn, token_id, by=admin_actor(user, request))


handlers = [create_user, create_token, revoke_token]
