"""The latency page (being built)."""

from __future__ import annotations

from ui.console import Console


def register(console: Console) -> None:
    del console
