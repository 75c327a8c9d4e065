"""My service reads its timeout from the environment or from a config file."""

import pytest
import target

DEFAULT = "30s"


def timeout_from_env(environ):
    return target.parse_duration(environ.get("SERVICE_TIMEOUT", DEFAULT))


def timeout_from_file(path):
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "timeout":
            return target.parse_duration(value.strip())
    return target.parse_duration(DEFAULT)


def test_env_value(monkeypatch):
    import os

    monkeypatch.setenv("SERVICE_TIMEOUT", "1h30m")
    assert timeout_from_env(os.environ) == 5400


def test_env_default(monkeypatch):
    import os

    monkeypatch.delenv("SERVICE_TIMEOUT", raising=False)
    assert timeout_from_env(os.environ) == 30


def test_config_file(tmp_path):
    config = tmp_path / "service.conf"
    config.write_text("name = api\ntimeout = 2d12h\n")
    assert timeout_from_file(config) == 2 * 86400 + 12 * 3600


def test_bad_env_value(monkeypatch):
    import os

    monkeypatch.setenv("SERVICE_TIMEOUT", "1H")
    with pytest.raises(ValueError):
        timeout_from_env(os.environ)
