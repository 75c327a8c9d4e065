"""A catalog folder uploaded as a .zip (DESIGN.md section 5): read in memory, bounded, and
parsed by the same code as `catalog import` (bundle.from_files). Pure: bytes in, a bundle
or Invalid out; nothing is ever written to disk, so no entry name can escape anywhere."""

from __future__ import annotations

import io
import tomllib
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath

from appliance.errors import Invalid
from appliance.problems.bundle import MAX_MUTANTS, MAX_SOURCE_BYTES, ProblemBundle, from_files

MAX_ARCHIVE_BYTES = 8 * 1024 * 1024
# A problem.toml may hold 50 examples of 4,000 characters per field: more than one source.
MAX_FILE_BYTES = 4 * MAX_SOURCE_BYTES
MAX_UNPACKED_BYTES = 16 * 1024 * 1024
MAX_ENTRIES = MAX_MUTANTS + 50
# What archivers add beside the files; never part of a problem.
_NOISE = ("__MACOSX", ".DS_Store", "__pycache__")
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)


def from_zip(data: bytes) -> ProblemBundle:
    """The problem in a zip of one catalog folder: `<slug>/problem.toml, ...` or the folder's
    files at the top of the archive."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise Invalid(f"the archive is larger than {MAX_ARCHIVE_BYTES} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = _read_entries(archive)
    except zipfile.BadZipFile:
        raise Invalid("the file is not a zip archive (or a damaged one)") from None
    folder = _folder(files)
    prefix = f"{folder}/" if folder else ""
    inside = {
        path.removeprefix(prefix): content
        for path, content in files.items()
        if path.startswith(prefix)
    }
    mutants = {
        PurePosixPath(path).stem
        for path in inside
        if path.startswith("mutants/") and path.endswith(".py") and path.count("/") == 1
    }
    return from_files(folder or _slug_of(inside), _reader(inside), mutants)


def _read_entries(archive: zipfile.ZipFile) -> dict[str, bytes]:
    """Every file of the archive, by its path, within the bounds."""
    entries = [info for info in archive.infolist() if not info.is_dir() and not _noise(info)]
    if len(entries) > MAX_ENTRIES:
        raise Invalid(f"the archive holds {len(entries)} files (at most {MAX_ENTRIES})")
    files: dict[str, bytes] = {}
    total = 0
    for info in entries:
        content = _read_bounded(archive, info)
        total += len(content)
        if total > MAX_UNPACKED_BYTES:
            raise Invalid(f"the archive unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        files[info.filename.replace("\\", "/").lstrip("/")] = content
    return files


def _noise(info: zipfile.ZipInfo) -> bool:
    return any(part in _NOISE for part in PurePosixPath(info.filename).parts)


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes; refused past MAX_FILE_BYTES whatever its header claims (a zip
    bomb states a small size and inflates to gigabytes)."""
    try:
        with archive.open(info) as entry:
            content = entry.read(MAX_FILE_BYTES + 1)
    except _DAMAGED as exc:
        raise Invalid(f"{info.filename} cannot be read from the archive: {exc}") from None
    if len(content) > MAX_FILE_BYTES:
        raise Invalid(f"{info.filename} is larger than {MAX_FILE_BYTES} bytes")
    return content


def _parent(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _folder(files: Mapping[str, bytes]) -> str:
    """The folder holding problem.toml: "" for the top of the archive."""
    tomls = [path for path in files if PurePosixPath(path).name == "problem.toml"]
    if not tomls:
        raise Invalid("the archive holds no problem.toml: zip one catalog folder (DESIGN.md 5)")
    if len(tomls) > 1:
        raise Invalid(f"the archive holds {len(tomls)} problem.toml files: upload one problem")
    folder = _parent(tomls[0])
    if folder.count("/"):
        raise Invalid(f"{tomls[0]}: problem.toml must be at the top or in one folder")
    return folder


def _slug_of(files: Mapping[str, bytes]) -> str:
    """Files zipped without their folder: the folder is named by the slug they declare (an
    unreadable problem.toml is reported by the parser, under this name)."""
    try:
        slug = tomllib.loads(files["problem.toml"].decode()).get("slug")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "problem.toml"
    return slug if isinstance(slug, str) else "problem.toml"


def _reader(files: Mapping[str, bytes]) -> Callable[[str], str]:
    """`read(path)` over the archive's files, as from_files expects of a folder."""

    def read(path: str) -> str:
        if path not in files:
            raise FileNotFoundError(f"{path} is missing from the archive")
        return files[path].decode()

    return read
