"""Metrics exports an operator can hand on (issue 8): a CSV in long format and a PDF report
readable in Korean. Pure: the snapshots, the clock and the font's place are arguments; the
route, the job and the CLI (routes.py, jobs.py, __main__.py) read the database and write
the bytes.

The CSV has one row per metric and bucket of the range, the missed buckets included with
empty cells, so a gap shows as a gap; it is never downsampled. A block of `#` lines before
it states the parameters, the app version, the generation time, the row count and the
SHA-256 of the body (the lines after the block). The PDF prints that same SHA-256: the
CSV of the same parameters lets a reader check that the report shows the data it claims.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Image,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from appliance.errors import ConfigurationError
from appliance.metrics.compare import change_percent
from appliance.metrics.histogram import merge_all
from appliance.metrics.lttb import downsample
from appliance.metrics.percentiles import P50, P95, P99, quantile_of_sorted
from appliance.metrics.periods import Span, bucket_starts
from appliance.metrics.summary import Summary
from appliance.vocabulary import (
    EXPORT_FORMATS,
    GRANULARITIES,
    METRICS,
    ExportFormat,
    Granularity,
    Metric,
)

MEDIA_TYPES: Mapping[ExportFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
# The longest range one export covers: a quarter of hours (past the 30 days kept by
# default) or a year of days. Beyond it a report is no longer something to read.
MAX_RANGE: Mapping[Granularity, timedelta] = {
    "hourly": timedelta(days=93),
    "daily": timedelta(days=366),
}
# Moments outside these years are typing mistakes, and far ones would overflow the
# previous period's arithmetic.
FIRST_YEAR, LAST_YEAR = 2000, 2200
# A chart has at most this many points (LTTB keeps the extremes and the gaps).
CHART_POINTS = 1000
FONT_DIR = Path("/usr/share/fonts/truetype/nanum")
FONT, FONT_BOLD = "NanumGothic", "NanumGothicBold"
BOM = "\ufeff"
# RFC 4180's line end, which Excel and the csv module both read.
NEWLINE = "\r\n"
CSV_COLUMNS = (
    "metric",
    "granularity",
    "bucket_start_utc",
    "bucket_start_local",
    "value",
    "n",
    "min",
    "max",
)


# -- what an export is of ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    format: ExportFormat
    metrics: tuple[Metric, ...]
    granularity: Granularity
    start: datetime
    end: datetime
    zone: ZoneInfo
    bom: bool = False

    @property
    def previous(self) -> Span:
        """The range of the same length just before this one: what the KPI table's change
        is measured against."""
        return Span(self.start - (self.end - self.start), self.start)

    def bucket_starts(self) -> list[datetime]:
        return bucket_starts(self.start, self.end, self.granularity, self.zone)

    def row_count(self) -> int:
        """The CSV's data rows, known before a single snapshot is read."""
        return len(self.metrics) * len(self.bucket_starts())


Snapshots = Mapping[Metric, Mapping[datetime, Summary]]


@dataclass(frozen=True)
class ExportData:
    """The snapshots of the range asked for, and of the range before it."""

    request: ExportRequest
    current: Snapshots
    previous: Snapshots


def check_request(
    export_format: str,
    metrics: str | None,
    granularity: str,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    bom: bool = False,
) -> ExportRequest:
    """The request the parameters describe; ValueError saying what is wrong otherwise.
    `metrics` is a comma-separated list (repeats dropped); None or empty means all."""
    if export_format not in EXPORT_FORMATS:
        raise ValueError(
            f"format must be one of {', '.join(EXPORT_FORMATS)}, not {export_format!r}"
        )
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")
    for name, moment in (("start", start), ("end", end)):
        _check_moment(name, moment)
    if not start < end:
        raise ValueError("start must be before end")
    longest = MAX_RANGE[granularity]
    if end - start > longest:
        raise ValueError(f"a {granularity} export covers at most {longest.days} days")
    return ExportRequest(
        export_format,
        _metrics(metrics),
        granularity,
        start.astimezone(UTC),
        end.astimezone(UTC),
        zone,
        bom,
    )


def _check_moment(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must carry its time zone (e.g. 2025-03-01T00:00:00Z)")
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"{name} must lie between the years {FIRST_YEAR} and {LAST_YEAR}")


def _metrics(listed: str | None) -> tuple[Metric, ...]:
    names = [name.strip() for name in (listed or "").split(",") if name.strip()]
    unknown = [name for name in names if name not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric {unknown[0]!r}; known: {', '.join(METRICS)}")
    return tuple(dict.fromkeys(names)) if names else METRICS  # type: ignore[arg-type]


# -- CSV -----------------------------------------------------------------------------------


def csv_lines(data: ExportData, generated_at: datetime, version: str) -> Iterator[str]:
    """The CSV export line by line: the `#` block, then the body."""
    generated_at = generated_at.replace(microsecond=0)
    yield from _header_block(data, generated_at, version, body_sha256(data))
    yield from _body_lines(data)


def body_sha256(data: ExportData) -> str:
    """The SHA-256 of the CSV body (its bytes in UTF-8, no BOM): what the PDF prints.
    Check a CSV file with `grep -v '^#' FILE | sha256sum` (a BOM'd file: strip it first)."""
    digest = hashlib.sha256()
    for line in _body_lines(data):
        digest.update(line.encode())
    return digest.hexdigest()


def _header_block(
    data: ExportData, generated_at: datetime, version: str, sha256: str
) -> Iterator[str]:
    request = data.request
    fields = {
        "export": "QA Arena metrics",
        "app_version": version,
        "generated_at": _utc_text(generated_at),
        "metrics": ",".join(request.metrics),
        "granularity": request.granularity,
        "start": _utc_text(request.start),
        "end": _utc_text(request.end),
        "timezone": request.zone.key,
        "rows": str(request.row_count()),
        "body_sha256": sha256,
        "gaps": "a bucket never collected has a row with empty value, n, min and max",
        "empty_value": "a collected bucket with n = 0 has no value either (nothing to measure)",
    }
    first = BOM if request.bom else ""
    for key, text in fields.items():
        yield f"{first}# {key}: {text}{NEWLINE}"
        first = ""


def _body_lines(data: ExportData) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=NEWLINE)
    for row in chain([CSV_COLUMNS], _data_rows(data)):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _data_rows(data: ExportData) -> Iterator[tuple[object, ...]]:
    request = data.request
    starts = request.bucket_starts()
    for metric in request.metrics:
        stored = data.current.get(metric, {})
        for start in starts:
            yield _row(metric, request, start, stored.get(start))


def _row(
    metric: Metric, request: ExportRequest, start: datetime, snapshot: Summary | None
) -> tuple[object, ...]:
    place = (metric, request.granularity, _utc_text(start), _local_text(start, request.zone))
    if snapshot is None:
        return (*place, "", "", "", "")
    return (
        *place,
        _number(snapshot.value),
        snapshot.n,
        _number(snapshot.minimum),
        _number(snapshot.maximum),
    )


def _number(value: float | None) -> str:
    # repr is the shortest text that reads back as the same float.
    return "" if value is None else repr(float(value))


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _local_text(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def file_name(request: ExportRequest) -> str:
    """What the download is called: the range's local dates, end excluded."""
    first = request.start.astimezone(request.zone).date()
    last = (request.end - timedelta(microseconds=1)).astimezone(request.zone).date()
    return f"arena-metrics-{request.granularity}-{first}-{last}.{request.format}"


# -- KPIs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    korean: str
    english: str
    unit: str

    @property
    def both(self) -> str:
        return f"{self.korean} / {self.english}"


# The report's words until the console's i18n catalogs exist (DESIGN.md 12: ui/i18n).
LABELS: Mapping[Metric, Label] = {
    "submissions": Label("제출 수", "Submissions", "건 / count"),
    "active_users": Label("활성 사용자", "Active users", "명 / users"),
    "judge_duration_p95": Label("채점 시간 p95", "Judge duration p95", "ms"),
    "queue_wait_p95": Label("대기 시간 p95", "Queue wait p95", "ms"),
    "success_rate": Label("성공률", "Success rate", "%"),
    "error_rate": Label("오류율", "Error rate", "%"),
    "mean_score": Label("평균 점수", "Mean score", "점 / points"),
}
TEXT: Mapping[str, str] = {
    "title": "지표 보고서 / Metrics report",
    "metrics": "지표 / Metrics",
    "granularity": "단위 / Granularity",
    "hourly": "시간별 / hourly",
    "daily": "일별 / daily",
    "range": "기간 / Range",
    "previous": "비교 기간 / Previous period",
    "timezone": "표시 시간대 / Display time zone",
    "rows": "데이터 행 / Data rows",
    "gaps": "누락 구간 / Missed buckets",
    "generated": "생성 시각 / Generated at",
    "version": "앱 버전 / App version",
    "sha256": "데이터 SHA-256 / Data SHA-256",
    "sha256_note": "CSV 본문(# 줄 제외)의 SHA-256 / SHA-256 of the CSV body of the same"
    " export (the lines not starting with #): grep -v '^#' FILE.csv | sha256sum",
    "kpi": "핵심 지표 / Key figures",
    "kpi_note": "구간 값의 통계; 변화는 바로 앞 같은 길이 기간 대비 / Statistics of the"
    " bucket values; change against the period of the same length just before (rates"
    " pooled over their samples, p95s from merged histograms, counts as a mean per bucket)",
    "metric": "지표 / Metric",
    "latest": "최신 / Latest",
    "min": "최소 / Min",
    "max": "최대 / Max",
    "change": "변화 / Change",
    "charts": "차트 / Charts",
    "chart_note": "빈 곳은 수집되지 않은 구간 / Breaks in a line are missed buckets",
    "appendix": "부록: 데이터 / Appendix: data",
    "bucket": "구간 시작 / Bucket start",
    "page": "쪽 / Page",
    "none": "—",
}
_RATES: frozenset[Metric] = frozenset({"success_rate", "error_rate", "mean_score"})
_PERCENTILES: frozenset[Metric] = frozenset({"judge_duration_p95", "queue_wait_p95"})


@dataclass(frozen=True)
class Kpi:
    metric: Metric
    latest: float | None
    minimum: float | None
    maximum: float | None
    p50: float | None
    p95: float | None
    p99: float | None
    change_percent: float | None


def kpis(data: ExportData) -> list[Kpi]:
    return [_kpi(data, metric) for metric in data.request.metrics]


def _kpi(data: ExportData, metric: Metric) -> Kpi:
    current = data.current.get(metric, {})
    values = [current[at].value for at in sorted(current)]
    present = [value for value in values if value is not None]
    ordered = sorted(present)
    return Kpi(
        metric,
        present[-1] if present else None,
        ordered[0] if ordered else None,
        ordered[-1] if ordered else None,
        quantile_of_sorted(ordered, P50),
        quantile_of_sorted(ordered, P95),
        quantile_of_sorted(ordered, P99),
        change_percent(
            period_value(metric, list(current.values())),
            period_value(metric, list(data.previous.get(metric, {}).values())),
        ),
    )


def period_value(metric: Metric, snapshots: Sequence[Summary]) -> float | None:
    """One figure for a whole period, made the way the metric allows: a rate or mean
    pooled over all samples, a p95 from the merged histograms (never an average of
    percentiles), a count as the mean per collected bucket."""
    if metric in _PERCENTILES:
        merged = merge_all(s.histogram for s in snapshots if s.histogram is not None)
        return merged.quantile(P95)
    if metric in _RATES:
        n = sum(s.n for s in snapshots)
        return sum(s.total for s in snapshots) / n if n else None
    values = [s.value for s in snapshots if s.value is not None]
    return sum(values) / len(values) if values else None


def gap_count(data: ExportData) -> int:
    starts = data.request.bucket_starts()
    return sum(
        1
        for metric in data.request.metrics
        for start in starts
        if start not in data.current.get(metric, {})
    )


def shown(metric: Metric, value: float | None) -> str:
    """A value as the report prints it: rates in percent, durations in ms."""
    if value is None or math.isnan(value):
        return TEXT["none"]
    if metric in ("success_rate", "error_rate"):
        return f"{value * 100:.1f}%"
    if metric in _PERCENTILES:
        return f"{value:,.0f} ms"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _shown_change(change: float | None) -> str:
    return TEXT["none"] if change is None else f"{change:+.1f}%"


# -- PDF -----------------------------------------------------------------------------------


def pdf_bytes(
    data: ExportData, generated_at: datetime, version: str, font_dir: Path = FONT_DIR
) -> bytes:
    """The PDF report: cover, KPI table, one chart per metric, appendix, page numbers."""
    generated_at = generated_at.replace(microsecond=0)
    _register_fonts(font_dir)
    styles = _styles()
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title="QA Arena metrics report",
        author=f"QA Arena {version}",
        creator=f"QA Arena {version}",
    )
    story = [
        *_cover(data, generated_at, version, styles),
        PageBreak(),
        *_kpi_section(data, styles),
        PageBreak(),
        *_chart_section(data, styles, font_dir),
        PageBreak(),
        *_appendix(data, styles),
    ]
    document.build(story, canvasmaker=_NumberedCanvas)
    return out.getvalue()


def _register_fonts(font_dir: Path) -> None:
    for name in (FONT, FONT_BOLD):
        path = font_dir / f"{name}.ttf"
        if not path.is_file():
            raise ConfigurationError(
                f"the PDF export needs the Korean font {path}: install Debian's fonts-nanum"
            )
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    return {
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=20, leading=26),
        "heading": ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=14, leading=20),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7, leading=8.5),
    }


def _cover(
    data: ExportData, generated_at: datetime, version: str, styles: dict[str, ParagraphStyle]
) -> list[Any]:
    request = data.request
    zone = request.zone
    rows = [
        (TEXT["metrics"], "<br/>".join(LABELS[m].both for m in request.metrics)),
        (TEXT["granularity"], TEXT[request.granularity]),
        (TEXT["range"], _range_text(request.start, request.end, zone)),
        (TEXT["previous"], _range_text(request.previous.start, request.previous.end, zone)),
        (TEXT["timezone"], zone.key),
        (TEXT["rows"], f"{request.row_count():,}"),
        (TEXT["gaps"], f"{gap_count(data):,}"),
        (TEXT["generated"], _range_moment(generated_at, zone)),
        (TEXT["version"], version),
        (TEXT["sha256"], f"{body_sha256(data)}<br/><font size=7>{TEXT['sha256_note']}</font>"),
    ]
    table = Table(
        [[Paragraph(k, styles["body"]), Paragraph(v, styles["body"])] for k, v in rows],
        colWidths=[50 * mm, 130 * mm],
    )
    table.setStyle(_grid(header=False))
    return [
        Paragraph(TEXT["title"], styles["title"]),
        Paragraph("QA Arena", styles["heading"]),
        Spacer(1, 8 * mm),
        table,
    ]


def _range_text(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"{_range_moment(start, zone)} — {_range_moment(end, zone)}"


def _range_moment(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    return f"{local} ({_utc_text(moment)})"


def _kpi_section(data: ExportData, styles: dict[str, ParagraphStyle]) -> list[Any]:
    header = [
        TEXT["metric"],
        TEXT["latest"],
        TEXT["min"],
        TEXT["max"],
        "p50",
        "p95",
        "p99",
        TEXT["change"],
    ]
    rows = [[Paragraph(text, styles["cell"]) for text in header]]
    for kpi in kpis(data):
        figures = (kpi.latest, kpi.minimum, kpi.maximum, kpi.p50, kpi.p95, kpi.p99)
        rows.append(
            [
                Paragraph(LABELS[kpi.metric].both, styles["cell"]),
                *(shown(kpi.metric, f) for f in figures),
                _shown_change(kpi.change_percent),
            ]
        )
    table = Table(rows, colWidths=[42 * mm] + [19 * mm] * 7, repeatRows=1)
    table.setStyle(_grid(header=True))
    return [
        Paragraph(TEXT["kpi"], styles["heading"]),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        Paragraph(TEXT["kpi_note"], styles["small"]),
    ]


def _chart_section(
    data: ExportData, styles: dict[str, ParagraphStyle], font_dir: Path
) -> list[Any]:
    story: list[Any] = [
        Paragraph(TEXT["charts"], styles["heading"]),
        Paragraph(TEXT["chart_note"], styles["small"]),
    ]
    starts = data.request.bucket_starts()
    for index, metric in enumerate(data.request.metrics):
        stored = data.current.get(metric, {})
        points = [(at, stored[at].value if at in stored else None) for at in starts]
        png = chart_png(metric, points, data.request.zone, font_dir)
        if index and index % 2 == 0:  # two charts to a page
            story.append(PageBreak())
        story += [Spacer(1, 4 * mm), Image(io.BytesIO(png), width=180 * mm, height=90 * mm)]
    return story


def chart_png(
    metric: Metric,
    points: Sequence[tuple[datetime, float | None]],
    zone: ZoneInfo,
    font_dir: Path = FONT_DIR,
) -> bytes:
    """One metric's line over time in the display zone, at most CHART_POINTS points; a
    missed bucket breaks the line."""
    # Imported here: only the PDF needs matplotlib, and its import (a font cache in the
    # user's home) is not something the API's processes should pay for at start.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num

    font_manager.fontManager.addfont(str(font_dir / f"{FONT}.ttf"))
    kept = downsample(points, CHART_POINTS) if len(points) > CHART_POINTS else list(points)
    times = date2num([at for at, _ in kept])  # type: ignore[no-untyped-call]
    values = [math.nan if v is None else _plotted(metric, v) for _, v in kept]
    with matplotlib.rc_context({"font.family": FONT, "axes.unicode_minus": False}):
        figure, axes = pyplot.subplots(figsize=(8, 4), dpi=150)
        axes.plot(times, values, color="#1f5fa8", linewidth=1.2, marker=_marker(kept))
        _annotate_extremes(axes, times, values)
        locator = AutoDateLocator(tz=zone)  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_locator(locator)
        formatter = ConciseDateFormatter(locator, tz=zone)  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(formatter)
        axes.set_title(LABELS[metric].both, loc="left", fontsize=12)
        axes.set_ylabel(LABELS[metric].unit)
        axes.set_xlabel(f"{zone.key}")
        axes.grid(True, color="#dddddd", linewidth=0.6)
        axes.set_ylim(bottom=0)  # every metric is a count, a share or a duration
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        pyplot.close(figure)
    return out.getvalue()


def _plotted(metric: Metric, value: float) -> float:
    return value * 100 if metric in ("success_rate", "error_rate") else value


def _marker(points: Sequence[tuple[datetime, float | None]]) -> str:
    # A bucket between two gaps has no line to either side: a dot keeps it visible.
    return "." if len(points) <= 200 else ""


def _annotate_extremes(axes: Any, times: Any, values: list[float]) -> None:
    indexed = [(value, i) for i, value in enumerate(values) if not math.isnan(value)]
    if not indexed:
        axes.text(0.5, 0.5, "데이터 없음 / no data", transform=axes.transAxes, ha="center")
        return
    for value, i in (min(indexed), max(indexed)):
        axes.annotate(
            f"{value:,.4g}",
            (times[i], value),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )


def _appendix(data: ExportData, styles: dict[str, ParagraphStyle]) -> list[Any]:
    """The data as a table: a row per bucket, a column per metric (the long CSV, pivoted
    so that it fits on paper)."""
    request = data.request
    header = [TEXT["bucket"], *(LABELS[m].both for m in request.metrics)]
    rows: list[list[Any]] = [[Paragraph(text, styles["cell"]) for text in header]]
    for start in request.bucket_starts():
        local = start.astimezone(request.zone).strftime("%Y-%m-%d %H:%M")
        rows.append([local, *(_cell(data, metric, start) for metric in request.metrics)])
    width = (180 * mm - 30 * mm) / len(request.metrics)
    table = LongTable(rows, colWidths=[30 * mm] + [width] * len(request.metrics), repeatRows=1)
    table.setStyle(_grid(header=True, size=6.5))
    return [Paragraph(TEXT["appendix"], styles["heading"]), Spacer(1, 3 * mm), table]


def _cell(data: ExportData, metric: Metric, start: datetime) -> str:
    snapshot = data.current.get(metric, {}).get(start)
    return shown(metric, None if snapshot is None else snapshot.value)


def _grid(header: bool, size: float = 7.5) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, size),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 1 if header else 0), (-1, -1), "RIGHT" if header else "LEFT"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")))
    else:
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8eef7")))
    return TableStyle(commands)


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Prints "page n / total" on every page, which needs the total: the pages are kept
    until the document is complete (ReportLab's two-pass recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for page in self._pages:
            self.__dict__.update(page)
            self.setFont(FONT, 8)
            self.drawRightString(
                A4[0] - 15 * mm,
                10 * mm,
                f"{TEXT['page']} {self._pageNumber} / {len(self._pages)}",
            )
            super().showPage()
        super().save()
