"""Console passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106's second choice),
and what a password must be."""

from __future__ import annotations

from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from appliance.errors import Invalid

MIN_LENGTH = 12
# argon2 hashes any length, but a megabyte-long "password" is a way to burn CPU.
MAX_LENGTH = 256
_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs as long as a wrong password.
_DECOY = _hasher.hash("decoy password, never anyone's")


# What can be wrong with a password; the console words each in the user's language.
Problem = Literal["length", "space"]
_MESSAGES: dict[Problem, str] = {
    "length": f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters",
    "space": "a password may not begin or end with white space",
}


def problem(password: str) -> Problem | None:
    """What is wrong with `password`, None when it is acceptable."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return "length"
    if password.strip() != password:
        return "space"
    return None


def checked(password: str) -> str:
    found = problem(password)
    if found is not None:
        raise Invalid(_MESSAGES[found])
    return password


def hashed(password: str) -> str:
    return _hasher.hash(checked(password))


def matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed; a missing hash never matches (but takes the
    same time)."""
    try:
        return _hasher.verify(password_hash or _DECOY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
