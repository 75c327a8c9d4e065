"""The API as it runs in production (`python -m appliance api`, two uvicorn processes):
many readers at once all get answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from appliance.settings import Settings
from tests import services
from tests.conftest import bearer
from tests.programs import appliance_programs, wait_for

READERS = 48  # six times the connections of an API process's pool


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _read(base: str, token: str, reads: int) -> list[int]:
    with httpx.Client(base_url=base, headers=bearer(token), timeout=20) as client:
        return [client.get("/api/v1/problems").status_code for _ in range(reads)]


def test_many_concurrent_readers_all_get_answers(
    settings: Settings, learner_token: str, tmp_path: Path
) -> None:
    port = services.free_port()
    base = f"http://127.0.0.1:{port}"
    with appliance_programs(settings, tmp_path, ARENA_API_PORT=str(port)) as start:
        start("api")
        wait_for(lambda: _up(base), 60, "the API")
        with ThreadPoolExecutor(READERS) as pool:
            answers = pool.map(lambda _: _read(base, learner_token, 10), range(READERS))
            statuses = [status for reader in answers for status in reader]
    # Before the pool was awaited off the event loop, the ninth waiting request blocked
    # the loop, no connection came back, and requests failed after 30 s with 500.
    assert statuses == [200] * READERS * 10
