"""Metrics exports (appliance/metrics/documents.py, routes.py, jobs.py) against the real
PostgreSQL, Redis and a worker context: the CSV read back with the csv module (every stored
snapshot, the gaps, the header block, the BOM, UTC and Seoul columns), the PDF read back
with pdftotext (Korean labels, the data's SHA-256, page numbers) and rendered with
pdftoppm, the job path with its expiring link, bad parameters, and the CLI."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import TestClient

from appliance import db
from appliance.__main__ import parser
from appliance.errors import ConfigurationError
from appliance.exports import documents, jobs
from appliance.exports import routes as export_routes
from appliance.metrics import queries
from appliance.metrics.histogram import Histogram
from appliance.settings import Settings
from tests.conftest import bearer, make_settings

# Midnight in Seoul on Sunday 30 March 2025, and two days of hourly buckets from there.
START = datetime(2025, 3, 29, 15, tzinfo=UTC)
END = START + timedelta(days=2)
HOURS = 48
METRICS = ("submissions", "judge_duration_p95")
# Buckets (hour numbers) never collected, per metric: the gaps the export must show.
MISSED = {"submissions": {5, 6}, "judge_duration_p95": {10}}
# A judge_duration_p95 bucket collected with no judged submission: n = 0, no value.
IDLE_HOUR = 20
LABELS = ("제출 수 / Submissions", "채점 시간 p95 / Judge duration p95")
NOW = END + timedelta(hours=3)


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        ARENA_DATA_DIR=str(tmp_path / "data"),
        ARENA_TIMEZONE="Asia/Seoul",
    )


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The routes' clock, moved by the test (a one-element list)."""
    now = [NOW]
    monkeypatch.setattr(export_routes, "clock", lambda: now[0])
    return now


def _snapshot(metric: str, at: datetime, values: list[float]) -> dict[str, Any]:
    if metric == "submissions":
        n = len(values)
        return _row(metric, at, float(n), n, float(n), 1.0 if n else None, 1.0 if n else None)
    histogram = Histogram.of(values)
    value = sorted(values)[int(len(values) * 0.95)] if values else None
    row = _row(metric, at, value, len(values), sum(values), histogram.minimum, histogram.maximum)
    return {**row, "histogram": histogram.to_json()}


def _row(
    metric: str, at: datetime, value: float | None, n: int, total: float, low: Any, high: Any
) -> dict[str, Any]:
    return {
        "metric": metric,
        "granularity": "hourly",
        "bucket_start": at,
        "value": value,
        "n": n,
        "sum": total,
        "min": low,
        "max": high,
        "histogram": None,
        "collected_at": at + timedelta(hours=1),
    }


def _values(metric: str, hour: int) -> list[float]:
    if metric == "judge_duration_p95" and hour == IDLE_HOUR:
        return []
    count = 1 + hour % 5
    return [100.0 + 37.5 * hour + 3.25 * i for i in range(count)]


@pytest.fixture
def stored(conn: db.Connection) -> dict[tuple[str, datetime], dict[str, Any]]:
    """Two days of snapshots of the two metrics with their gaps, and the two days before
    (the previous period of the KPI table's change)."""
    rows: dict[tuple[str, datetime], dict[str, Any]] = {}
    for metric in METRICS:
        for hour in range(-HOURS, HOURS):
            if hour in MISSED[metric]:
                continue
            at = START + timedelta(hours=hour)
            row = _snapshot(metric, at, _values(metric, abs(hour)))
            queries.upsert_snapshot(conn, row)
            if hour >= 0:
                rows[(metric, at)] = row
    conn.commit()
    return rows


def _query(export_format: str = "csv", **extra: str) -> dict[str, str]:
    return {
        "format": export_format,
        "metrics": ",".join(METRICS),
        "granularity": "hourly",
        "start": START.isoformat(),
        "end": END.isoformat(),
        **extra,
    }


def _csv_export(api: TestClient[Any], token: str, **extra: str) -> bytes:
    response = api.get("/api/v1/metrics/export", params=_query(**extra), headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        'filename="arena-metrics-hourly-2025-03-30-2025-03-31.csv"'
        in (response.headers["content-disposition"])
    )
    return response.content


def _parse(body: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    text = body.decode("utf-8")
    lines = text.splitlines()
    header = dict(line[2:].split(": ", 1) for line in lines if line.startswith("# "))
    body = "\n".join(line for line in lines if not line.startswith("#"))
    return header, list(csv.DictReader(io.StringIO(body)))


# -- CSV -------------------------------------------------------------------------------------


def test_the_csv_holds_every_snapshot_and_every_gap_of_the_range(
    api: TestClient[Any], admin_token: str, stored: dict[Any, dict[str, Any]], clock: Any
) -> None:
    body = _csv_export(api, admin_token)
    assert not body.startswith(documents.BOM.encode())
    header, rows = _parse(body)
    assert header["metrics"] == "submissions,judge_duration_p95"
    assert header["granularity"] == "hourly"
    assert (header["start"], header["end"]) == ("2025-03-29T15:00:00Z", "2025-03-31T15:00:00Z")
    assert header["timezone"] == "Asia/Seoul"
    assert header["app_version"]
    assert header["generated_at"] == "2025-03-31T18:00:00Z"
    assert int(header["rows"]) == len(rows) == len(METRICS) * HOURS
    assert list(rows[0]) == list(documents.CSV_COLUMNS)
    for row in rows:
        at = datetime.fromisoformat(row["bucket_start_utc"])
        snapshot = stored.get((row["metric"], at))
        hour = int((at - START) / timedelta(hours=1))
        if snapshot is None:
            assert hour in MISSED[row["metric"]]
            assert (row["value"], row["n"], row["min"], row["max"]) == ("", "", "", "")
            continue
        assert int(row["n"]) == snapshot["n"]
        for column, key in (("value", "value"), ("min", "min"), ("max", "max")):
            expected = snapshot[key]
            assert (float(row[column]) if row[column] else None) == expected, (row, column)
    idle = [r for r in rows if r["metric"] == "judge_duration_p95" and r["n"] == "0"]
    assert len(idle) == 1 and idle[0]["value"] == ""


def test_the_csv_gives_each_bucket_in_utc_and_in_the_display_zone(
    api: TestClient[Any], admin_token: str, stored: Any, clock: Any
) -> None:
    _, rows = _parse(_csv_export(api, admin_token))
    first = rows[0]
    assert first["bucket_start_utc"] == "2025-03-29T15:00:00Z"
    assert first["bucket_start_local"] == "2025-03-30T00:00:00+09:00"
    for row in rows:
        utc = datetime.fromisoformat(row["bucket_start_utc"])
        local = datetime.fromisoformat(row["bucket_start_local"])
        assert utc == local and local.utcoffset() == timedelta(hours=9)


def test_the_csv_starts_with_a_bom_only_when_asked(
    api: TestClient[Any], admin_token: str, stored: Any, clock: Any
) -> None:
    with_bom = _csv_export(api, admin_token, bom="1")
    assert with_bom.startswith(b"\xef\xbb\xbf# export: QA Arena metrics")
    assert with_bom[3:] == _csv_export(api, admin_token)


def test_the_csv_body_hash_in_its_header_is_the_hash_of_its_body(
    api: TestClient[Any], admin_token: str, stored: Any, clock: Any
) -> None:
    body = _csv_export(api, admin_token)
    header, _ = _parse(body)
    data = b"".join(line for line in body.splitlines(keepends=True) if not line.startswith(b"#"))
    assert hashlib.sha256(data).hexdigest() == header["body_sha256"]


def test_daily_buckets_start_at_midnight_in_the_display_zone(
    api: TestClient[Any], admin_token: str, conn: db.Connection, clock: Any
) -> None:
    day = {**_snapshot("submissions", START, [1.0, 2.0]), "granularity": "daily"}
    queries.upsert_snapshot(conn, day)
    conn.commit()
    response = api.get(
        "/api/v1/metrics/export",
        params=_query(granularity="daily", metrics="submissions"),
        headers=bearer(admin_token),
    )
    _, rows = _parse(response.content)
    assert [(r["bucket_start_utc"], r["bucket_start_local"], r["value"]) for r in rows] == [
        ("2025-03-29T15:00:00Z", "2025-03-30T00:00:00+09:00", "2.0"),
        ("2025-03-30T15:00:00Z", "2025-03-31T00:00:00+09:00", ""),
    ]


# -- bad requests ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"metrics": "submissions,nonsense"}, "unknown metric"),
        ({"format": "xlsx"}, "format"),
        ({"granularity": "weekly"}, "granularity"),
        ({"start": "2025-03-29T15:00:00"}, "time zone"),
        ({"start": END.isoformat(), "end": START.isoformat()}, "before"),
        ({"metrics": "submissions\x00"}, "metrics"),
        ({"start": "2025-03-29T15:00:00Z\x00"}, "start"),
        ({"start": "2020-01-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"}, "at most"),
        ({"start": "0001-01-01T00:00:00Z"}, "years"),
        ({"bom": "maybe"}, "bom"),
    ],
)
def test_a_bad_parameter_is_a_400_with_the_error_envelope(
    api: TestClient[Any], admin_token: str, change: dict[str, str], says: str
) -> None:
    response = api.get(
        "/api/v1/metrics/export", params={**_query(), **change}, headers=bearer(admin_token)
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["type"] == "bad_request" and body["request_id"]
    assert says in body["detail"].lower()


def test_a_range_past_the_hourly_limit_is_refused(api: TestClient[Any], admin_token: str) -> None:
    end = START + documents.MAX_RANGE["hourly"] + timedelta(hours=1)
    response = api.get(
        "/api/v1/metrics/export", params=_query(end=end.isoformat()), headers=bearer(admin_token)
    )
    assert response.status_code == 400 and "93 days" in response.json()["detail"]


def test_learners_and_authors_may_not_export(
    api: TestClient[Any], learner_token: str, author_token: str
) -> None:
    for token in (learner_token, author_token):
        response = api.get("/api/v1/metrics/export", params=_query(), headers=bearer(token))
        assert response.status_code == 403 and response.json()["type"] == "forbidden"
        link = api.get(f"/api/v1/metrics/exports/{'0' * 32}", headers=bearer(token))
        assert link.status_code == 403


# -- the job path and the PDF --------------------------------------------------------------


def _queue(api: TestClient[Any], token: str, **extra: str) -> dict[str, Any]:
    response = api.get("/api/v1/metrics/export", params=_query(**extra), headers=bearer(token))
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert job["download_url"] == f"/api/v1/metrics/exports/{job['id']}"
    assert datetime.fromisoformat(job["expires_at"]) == NOW + timedelta(hours=1)
    return job


def _pdf_text(path: Path, *options: str) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", *options, str(path), "-"], capture_output=True, check=True
    )
    return result.stdout.decode()


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]


def test_a_pdf_export_is_made_by_a_worker_and_read_back_in_korean(
    api: TestClient[Any],
    admin_token: str,
    stored: Any,
    clock: Any,
    drain: Any,
    settings: Settings,
    tmp_path: Path,
) -> None:
    job = _queue(api, admin_token, export_format="pdf")
    assert job["format"] == "pdf" and job["rows"] == len(METRICS) * HOURS
    pending = api.get(job["download_url"], headers=bearer(admin_token))
    assert pending.status_code == 202 and pending.headers["retry-after"]
    drain()
    response = api.get(job["download_url"], headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert (
        "arena-metrics-hourly-2025-03-30-2025-03-31.pdf"
        in (response.headers["content-disposition"])
    )
    report = tmp_path / "report.pdf"
    report.write_bytes(response.content)

    text = _pdf_text(report)
    for label in (*LABELS, "지표 보고서 / Metrics report", "핵심 지표 / Key figures"):
        assert label in text, label
    header, _ = _parse(_csv_export(api, admin_token))
    assert header["body_sha256"] in text
    pages = _pages(report)
    assert pages > 1
    for page in range(1, pages + 1):
        on_page = _pdf_text(report, "-f", str(page), "-l", str(page))
        assert f"쪽 / Page {page} / {pages}" in on_page
    charts = next(
        page
        for page in range(1, pages + 1)
        if "차트 / Charts" in _pdf_text(report, "-f", str(page), "-l", str(page))
    )
    for page in (1, charts):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(report),
                str(tmp_path / f"page-{page}"),
            ],
            check=True,
        )
        assert (tmp_path / f"page-{page}.png").stat().st_size > 10_000


def test_an_export_link_answers_for_an_hour_then_404_and_the_files_are_deleted(
    api: TestClient[Any],
    admin_token: str,
    stored: Any,
    clock: list[datetime],
    drain: Any,
    settings: Settings,
) -> None:
    job = _queue(api, admin_token, export_format="pdf")
    drain()
    directory = jobs.directory_of(settings)
    assert sorted(p.suffix for p in directory.iterdir()) == [".json", ".pdf"]
    clock[0] = NOW + timedelta(minutes=59)
    assert api.get(job["download_url"], headers=bearer(admin_token)).status_code == 200
    assert jobs.delete_expired_exports(directory, clock[0]) == 0
    clock[0] = NOW + timedelta(hours=1)
    gone = api.get(job["download_url"], headers=bearer(admin_token))
    assert gone.status_code == 404 and gone.json()["type"] == "not_found"
    assert jobs.delete_expired_exports(directory, clock[0]) == 2
    assert list(directory.iterdir()) == []


def test_an_unknown_export_link_is_a_404(api: TestClient[Any], admin_token: str) -> None:
    response = api.get(f"/api/v1/metrics/exports/{'ab' * 16}", headers=bearer(admin_token))
    assert response.status_code == 404


def test_a_csv_beyond_the_row_threshold_is_made_by_a_worker_with_the_same_body(
    api: TestClient[Any], admin_token: str, stored: Any, clock: Any, drain: Any
) -> None:
    start = END - timedelta(days=90)
    job = _queue(api, admin_token, start=start.isoformat(), metrics="")
    assert job["rows"] == 7 * 90 * 24 > export_routes.SYNC_ROWS
    drain()
    response = api.get(job["download_url"], headers=bearer(admin_token))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header, rows = _parse(response.content)
    assert int(header["rows"]) == len(rows) == job["rows"]
    assert {(r["metric"], r["bucket_start_utc"]) for r in rows if r["value"]} >= {
        (metric, at.isoformat().replace("+00:00", "Z"))
        for metric, at in stored
        if stored[(metric, at)]["value"] is not None
    }


def test_the_cleanup_deletes_what_a_dead_write_left_once_it_is_an_hour_old(
    tmp_path: Path,
) -> None:
    partial = tmp_path / f".{'c' * 32}.pdf.partial"
    partial.write_bytes(b"%PDF")
    written = datetime.fromtimestamp(partial.stat().st_mtime, UTC)
    assert jobs.delete_expired_exports(tmp_path, written + timedelta(minutes=30)) == 0
    assert jobs.delete_expired_exports(tmp_path, written + timedelta(hours=1)) == 1
    assert jobs.delete_expired_exports(tmp_path / "never-made", written) == 0


def test_the_pdf_names_the_missing_font_package() -> None:
    request = documents.check_request("pdf", None, "daily", START, END, ZoneInfo("UTC"))
    data = documents.ExportData(request, {}, {})
    with pytest.raises(ConfigurationError, match="fonts-nanum"):
        documents.pdf_bytes(data, NOW, "0", font_dir=Path("/nonexistent-fonts"))


# -- the CLI ---------------------------------------------------------------------------------


def _without_generation_time(body: bytes) -> list[bytes]:
    return [line for line in body.splitlines() if not line.startswith(b"# generated_at:")]


def test_the_cli_writes_the_same_csv_as_the_api(
    api: TestClient[Any],
    admin_token: str,
    stored: Any,
    clock: Any,
    settings: Settings,
    tmp_path: Path,
) -> None:
    output = tmp_path / "cli.csv"
    args = parser().parse_args(
        [
            "metrics",
            "export",
            "--format",
            "csv",
            "--metrics",
            ",".join(METRICS),
            "--granularity",
            "hourly",
            "--start",
            START.isoformat(),
            "--end",
            END.isoformat(),
            "--bom",
            "--output",
            str(output),
        ]
    )
    assert args.run(settings, args) == 0
    from_api = _csv_export(api, admin_token, bom="1")
    assert _without_generation_time(output.read_bytes()) == _without_generation_time(from_api)


def test_the_cli_writes_a_pdf_whose_text_matches_the_api_s(
    api: TestClient[Any],
    admin_token: str,
    stored: Any,
    clock: Any,
    drain: Any,
    settings: Settings,
    tmp_path: Path,
) -> None:
    output = tmp_path / "cli.pdf"
    args = parser().parse_args(
        [
            "metrics",
            "export",
            "--format",
            "pdf",
            "--metrics",
            ",".join(METRICS),
            "--granularity",
            "hourly",
            "--start",
            START.isoformat(),
            "--end",
            END.isoformat(),
            "--output",
            str(output),
        ]
    )
    assert args.run(settings, args) == 0
    job = _queue(api, admin_token, export_format="pdf")
    drain()
    from_api = tmp_path / "api.pdf"
    from_api.write_bytes(api.get(job["download_url"], headers=bearer(admin_token)).content)

    def text(path: Path) -> list[str]:
        return [line for line in _pdf_text(path).splitlines() if "생성 시각" not in line]

    assert text(output) == text(from_api)


def test_the_cli_refuses_a_naive_start(settings: Settings, tmp_path: Path) -> None:
    args = parser().parse_args(
        [
            "metrics",
            "export",
            "--format",
            "csv",
            "--granularity",
            "daily",
            "--start",
            "2025-03-01T00:00:00",
            "--end",
            END.isoformat(),
            "--output",
            str(tmp_path / "x.csv"),
        ]
    )
    assert args.run(settings, args) == 2
    assert not (tmp_path / "x.csv").exists()


@pytest.fixture(autouse=True)
def _poppler() -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.fail("poppler-utils is required (ops/install-host.sh --dev installs it)")
