"""Model endpoints' API keys at rest: sealed with AES-256-GCM under the appliance's model
key (ARENA_MODEL_KEY), bound to the endpoint they belong to, and fingerprinted with an HMAC
so that a change of key is a change of content without the key itself being hashed. Pure:
the nonce is an argument (`new_nonce` draws one at the edge).

A sealed key is one format byte, the 12-byte nonce, then the ciphertext with its tag. A key
is never logged nor returned: callers learn only whether an endpoint has one."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from appliance.errors import Conflict

FORMAT = b"\x01"
NONCE_BYTES = 12
# HMAC and AES are keyed with different keys derived from the one configured.
_SEAL_LABEL = b"arena model api key seal"
_FINGERPRINT_LABEL = b"arena model api key fingerprint"


class NoModelKey(Conflict):
    """The appliance has no model key (or not the one a key was sealed with)."""


def require(master: bytes | None) -> bytes:
    """The configured model key, or a refusal that says how to configure one."""
    if master is None:
        raise NoModelKey(
            "this appliance has no model key to encrypt API keys with: set ARENA_MODEL_KEY "
            "(or ARENA_MODEL_KEY_FILE) to 32 random bytes in base64, or register the "
            "endpoint without an API key"
        )
    return master


def _derived(master: bytes, label: bytes) -> bytes:
    return hmac.digest(master, label, hashlib.sha256)


def _context(endpoint: str) -> bytes:
    """Authenticated with the ciphertext: a key sealed for one endpoint opens for no other."""
    return b"model endpoint " + endpoint.encode()


def new_nonce() -> bytes:
    return os.urandom(NONCE_BYTES)


def seal(master: bytes, api_key: str, endpoint: str, nonce: bytes) -> bytes:
    aead = AESGCM(_derived(master, _SEAL_LABEL))
    return FORMAT + nonce + aead.encrypt(nonce, api_key.encode(), _context(endpoint))


def unseal(master: bytes, sealed: bytes, endpoint: str) -> str:
    """The key sealed for `endpoint`; NoModelKey when the configured key cannot open it."""
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        if sealed[:1] != FORMAT:
            raise InvalidTag
        plain = AESGCM(_derived(master, _SEAL_LABEL)).decrypt(nonce, body, _context(endpoint))
    except InvalidTag:
        raise NoModelKey(
            f"the API key of {endpoint!r} cannot be decrypted with the configured "
            "ARENA_MODEL_KEY (was the key changed?); register the endpoint's key again"
        ) from None
    return plain.decode()


def fingerprint(master: bytes, api_key: str) -> str:
    """Equal for equal keys under one model key, and useless without it."""
    return hmac.new(_derived(master, _FINGERPRINT_LABEL), api_key.encode(), "sha256").hexdigest()
