"""Where the client keeps the appliance's URL and the user's token: a JSON file only its
owner can read (0600, in a 0700 directory)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """No usable configuration: not logged in, or the file is unreadable."""


@dataclass(frozen=True)
class Config:
    url: str
    token: str


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """$ARENA_CONFIG, else ~/.config/arena/config.json."""
    if explicit := environ.get("ARENA_CONFIG"):
        return Path(explicit)
    return Path.home() / ".config" / "arena" / "config.json"


def load(path: Path) -> Config:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("not logged in: run `arena login --url URL` first") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("url", "token")
    ):
        raise ConfigError(f"{path} has no url and token: run `arena login --url URL` again")
    return Config(url=data["url"], token=data["token"])


def save(path: Path, config: Config) -> None:
    """Written to a private temporary file, then renamed, so the token is never readable
    by others, not even for a moment, and a crash leaves the old file whole."""
    _private_directory(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump({"url": config.url, "token": config.token}, file)
    os.chmod(temporary, 0o600)  # O_CREAT's mode is only used for a new file
    os.replace(temporary, path)


def _private_directory(directory: Path) -> None:
    """Created 0700 when missing; an existing directory is tightened only when it is the
    client's own (~/.config/arena), never a shared one such as /tmp."""
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        os.chmod(directory, 0o700)  # mkdir's mode is masked by the umask
    elif directory.name == "arena" and directory.stat().st_uid == os.getuid():
        os.chmod(directory, 0o700)
