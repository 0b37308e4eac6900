"""Your own dataset (``DATASET=custom``, ``DATA_PATH=<folder>``), in a documented CSV format.

The folder holds (UTF-8, comma-separated, a header line):
- ``interactions.csv`` (required): ``user``, ``item``, ``timestamp``, plus any other columns (kept).
  Ids are integers or text. ``timestamp`` is integer seconds since 1970-01-01 UTC or an ISO 8601 date or
  date-time (``2024-05-01``, ``2024-05-01T13:45:00``; read as UTC). Events of one user with equal
  timestamps keep file order.
- ``users.csv`` (optional): ``user`` plus demographic columns. ``age`` (years) and ``gender`` (F/M) are
  read as the paper reads them (age: missing values take the mean); any other column is a category, a
  missing value being an explicit "unknown". Users absent from the file get "unknown" everywhere.
- ``items.csv`` (optional): ``item``, optional ``title`` (shown in recommendations) and optional ``genres``
  (``|``-separated names, e.g. ``Action|Comedy``).

Errors name the file and the line: a missing file or column, an empty id, an unparseable timestamp,
a duplicated row (same user, item and timestamp), a user or item listed twice in its table, and a user
in ``users.csv`` with no interaction (an empty user). Nothing is dropped silently.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rec_utils import paths
from rec_utils.datasets.base import RawDataset, UserFeature
from rec_utils.datasets.sources import DatasetError, DatasetFormatError, sha256_of

INTERACTIONS, USERS, ITEMS = "interactions.csv", "users.csv", "items.csv"
REQUIRED_COLUMNS = ("user", "item", "timestamp")


def _read_csv(path: Path, required: tuple[str, ...]) -> tuple[pd.DataFrame, bytes]:
    raw = path.read_bytes()
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DatasetFormatError(f"{path}: cannot be read as UTF-8 CSV with a header line ({error})") from error
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DatasetFormatError(f"{path}: missing column(s) {missing}; the header has {list(frame.columns)}")
    return frame, raw


def _ids(values: pd.Series, path: Path, column: str) -> pd.Series:
    stripped = values.str.strip()
    empty = stripped.eq("")
    if empty.any():
        raise DatasetFormatError(f"{path}, line {int(np.flatnonzero(empty.to_numpy())[0]) + 2}: empty {column!r}")
    as_int = pd.to_numeric(stripped, errors="coerce")
    if as_int.notna().all() and (as_int == np.floor(as_int)).all():
        return as_int.astype(np.int64)
    return stripped


def parse_timestamps(values: pd.Series, path: Path) -> np.ndarray:
    """Integer seconds since the epoch, from integers or ISO 8601 dates / date-times (UTC)."""
    text = values.str.strip()
    numeric = pd.to_numeric(text, errors="coerce")
    if numeric.notna().all():
        if (numeric != np.floor(numeric)).any():
            i = int(np.flatnonzero((numeric != np.floor(numeric)).to_numpy())[0])
            raise DatasetFormatError(f"{path}, line {i + 2}: timestamp {values.iloc[i]!r} is not whole seconds")
        return numeric.astype(np.int64).to_numpy()
    dates = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    if dates.isna().any():
        i = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DatasetFormatError(f"{path}, line {i + 2}: cannot parse timestamp {values.iloc[i]!r} "
                                 "(integer seconds or an ISO 8601 date / date-time)")
    return ((dates - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(np.int64)


def _no_repeats(frame: pd.DataFrame, columns: list[str], path: Path, what: str) -> None:
    repeated = frame.duplicated(columns, keep=False)
    if repeated.any():
        lines = (np.flatnonzero(repeated.to_numpy())[:2] + 2).tolist()
        raise DatasetFormatError(f"{path}, lines {lines[0]} and {lines[1]}: {what}")


def load_custom(path: str | Path | None = None, download: bool = False) -> RawDataset:
    """Read a dataset in the custom format from the folder ``path`` (relative paths: from the repository root)."""
    if path is None:
        raise DatasetError("DATASET=custom needs DATA_PATH: the folder holding interactions.csv (README, 'Your own dataset')")
    folder = paths.from_repo_root(path)
    if not (folder / INTERACTIONS).is_file():
        raise DatasetError(f"{folder}: no {INTERACTIONS} (required; see README, 'Your own dataset')")
    checksums = {}
    events, raw = _read_csv(folder / INTERACTIONS, REQUIRED_COLUMNS)
    checksums[INTERACTIONS] = sha256_of(raw)
    if events.empty:
        raise DatasetFormatError(f"{folder / INTERACTIONS}: no interactions")
    events["user"] = _ids(events["user"], folder / INTERACTIONS, "user")
    events["item"] = _ids(events["item"], folder / INTERACTIONS, "item")
    events["timestamp"] = parse_timestamps(events["timestamp"], folder / INTERACTIONS)
    _no_repeats(events, ["user", "item", "timestamp"], folder / INTERACTIONS,
                "the same user, item and timestamp twice (remove the duplicate, or give them distinct timestamps)")
    user_ids = np.sort(events["user"].unique())

    features: list[UserFeature] = []
    users = pd.DataFrame({"user": user_ids})
    if (folder / USERS).is_file():
        table, raw = _read_csv(folder / USERS, ("user",))
        checksums[USERS] = sha256_of(raw)
        table["user"] = _ids(table["user"], folder / USERS, "user")
        _no_repeats(table, ["user"], folder / USERS, "the same user twice")
        empty = ~table["user"].isin(user_ids)
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            raise DatasetFormatError(f"{folder / USERS}, line {i + 2}: user {table['user'].iloc[i]} has no "
                                     f"interaction in {INTERACTIONS} ({int(empty.sum())} such users)")
        for column in table.columns.drop("user"):
            values = table[column].str.strip().replace("", np.nan)
            if column == "age":
                numbers = pd.to_numeric(values, errors="coerce")
                bad = numbers.isna() & values.notna()
                if bad.any():
                    i = int(np.flatnonzero(bad.to_numpy())[0])
                    raise DatasetFormatError(f"{folder / USERS}, line {i + 2}: age {table[column].iloc[i]!r} is not a number")
                table[column] = numbers
                features.append(UserFeature("age", "age", "mean"))
            elif column == "gender":
                table[column] = values
                features.append(UserFeature("gender", "gender", "unknown"))
            else:
                table[column] = values
                features.append(UserFeature(column, "categorical", "unknown"))
        users = users.merge(table, on="user", how="left")

    items = pd.DataFrame({"item": np.sort(events["item"].unique())})
    without_row = len(items)
    genre_names: list[str] = []
    if (folder / ITEMS).is_file():
        table, raw = _read_csv(folder / ITEMS, ("item",))
        checksums[ITEMS] = sha256_of(raw)
        table["item"] = _ids(table["item"], folder / ITEMS, "item")
        _no_repeats(table, ["item"], folder / ITEMS, "the same item twice")
        without_row = int((~items["item"].isin(table["item"])).sum())
        items = items.merge(table, on="item", how="left")
        if "genres" in items.columns:
            lists = items["genres"].fillna("").str.split("|").map(lambda g: [x.strip() for x in g if x.strip()])
            genre_names = sorted({g for gs in lists for g in gs})
            for name in genre_names:
                items[f"genre_{name}"] = lists.map(lambda gs, n=name: int(n in gs))
            items = items.drop(columns="genres")
    if "title" not in items.columns:
        items["title"] = items["item"].astype(str)
    items["title"] = items["title"].fillna(items["item"].astype(str)).replace("", np.nan).fillna(items["item"].astype(str))
    report = {"interaction_rows": int(len(events)),
              "users_without_demographics": int(users.drop(columns="user").isna().all(axis=1).sum()) if features
              else len(users),
              "items_without_metadata_row": without_row}
    extra = [c for c in events.columns if c not in REQUIRED_COLUMNS]
    return RawDataset(name="custom", interactions=events[["user", "item", "timestamp", *extra]], users=users,
                      items=items, genre_names=genre_names, user_features=features, source=str(folder),
                      checksums=checksums, report=report)
