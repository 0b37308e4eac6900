"""Where a dataset's files come from: an explicit path, the mirror, the download cache, or a download.

Order: an explicit ``path``; the mirror folder named by ``SEQREC_DATA_MIRROR`` (a sub-folder or the
official archive); the download cache ``data/raw/<name>/``; a download from the official address,
checked against the published checksum (or the known SHA-256 of its files). A missing dataset is an
error that says where to put the files; nothing is ever replaced by other data.
"""
from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rec_utils import paths


class DatasetError(Exception):
    """A dataset could not be located, downloaded or read."""


class DatasetFormatError(DatasetError):
    """A dataset file does not have the official format; the message names the file and line."""


@dataclass(frozen=True)
class OfficialSource:
    """Where a dataset is published and how to recognise its files."""

    url: str
    archive_name: str
    required_files: tuple[str, ...]
    file_sha256: dict[str, str] = field(default_factory=dict)
    archive_md5: str | None = None
    folder_names: tuple[str, ...] = ()
    # A smaller file accepted in place of a required one that is absent (a sample of a very large log, for
    # development and tests); the loader reads the required file when present and reports which it read.
    stand_ins: dict[str, str] = field(default_factory=dict)


class SourceFiles:
    """Read-only access to a dataset's files, in a folder, a zip or a tar.gz archive."""

    def __init__(self, location: Path):
        self.location = location
        self._members: dict[str, str] = {}
        if location.is_file():
            if zipfile.is_zipfile(location):
                with zipfile.ZipFile(location) as archive:
                    names = [m for m in archive.namelist() if not m.endswith("/")]
                self._kind = "zip"
            elif tarfile.is_tarfile(location):
                with tarfile.open(location) as archive:
                    names = [m.name for m in archive.getmembers() if m.isfile()]
                self._kind = "tar"
            else:
                raise DatasetError(f"{location}: neither a zip nor a tar archive (expected the official download)")
            for member in names:
                self._members.setdefault(Path(member).name, member)
        else:
            self._kind = "folder"

    def describe(self, filename: str) -> str:
        """A readable path for messages, e.g. ``ml-100k.zip!ml-100k/u.data``."""
        if self._kind == "folder":
            return str(self.location / filename)
        return f"{self.location}!{self._members.get(filename, filename)}"

    def exists(self, filename: str) -> bool:
        if self._kind == "folder":
            return (self.location / filename).is_file()
        return filename in self._members

    def open(self, filename: str) -> io.BufferedIOBase:
        """A binary stream of the file (for large files that should not be read at once)."""
        if not self.exists(filename):
            raise DatasetError(f"{self.describe(filename)}: file not found")
        if self._kind == "folder":
            return open(self.location / filename, "rb")
        if self._kind == "zip":
            archive = zipfile.ZipFile(self.location)
            return archive.open(self._members[filename])
        archive = tarfile.open(self.location)
        return archive.extractfile(self._members[filename])

    def read_bytes(self, filename: str) -> bytes:
        """The file's bytes; a missing file is a :class:`DatasetError` naming where it was looked for."""
        with self.open(filename) as handle:
            return handle.read()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def where_to_put(name: str, source: OfficialSource) -> str:
    """The sentence every 'not found' error ends with."""
    return (
        f"Put the official files ({', '.join(source.required_files)}) or {source.archive_name} in "
        f"{paths.raw_dir(name)}/, or set {paths.MIRROR_ENV} to a folder holding {name}/ "
        f"(download: {source.url})."
    )


def locate_dataset(name: str, source: OfficialSource, path: str | Path | None = None,
                   download: bool = True) -> SourceFiles:
    """Find a dataset's files (explicit path, mirror, download cache, download) in that order."""
    if path is not None:
        location = Path(path).expanduser().resolve()
        if not location.exists():
            raise DatasetError(f"{location}: no such file or folder for dataset {name!r}")
        return _checked(SourceFiles(location), name, source)
    mirror = paths.mirror_root()
    candidates = [*(source.folder_names or (name,)), source.archive_name]
    if mirror is not None:
        for candidate in candidates:
            if (mirror / candidate).exists():
                return _checked(SourceFiles(mirror / candidate), name, source)
        raise DatasetError(f"{paths.MIRROR_ENV}={mirror} is set but holds none of {', '.join(candidates)}. "
                           f"Put the official files ({', '.join(source.required_files)}) in {mirror / candidates[0]}/ "
                           f"or {source.archive_name} in {mirror}/, or unset {paths.MIRROR_ENV} to read "
                           f"{paths.raw_dir(name)}/ or download {source.url}.")
    cache = paths.raw_dir(name)
    if (cache / source.archive_name).is_file():
        return _checked(SourceFiles(cache / source.archive_name), name, source)
    if cache.is_dir() and not _missing(SourceFiles(cache), source):
        return _checked(SourceFiles(cache), name, source)
    if not download:
        raise DatasetError(f"Dataset {name!r} not found. " + where_to_put(name, source))
    return _checked(SourceFiles(download_official(name, source)), name, source)


def _missing(files: SourceFiles, source: OfficialSource) -> list[str]:
    """The required files absent from ``files`` with no stand-in present either."""
    return [f for f in source.required_files
            if not files.exists(f) and not (f in source.stand_ins and files.exists(source.stand_ins[f]))]


def _checked(files: SourceFiles, name: str, source: OfficialSource) -> SourceFiles:
    missing = _missing(files, source)
    if missing:
        raise DatasetError(f"{files.location}: missing {', '.join(missing)} for dataset {name!r}. "
                           + where_to_put(name, source))
    return files


def download_official(name: str, source: OfficialSource,
                      opener: Callable[[str], io.BufferedIOBase] | None = None) -> Path:
    """Download the official archive into ``data/raw/<name>/``, verify it, return its path.

    Verified by the published MD5 where there is one, else by the known SHA-256 of the files inside.
    The archive is written to a temporary name and renamed only once verified.
    """
    target_dir = paths.raw_dir(name)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / source.archive_name
    partial = target.with_name(target.name + ".part")
    open_url = opener or (lambda url: urllib.request.urlopen(url, timeout=60))
    try:
        with open_url(source.url) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise DatasetError(f"Dataset {name!r} is not available locally and downloading {source.url} failed "
                           f"({error}). " + where_to_put(name, source)) from error
    problem = _verify_download(partial, source)
    if problem:
        partial.unlink(missing_ok=True)
        raise DatasetError(f"{source.url}: {problem}; the download is corrupt or not the official file, "
                           "and was deleted.")
    partial.replace(target)
    return target


def _verify_download(archive: Path, source: OfficialSource) -> str | None:
    if source.archive_md5:
        digest = hashlib.md5(archive.read_bytes()).hexdigest()
        return None if digest == source.archive_md5 else f"checksum mismatch (MD5 {digest}, expected {source.archive_md5})"
    try:
        files = SourceFiles(archive)
    except DatasetError as error:
        return str(error)
    for filename, expected in source.file_sha256.items():
        if files.exists(filename) and sha256_of(files.read_bytes(filename)) != expected:
            return f"checksum mismatch for {filename}"
    return None
