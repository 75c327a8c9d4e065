"""API keys at rest: AES-256-GCM sealed for one endpoint, opened only with the same model
key and endpoint; fingerprints equal for equal keys."""

from __future__ import annotations

import pytest

from appliance.errors import Conflict
from appliance.models import keys

MASTER = bytes(range(32))
OTHER = bytes(32)
NONCE = bytes(12)


def test_a_sealed_key_opens_with_the_same_model_key_and_endpoint() -> None:
    sealed = keys.seal(MASTER, "sk-secret", "coder", NONCE)
    assert b"sk-secret" not in sealed
    assert len(sealed) == 1 + 12 + len("sk-secret") + 16
    assert keys.unseal(MASTER, sealed, "coder") == "sk-secret"


@pytest.mark.parametrize(("master", "endpoint"), [(OTHER, "coder"), (MASTER, "other")])
def test_a_sealed_key_does_not_open_with_another_model_key_or_endpoint(
    master: bytes, endpoint: str
) -> None:
    sealed = keys.seal(MASTER, "sk-secret", "coder", NONCE)
    with pytest.raises(keys.NoModelKey, match="cannot be decrypted") as refused:
        keys.unseal(master, sealed, endpoint)
    assert "sk-secret" not in refused.value.detail


def test_a_tampered_key_does_not_open() -> None:
    sealed = bytearray(keys.seal(MASTER, "sk-secret", "coder", NONCE))
    sealed[-1] ^= 1
    with pytest.raises(keys.NoModelKey):
        keys.unseal(MASTER, bytes(sealed), "coder")


def test_fresh_nonces_make_each_seal_different() -> None:
    first = keys.seal(MASTER, "sk-secret", "coder", keys.new_nonce())
    second = keys.seal(MASTER, "sk-secret", "coder", keys.new_nonce())
    assert first != second


def test_fingerprints_tell_keys_apart_without_holding_them() -> None:
    assert keys.fingerprint(MASTER, "a") == keys.fingerprint(MASTER, "a")
    assert keys.fingerprint(MASTER, "a") != keys.fingerprint(MASTER, "b")
    assert keys.fingerprint(MASTER, "a") != keys.fingerprint(OTHER, "a")
    assert len(keys.fingerprint(MASTER, "a")) == 64


def test_without_a_model_key_a_key_is_refused_with_how_to_configure_one() -> None:
    with pytest.raises(Conflict, match="ARENA_MODEL_KEY"):
        keys.require(None)
    assert keys.require(MASTER) == MASTER
