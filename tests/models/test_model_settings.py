"""The models' settings: the model key (32 bytes in base64, from the environment or a file,
never shown), the host allow-list and the request timeout."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from appliance.errors import ConfigurationError
from appliance.settings import from_env

KEY = base64.b64encode(b"k" * 32).decode()


def test_without_model_settings_there_is_no_key_no_allow_list_and_a_long_timeout() -> None:
    settings = from_env({})
    assert (settings.model_key, settings.model_hosts) == (None, ())
    assert settings.model_timeout_seconds == 300.0


def test_the_model_key_comes_from_the_environment_or_a_file(tmp_path: Path) -> None:
    assert from_env({"ARENA_MODEL_KEY": KEY}).model_key == b"k" * 32
    secret = tmp_path / "model-key"
    secret.write_text(KEY + "\n")
    settings = from_env({"ARENA_MODEL_KEY_FILE": str(secret)})
    assert settings.model_key == b"k" * 32
    assert KEY not in repr(settings) and "kkkk" not in repr(settings)


@pytest.mark.parametrize(
    "value", [base64.b64encode(b"k" * 16).decode(), "not base64!", KEY + "AAAA"]
)
def test_a_model_key_that_is_not_32_bytes_in_base64_is_refused_unshown(value: str) -> None:
    with pytest.raises(ConfigurationError, match="ARENA_MODEL_KEY must be 32 bytes") as bad:
        from_env({"ARENA_MODEL_KEY": value})
    assert value not in bad.value.detail


def test_the_allow_list_takes_host_names_and_networks() -> None:
    settings = from_env({"ARENA_MODEL_HOSTS": " GPU1.corp.example, 100.64.0.0/10 ,,10.9.9.9"})
    assert settings.model_hosts == ("gpu1.corp.example", "100.64.0.0/10", "10.9.9.9")
    with pytest.raises(ConfigurationError, match="host names or networks, got 'http://x'"):
        from_env({"ARENA_MODEL_HOSTS": "http://x"})


def test_the_model_timeout_is_a_positive_number_of_seconds() -> None:
    assert from_env({"ARENA_MODEL_TIMEOUT_SECONDS": "2.5"}).model_timeout_seconds == 2.5
    with pytest.raises(ConfigurationError, match="ARENA_MODEL_TIMEOUT_SECONDS"):
        from_env({"ARENA_MODEL_TIMEOUT_SECONDS": "0"})
