"""Console passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106's second choice),
and what a password must be."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from appliance.errors import Invalid

MIN_LENGTH = 12
# argon2 hashes any length, but a megabyte-long "password" is a way to burn CPU.
MAX_LENGTH = 256
_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs as long as a wrong password.
_DECOY = _hasher.hash("decoy password, never anyone's")


def checked(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise Invalid(f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters")
    if password.strip() != password:
        raise Invalid("a password may not begin or end with white space")
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
