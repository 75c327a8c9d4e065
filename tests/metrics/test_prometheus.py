"""Per-model latency pulled from a real Prometheus (Debian's `prometheus`, run here on a
loopback port with a 1 s scrape interval) scraping an exporter this module runs: a
histogram in seconds with a `model` label, "fast" and "slow" observed after Prometheus's
first scrape, "idle" only before it (so no new requests in any range: Prometheus answers
NaN). `python -m appliance metrics collect` stores what histogram_quantile gives; the API
reads it back."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from prometheus_client import CollectorRegistry, Histogram, start_http_server

from appliance import db
from appliance.__main__ import main
from appliance.settings import Settings, load
from tests.conftest import bearer

METRIC = "llm_request_duration_seconds"
BOUNDS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
# Known distributions, in seconds: evenly spread over [0.02, 0.42) and [0.6, 2.6).
OBSERVED = {
    "fast": [0.02 + 0.4 * i / 400 for i in range(400)],
    "slow": [0.6 + 2.0 * i / 400 for i in range(400)],
}
IDLE = [0.3] * 50
READY_WITHIN_S = 45.0
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def query(url: str, expression: str) -> list[Any]:
    """An instant query, for waiting on Prometheus (the code under test has its own)."""
    address = f"{url}/api/v1/query?{urllib.parse.urlencode({'query': expression})}"
    with NO_PROXY.open(address, timeout=5) as response:
        return list(json.load(response)["data"]["result"])


def wait_until(what: str, check: Any) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.3)
    pytest.fail(f"Prometheus did not get {what} within {READY_WITHIN_S} s")


def histogram_quantile(q: float, values: list[float]) -> float:
    """What Prometheus's histogram_quantile gives for `values` observed into BOUNDS:
    linear interpolation within the bucket holding the rank (the first from 0)."""
    cumulative = [sum(v <= bound for v in values) for bound in BOUNDS]
    rank = q * len(values)
    b = next(i for i, count in enumerate(cumulative) if count >= rank)
    start, below = (0.0, 0) if b == 0 else (BOUNDS[b - 1], cumulative[b - 1])
    return start + (BOUNDS[b] - start) * (rank - below) / (cumulative[b] - below)


def true_quantile(q: float, values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


@pytest.fixture(scope="module")
def exporter() -> Iterator[tuple[int, Histogram]]:
    registry = CollectorRegistry()
    histogram = Histogram(
        METRIC, "LLM request duration", ["model"], buckets=BOUNDS, registry=registry
    )
    for value in IDLE:
        histogram.labels(model="idle").observe(value)
    for model in OBSERVED:
        histogram.labels(model=model)  # exported at 0 from the first scrape on
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield port, histogram
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def prometheus_url(
    exporter: tuple[int, Histogram], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real Prometheus that has scraped the exporter before and after the requests of
    "fast" and "slow"."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("the prometheus binary is required (ops/install-host.sh --dev installs it)")
    exporter_port, histogram = exporter
    home = tmp_path_factory.mktemp("prometheus")
    config = home / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: llm\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{exporter_port}']\n"
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (home / "log").open("wb") as log:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={home / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until("a first scrape", lambda: len(query(url, f"{METRIC}_count")) == 3)
        for model, values in OBSERVED.items():
            for value in values:
                histogram.labels(model=model).observe(value)
        scraped = f'{METRIC}_count{{model="slow"}} == {len(OBSERVED["slow"])}'
        wait_until("a scrape after the requests", lambda: len(query(url, scraped)) == 1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test database as `python -m appliance` reads it, with a day of retention so the
    snapshot collection has little to fill."""
    monkeypatch.setenv("ARENA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ARENA_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("ARENA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ARENA_METRICS_HOURLY_RETENTION_DAYS", "1")
    monkeypatch.setenv("ARENA_METRICS_DAILY_RETENTION_DAYS", "2")
    for name in ("ARENA_PROMETHEUS_URL", "ARENA_PROMETHEUS_METRIC"):
        monkeypatch.delenv(name, raising=False)
    load.cache_clear()
    yield
    load.cache_clear()


def collect(*options: str) -> int:
    return main(["metrics", "collect", *options])


def stored(conn: db.Connection, window_s: int) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        "SELECT model, p50_ms, p95_ms, p99_ms, count FROM model_latency_samples"
        " WHERE window_s = %s",
        (window_s,),
    ).fetchall()
    return {row.pop("model"): row for row in rows}


@pytest.mark.usefixtures("environment")
def test_collect_stores_each_models_quantiles_as_prometheus_computes_them(
    prometheus_url: str, conn: db.Connection, capsys: pytest.CaptureFixture[str]
) -> None:
    assert collect("--prometheus-url", prometheus_url, "--metric-name", METRIC) == 0
    out = capsys.readouterr().out
    assert "snapshots:" in out and "latency rollups:" in out and "fast over 5m" in out
    for window_s in (300, 3600, 86400, 7 * 86400):
        samples = stored(conn, window_s)
        assert set(samples) == {"fast", "slow", "idle"}
        for model, values in OBSERVED.items():
            for name, q in (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99)):
                got = samples[model][name]
                assert got == pytest.approx(histogram_quantile(q, values) * 1000, rel=1e-6)
                width = max(b - a for a, b in zip((0.0, *BOUNDS), BOUNDS, strict=False))
                assert abs(got - true_quantile(q, values) * 1000) <= width * 1000
            # increase() extrapolates to the range's end, by up to the scrape interval: over
            # the true count, by much while Prometheus has only seconds of samples.
            assert len(values) <= samples[model]["count"] < 3 * len(values)


@pytest.mark.usefixtures("environment")
def test_a_model_without_requests_in_the_range_is_stored_as_null_not_nan_or_zero(
    prometheus_url: str, conn: db.Connection
) -> None:
    assert collect("--prometheus-url", prometheus_url, "--metric-name", METRIC) == 0
    idle = stored(conn, 300)["idle"]
    assert idle == {"p50_ms": None, "p95_ms": None, "p99_ms": None, "count": 0.0}


@pytest.mark.usefixtures("environment")
def test_the_api_lists_the_models_newest_samples_and_their_history(
    prometheus_url: str, api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    assert collect("--prometheus-url", prometheus_url, "--metric-name", METRIC) == 0
    expected = stored(conn, 300)
    response = api.get(
        "/api/v1/metrics/latency",
        params={"by": "model", "window": "5m"},
        headers=bearer(admin_token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    items = {item["key"]: item for item in body["items"]}
    assert set(items) == {"fast", "slow", "idle"} and body["exact"] is False
    assert items["fast"]["p95_ms"] == expected["fast"]["p95_ms"]
    assert (items["fast"]["level"], items["slow"]["level"]) == ("good", "danger")
    assert not any(item["stale"] for item in items.values())
    assert items["idle"] | {"newest_at": None} == {
        "key": "idle",
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "count": 0,
        "newest_at": None,
        "stale": False,
        "level": None,
    }
    history = api.get(
        "/api/v1/metrics/latency/history",
        params={"by": "model", "key": "slow", "hours": 3},
        headers=bearer(admin_token),
    ).json()
    assert [p["p99_ms"] for p in history["points"]][-1] == stored(conn, 3600)["slow"]["p99_ms"]
    assert [p["p99_ms"] for p in history["points"]][:-1] == [None, None]


def test_a_window_prometheus_is_not_asked_for_is_a_400(
    api: TestClient[Any], admin_token: str
) -> None:
    response = api.get(
        "/api/v1/metrics/latency",
        params={"by": "model", "window": "30d"},
        headers=bearer(admin_token),
    )
    assert response.status_code == 400 and "5m, 1h, 24h, 7d" in response.text


@pytest.mark.usefixtures("environment")
def test_an_unreachable_prometheus_is_a_clear_error_and_status_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert collect("--prometheus-url", url, "--metric-name", METRIC) == 1
    err = capsys.readouterr().err
    assert f"error: Prometheus at {url} cannot be reached" in err and "Traceback" not in err


@pytest.mark.usefixtures("environment")
def test_a_metric_prometheus_does_not_have_is_a_clear_error(
    prometheus_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert collect("--prometheus-url", prometheus_url, "--metric-name", "no_such_seconds") == 1
    assert "has no series no_such_seconds_bucket" in capsys.readouterr().err


@pytest.mark.usefixtures("environment")
def test_a_server_that_is_not_prometheus_is_a_clear_error(
    exporter: tuple[int, Histogram], capsys: pytest.CaptureFixture[str]
) -> None:
    # The exporter answers every path with its text exposition, not the API's JSON.
    url = f"http://127.0.0.1:{exporter[0]}"
    assert collect("--prometheus-url", url, "--metric-name", METRIC) == 1
    assert "answered something that is not its API's JSON" in capsys.readouterr().err


@pytest.mark.usefixtures("environment")
def test_an_http_error_names_the_status_and_prometheus_s_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from threading import Thread

    class Overloaded(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"status":"error","errorType":"unavailable","error":"too many queries"}'
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Overloaded)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert collect("--prometheus-url", url, "--metric-name", METRIC) == 1
    finally:
        server.shutdown()
        server.server_close()
    assert "answered HTTP 503: too many queries" in capsys.readouterr().err


def test_the_url_and_the_metric_name_are_checked_before_anything_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert collect("--prometheus-url", "ftp://x", "--metric-name", "a-b") == 1
    err = capsys.readouterr().err
    assert "--prometheus-url must be an http(s) URL" in err
    assert "--metric-name must be a Prometheus metric name" in err
