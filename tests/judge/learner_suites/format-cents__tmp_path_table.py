import csv

import pytest
from target import format_cents

CASES = [
    (123405, "$1,234.05"),
    (5, "$0.05"),
    (0, "$0.00"),
    (-123405, "-$1,234.05"),
    (-105, "-$1.05"),
    (-5, "-$0.05"),
    (700, "$7.00"),
    (100000000, "$1,000,000.00"),
    (-199, "-$1.99"),
]


@pytest.fixture
def cases_file(tmp_path):
    path = tmp_path / "cases.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["cents", "expected"])
        writer.writerows(CASES)
    yield path
    path.unlink()


def load_cases(path):
    with path.open(newline="") as handle:
        return [(int(row["cents"]), row["expected"]) for row in csv.DictReader(handle)]


def test_cases_from_file(cases_file):
    cases = load_cases(cases_file)
    assert len(cases) == len(CASES)
    for cents, expected in cases:
        assert format_cents(cents) == expected, cents


def test_report_written_to_disk(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("\n".join(format_cents(c) for c in (1, 10, 100)) + "\n")
    assert report.read_text().splitlines() == ["$0.01", "$0.10", "$1.00"]
