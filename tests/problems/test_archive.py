"""A catalog folder uploaded as a zip reads as the same bundle as the folder on disk, and
anything else is refused with a message that says what is wrong."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from appliance.errors import Invalid
from appliance.problems import archive
from appliance.problems.bundle import from_directory

FOLDER = Path(__file__).resolve().parents[2] / "catalog" / "leap-year"


def zipped(files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as target:
        for name, content in files.items():
            target.writestr(name, content)
    return buffer.getvalue()


def folder_files(prefix: str = "leap-year/") -> dict[str, bytes]:
    return {
        prefix + path.relative_to(FOLDER).as_posix(): path.read_bytes()
        for path in sorted(FOLDER.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_a_zipped_catalog_folder_is_the_same_bundle_as_the_folder() -> None:
    assert archive.from_zip(zipped(folder_files())) == from_directory(FOLDER)


def test_the_folder_s_files_zipped_without_the_folder_read_the_same() -> None:
    assert archive.from_zip(zipped(folder_files(prefix=""))) == from_directory(FOLDER)


def test_what_archivers_add_beside_the_files_is_ignored() -> None:
    files = folder_files() | {"__MACOSX/leap-year/._golden.py": b"\x00\x01", ".DS_Store": b"x"}
    assert archive.from_zip(zipped(files)) == from_directory(FOLDER)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"README.md": b"hello"}, "no problem.toml"),
        (
            {f"{name}/problem.toml": b"" for name in ("a", "b")},
            "2 problem.toml files: upload one problem",
        ),
        ({"a/b/problem.toml": b""}, "at the top or in one folder"),
    ],
)
def test_an_archive_without_exactly_one_problem_is_refused(
    files: dict[str, bytes], message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        archive.from_zip(zipped(files))


def test_a_missing_file_is_named() -> None:
    files = {k: v for k, v in folder_files().items() if not k.endswith("reference_test.py")}
    with pytest.raises(Invalid, match="reference_test.py is missing from the archive"):
        archive.from_zip(zipped(files))


def test_a_mutant_file_without_an_entry_is_refused_as_in_a_folder() -> None:
    files = folder_files() | {"leap-year/mutants/stray.py": b"x = 1\n"}
    with pytest.raises(Invalid, match="stray"):
        archive.from_zip(zipped(files))


def test_a_folder_named_unlike_its_slug_is_refused() -> None:
    files = {k.replace("leap-year/", "other/"): v for k, v in folder_files().items()}
    with pytest.raises(Invalid, match="differs from the folder"):
        archive.from_zip(zipped(files))


def test_text_that_is_not_utf8_is_refused() -> None:
    files = folder_files() | {"leap-year/golden.py": b"\xff\xfe not utf-8"}
    with pytest.raises(Invalid, match="leap-year: 'utf-8' codec"):
        archive.from_zip(zipped(files))


def test_bytes_that_are_not_a_zip_are_refused() -> None:
    with pytest.raises(Invalid, match="not a zip archive"):
        archive.from_zip(b"PK but not really")


def test_an_entry_that_inflates_past_the_bound_is_refused() -> None:
    bomb = zipped({"leap-year/problem.toml": b"#" * (archive.MAX_FILE_BYTES + 1)})
    assert len(bomb) < 10_000
    with pytest.raises(Invalid, match="larger than"):
        archive.from_zip(bomb)


def test_an_archive_past_the_size_bound_is_refused_before_it_is_read() -> None:
    with pytest.raises(Invalid, match="larger than"):
        archive.from_zip(b"\x00" * (archive.MAX_ARCHIVE_BYTES + 1))


def test_too_many_files_are_refused() -> None:
    files = {f"leap-year/notes/{i}.txt": b"" for i in range(archive.MAX_ENTRIES + 1)}
    with pytest.raises(Invalid, match="files \\(at most"):
        archive.from_zip(zipped(files))
