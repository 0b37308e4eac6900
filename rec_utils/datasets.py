"""Dataset loaders: the official distribution files, read into one canonical form.

Every loader returns a :class:`RawDataset` with
- ``interactions``: one row per event in file order (``user``, ``item``, ``timestamp`` as
  int64 seconds, plus ``rating`` where the dataset has one), original ids;
- ``users``: one row per user with the raw demographic columns;
- ``items``: one row per item with its metadata (title, genre flags);
- ``checksums``: the SHA-256 of every file read, for provenance.

Where the files come from, in order: an explicit ``path``; the mirror folder named by
``SEQREC_DATA_MIRROR`` (``<mirror>/<name>/`` or ``<mirror>/<name>.zip``); the download cache
``data/raw/<name>/``; a download from the official address, checked against the published
checksum. Nothing is ever replaced by other data: a missing dataset is an error that says
where to put the files.
"""
from __future__ import annotations

import csv
import hashlib
import io
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from rec_utils import paths


class DatasetError(Exception):
    """A dataset could not be located, downloaded or read."""


class DatasetFormatError(DatasetError):
    """A dataset file does not have the official format; the message names the file and line."""


@dataclass
class RawDataset:
    """A dataset in canonical form, before preprocessing."""

    name: str
    interactions: pd.DataFrame
    users: pd.DataFrame
    items: pd.DataFrame
    genre_names: list[str]
    user_feature_columns: list[str]
    source: str
    checksums: dict[str, str] = field(default_factory=dict)

    @property
    def n_users(self) -> int:
        return int(self.interactions["user"].nunique())

    @property
    def n_items(self) -> int:
        return int(self.interactions["item"].nunique())

    def summary(self) -> dict[str, float | int | str]:
        """Counts a reader checks first: users, items, interactions, density."""
        n_users, n_items, n_inter = self.n_users, self.n_items, len(self.interactions)
        return {
            "dataset": self.name,
            "users": n_users,
            "items": n_items,
            "interactions": n_inter,
            "items_listed": len(self.items),
            "density": n_inter / (n_users * n_items),
        }


# --------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class OfficialSource:
    """Where a dataset is published and how to recognise its files."""

    url: str
    archive_name: str
    archive_md5: str
    required_files: tuple[str, ...]
    file_sha256: dict[str, str]


ML_100K = OfficialSource(
    url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
    archive_name="ml-100k.zip",
    # Published by GroupLens beside the zip (ml-100k.zip.md5).
    archive_md5="0e33842e24a9c977be4e0107933c0723",
    required_files=("u.data", "u.user", "u.item"),
    file_sha256={
        "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
        "u.user": "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
        "u.item": "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
        "u.genre": "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
        "u.occupation": "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d",
    },
)


class SourceFiles:
    """Read-only access to a dataset's files, in a folder or inside a zip archive."""

    def __init__(self, location: Path):
        self.location = location
        self._zip_members: dict[str, str] = {}
        if location.is_file():
            if not zipfile.is_zipfile(location):
                raise DatasetError(f"{location}: not a zip archive (expected the official download)")
            with zipfile.ZipFile(location) as archive:
                for member in archive.namelist():
                    if not member.endswith("/"):
                        self._zip_members.setdefault(Path(member).name, member)

    def describe(self, filename: str) -> str:
        """A human-readable path for error messages, e.g. ``ml-100k.zip!ml-100k/u.data``."""
        if self._zip_members:
            return f"{self.location}!{self._zip_members.get(filename, filename)}"
        return str(self.location / filename)

    def exists(self, filename: str) -> bool:
        if self.location.is_file():
            return filename in self._zip_members
        return (self.location / filename).is_file()

    def read_bytes(self, filename: str) -> bytes:
        """The file's bytes; a missing file is a :class:`DatasetError` naming where it was looked for."""
        if not self.exists(filename):
            raise DatasetError(f"{self.describe(filename)}: file not found")
        if self.location.is_file():
            with zipfile.ZipFile(self.location) as archive:
                return archive.read(self._zip_members[filename])
        return (self.location / filename).read_bytes()


def _where_to_put(name: str, source: OfficialSource) -> str:
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
    if mirror is not None:
        for candidate in (mirror / name, mirror / source.archive_name):
            if candidate.exists():
                return _checked(SourceFiles(candidate), name, source)
        raise DatasetError(
            f"{paths.MIRROR_ENV}={mirror} is set but holds neither {name}/ nor "
            f"{source.archive_name}. " + _where_to_put(name, source)
        )
    cache = paths.raw_dir(name)
    if (cache / source.archive_name).is_file():
        return _checked(SourceFiles(cache / source.archive_name), name, source)
    if cache.is_dir() and all((cache / f).is_file() for f in source.required_files):
        return _checked(SourceFiles(cache), name, source)
    if not download:
        raise DatasetError(f"Dataset {name!r} not found. " + _where_to_put(name, source))
    return _checked(SourceFiles(download_official(name, source)), name, source)


def _checked(files: SourceFiles, name: str, source: OfficialSource) -> SourceFiles:
    missing = [f for f in source.required_files if not files.exists(f)]
    if missing:
        raise DatasetError(
            f"{files.location}: missing {', '.join(missing)} for dataset {name!r}. "
            + _where_to_put(name, source)
        )
    return files


def download_official(name: str, source: OfficialSource,
                      opener: Callable[[str], io.BufferedIOBase] | None = None) -> Path:
    """Download the official archive into ``data/raw/<name>/``, verify its MD5, return its path.

    The file is written to a temporary name and renamed only after the checksum matches.
    """
    target_dir = paths.raw_dir(name)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / source.archive_name
    partial = target.with_suffix(target.suffix + ".part")
    open_url = opener or (lambda url: urllib.request.urlopen(url, timeout=60))
    try:
        with open_url(source.url) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise DatasetError(
            f"Dataset {name!r} is not available locally and downloading {source.url} failed "
            f"({error}). " + _where_to_put(name, source)
        ) from error
    digest = hashlib.md5(partial.read_bytes()).hexdigest()
    if digest != source.archive_md5:
        partial.unlink(missing_ok=True)
        raise DatasetError(
            f"{source.url}: checksum mismatch (MD5 {digest}, expected {source.archive_md5}); "
            "the download is corrupt or not the official file, and was deleted."
        )
    partial.replace(target)
    return target


# --------------------------------------------------------------------------- parsing
def read_delimited(raw: bytes, label: str, sep: str, columns: Sequence[str], encoding: str,
                   int_columns: Sequence[str] = (), optional_numeric: Sequence[str] = ()) -> pd.DataFrame:
    """Parse a headerless delimited file whose every line has exactly ``len(columns)`` fields.

    ``int_columns`` must hold integers on every line; ``optional_numeric`` may be empty (NaN)
    but not text. Any violation raises :class:`DatasetFormatError` naming ``label`` and the line.
    """
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DatasetFormatError(f"{label}, line {line}: not valid {encoding} text") from error
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise DatasetFormatError(f"{label}: the file is empty")
    expected = len(columns) - 1
    counts = np.fromiter((line.count(sep) for line in lines), dtype=np.int64, count=len(lines))
    bad = np.flatnonzero(counts != expected)
    if bad.size:
        i = int(bad[0])
        raise DatasetFormatError(
            f"{label}, line {i + 1}: expected {len(columns)} fields separated by {sep!r}, "
            f"found {counts[i] + 1}: {lines[i][:120]!r}"
        )
    frame = pd.read_csv(
        io.StringIO("\n".join(lines)), sep=sep, header=None, names=list(columns), dtype=str,
        keep_default_na=False, quoting=csv.QUOTE_NONE, engine="c",
    )
    for column in int_columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        not_int = values.isna() | (values != np.floor(values))
        if not_int.any():
            i = int(np.flatnonzero(not_int.to_numpy())[0])
            raise DatasetFormatError(
                f"{label}, line {i + 1}: field {column!r} must be an integer, got {frame[column].iloc[i]!r}"
            )
        frame[column] = values.astype(np.int64)
    for column in optional_numeric:
        stripped = frame[column].str.strip()
        values = pd.to_numeric(stripped.where(stripped != ""), errors="coerce")
        not_numeric = values.isna() & (stripped != "")
        if not_numeric.any():
            i = int(np.flatnonzero(not_numeric.to_numpy())[0])
            raise DatasetFormatError(
                f"{label}, line {i + 1}: field {column!r} must be a number or empty, got {frame[column].iloc[i]!r}"
            )
        frame[column] = values.astype(np.float64)
    return frame


def _duplicate_error(frame: pd.DataFrame, column: str, label: str) -> None:
    duplicated = frame[column].duplicated()
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DatasetFormatError(f"{label}, line {i + 1}: {column} {frame[column].iloc[i]} appears twice")


def _unknown_ids(events: pd.Series, known: pd.Series, what: str, label: str) -> None:
    unknown = ~events.isin(known)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DatasetFormatError(
            f"{label}, line {i + 1}: {what} {events.iloc[i]} is not listed in the {what} file "
            f"({int(unknown.sum())} such lines)"
        )


# --------------------------------------------------------------------------- MovieLens-100K
ML_100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
]


def load_ml_100k(path: str | Path | None = None, download: bool = True) -> RawDataset:
    """MovieLens-100K from the GroupLens zip or folder: u.data, u.user, u.item (Latin-1)."""
    files = locate_dataset("ml-100k", ML_100K, path, download)
    raw = {name: files.read_bytes(name) for name in ML_100K.required_files}
    checksums = {name: hashlib.sha256(data).hexdigest() for name, data in raw.items()}

    ratings = read_delimited(raw["u.data"], files.describe("u.data"), "\t",
                             ["user", "item", "rating", "timestamp"], "latin-1",
                             int_columns=["user", "item", "rating", "timestamp"])
    users = read_delimited(raw["u.user"], files.describe("u.user"), "|",
                           ["user", "age", "gender", "occupation", "zip_code"], "latin-1",
                           int_columns=["user"], optional_numeric=["age"])
    genre_columns = [f"genre_{g}" for g in ML_100K_GENRES]
    items = read_delimited(raw["u.item"], files.describe("u.item"), "|",
                           ["item", "title", "release_date", "video_release_date", "imdb_url", *genre_columns],
                           "latin-1", int_columns=["item", *genre_columns])
    flags = items[genre_columns].to_numpy()
    bad_flag = ~np.isin(flags, (0, 1)).all(axis=1)
    if bad_flag.any():
        i = int(np.flatnonzero(bad_flag)[0])
        raise DatasetFormatError(f"{files.describe('u.item')}, line {i + 1}: genre flags must be 0 or 1")
    _duplicate_error(users, "user", files.describe("u.user"))
    _duplicate_error(items, "item", files.describe("u.item"))
    _unknown_ids(ratings["user"], users["user"], "user", files.describe("u.data"))
    _unknown_ids(ratings["item"], items["item"], "item", files.describe("u.data"))
    return RawDataset(
        name="ml-100k",
        interactions=ratings[["user", "item", "timestamp", "rating"]],
        users=users,
        items=items,
        genre_names=list(ML_100K_GENRES),
        user_feature_columns=["gender", "age", "occupation"],
        source=str(files.location),
        checksums=checksums,
    )


LOADERS: dict[str, Callable[..., RawDataset]] = {"ml-100k": load_ml_100k}
OFFICIAL_SOURCES: dict[str, OfficialSource] = {"ml-100k": ML_100K}


def load_dataset(name: str, path: str | Path | None = None, download: bool = True) -> RawDataset:
    """Load a dataset by name (see ``LOADERS``) from its official files."""
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(sorted(LOADERS))}")
    return LOADERS[name](path=path, download=download)


def matches_official(name: str, checksums: dict[str, str]) -> dict[str, bool]:
    """For each file read, whether its SHA-256 equals the official distribution's."""
    known = OFFICIAL_SOURCES[name].file_sha256
    return {f: known.get(f) == digest for f, digest in checksums.items()}

# Whether evaluation masks the items a user already interacted with (DESIGN.md): a movie is rated once,
# so MovieLens masks them; re-listening is the norm on Last.fm, which does not.
MASK_SEEN_DEFAULT: dict[str, bool] = {"ml-100k": True}
