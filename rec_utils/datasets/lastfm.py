"""Last.fm loaders: HetRec 2011 Last.fm-2K (``lastfm-2k``) and Celma's Last.fm-1K listening logs (``lastfm-1k``)."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from rec_utils.datasets.base import RawDataset, UserFeature
from rec_utils.datasets.parsing import iter_delimited_blocks, read_delimited, require_unique
from rec_utils.datasets.sources import DatasetFormatError, OfficialSource, SourceFiles, locate_dataset, sha256_of

LASTFM_2K = OfficialSource(
    url="https://files.grouplens.org/datasets/hetrec2011/hetrec2011-lastfm-2k.zip",
    archive_name="hetrec2011-lastfm-2k.zip",
    required_files=("user_taggedartists.dat", "artists.dat"),
    file_sha256={
        "user_taggedartists.dat": "d31fe938fcfeed6f0059f37a36b156f63674d073fc2553e5cc9dc1595e365bc7",
        "artists.dat": "c173881362c6b28551368fecb3c0be5a6a30a6cd859e1f5775413dfe46d48648",
    },
    folder_names=("lastfm-2k", "hetrec2011-lastfm-2k"),
)

# Last.fm started in 2002; a tag assignment dated earlier cannot be real (the file has a few from 1956-1979).
LASTFM_2K_FIRST_PLAUSIBLE_DATE = pd.Timestamp("2002-01-01")


def load_lastfm_2k(path: str | Path | None = None, download: bool = True) -> RawDataset:
    """HetRec 2011 Last.fm-2K: tag-assignment events as interactions, artist names as titles.

    Interactions are the rows of ``user_taggedartists.dat`` (user, artist, tag, day, month, year)
    collapsed to one event per user, artist and day (the tags of one sitting are one event), kept in the
    order of their first row; ``timestamp`` is that day at 00:00 UTC, so events of one day keep file
    order. Rows dated before 2002 (before Last.fm existed) are dropped and counted. The dataset has no
    demographics and no genres.
    """
    files = locate_dataset("lastfm-2k", LASTFM_2K, path, download)
    raw = {name: files.read_bytes(name) for name in LASTFM_2K.required_files}
    label = files.describe("user_taggedartists.dat")
    tags = read_delimited(raw["user_taggedartists.dat"], label, "\t",
                          ["user", "item", "tag", "day", "month", "year"], "utf-8",
                          int_columns=["user", "item", "tag", "day", "month", "year"],
                          header=["userID", "artistID", "tagID", "day", "month", "year"])
    dates = pd.to_datetime(tags[["year", "month", "day"]], errors="coerce")
    if dates.isna().any():
        i = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DatasetFormatError(f"{label}, line {i + 2}: no such date "
                                 f"(day {tags['day'].iloc[i]}, month {tags['month'].iloc[i]}, year {tags['year'].iloc[i]})")
    implausible = dates < LASTFM_2K_FIRST_PLAUSIBLE_DATE
    tags = tags.assign(timestamp=(dates - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1))[~implausible.to_numpy()]
    events = (tags.groupby(["user", "item", "timestamp"], sort=False)
              .size().rename("tag_assignments").reset_index())

    artists = read_delimited(raw["artists.dat"], files.describe("artists.dat"), "\t",
                             ["item", "title", "url", "picture_url"], "utf-8", int_columns=["item"],
                             header=["id", "name", "url", "pictureURL"])
    unlisted = np.setdiff1d(events["item"].unique(), artists["item"].to_numpy())
    if len(unlisted):
        artists = pd.concat([artists, pd.DataFrame({"item": unlisted, "title": [f"artist {a} (not in artists.dat)"
                                                                                for a in unlisted], "url": "", "picture_url": ""})],
                            ignore_index=True)
    report = {
        "tag_assignment_rows": int(len(implausible)),
        "rows_dropped_implausible_date": int(implausible.sum()),
        "implausible_years": sorted(set(dates[implausible].dt.year.tolist())),
        "events_after_collapsing_same_day": int(len(events)),
        "artists_tagged_but_not_in_artists_dat": int(len(unlisted)),
        "share_of_rows_dated_first_of_month": float((tags["day"] == 1).mean()),
    }
    users = pd.DataFrame({"user": np.sort(events["user"].unique())})
    return RawDataset(name="lastfm-2k", interactions=events[["user", "item", "timestamp", "tag_assignments"]],
                      users=users, items=artists, genre_names=[], user_features=[],
                      source=str(files.location), checksums={n: sha256_of(b) for n, b in raw.items()}, report=report)


LASTFM_1K_LOG = "userid-timestamp-artid-artname-traid-traname.tsv"
LASTFM_1K_LOG_SAMPLE = "userid-timestamp-artid-artname-traid-traname.SAMPLE5000.tsv"  # the mirror's first 5000 rows
LASTFM_1K_PROFILE = "userid-profile.tsv"

LASTFM_1K = OfficialSource(
    url="http://mtg.upf.edu/static/datasets/last.fm/lastfm-dataset-1K.tar.gz",
    archive_name="lastfm-dataset-1K.tar.gz",
    required_files=(LASTFM_1K_LOG, LASTFM_1K_PROFILE),
    # The profile as in the team mirror, whose MD5 equals the one the dataset's README publishes
    # (c53608b6b445db201098c1489ea497df). The README gives the log's MD5 too (64747b21563e3d2aa95751e0ddc46b68);
    # its SHA-256 belongs here once a copy of the full log has been checked against that MD5.
    file_sha256={LASTFM_1K_PROFILE: "b1a739ee14c1974d54a9073a1a37955bcfc9be31f29063ad8303de5c40d58fa3"},
    folder_names=("lastfm-1k", "lastfm-dataset-1K"),
    stand_ins={LASTFM_1K_LOG: LASTFM_1K_LOG_SAMPLE},
)

LASTFM_1K_LOG_COLUMNS = ["user_id", "time", "artist_mbid", "artist", "track_mbid", "track"]
LASTFM_1K_USER_FEATURES = [UserFeature("gender", "gender", "unknown"), UserFeature("age", "age", "unknown"),
                           UserFeature("country", "categorical", "unknown")]
MBID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
USER_ID_PATTERN = r"user_\d{6}"


def read_lastfm_1k_profile(raw: bytes, label: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """userid-profile.tsv as ``user, user_id, gender, age, country, registered``, and its empty fields counted.

    ``user`` is the number in ``user_000123``; ``gender`` is ``m``, ``f`` or empty, ``age`` a number or NaN,
    ``registered`` a date or NaT. Empty fields stay empty (preprocessing makes them an explicit unknown);
    any other malformed field is a format error naming the line.
    """
    profile = read_delimited(raw, label, "\t", ["user_id", "gender", "age", "country", "registered"], "utf-8",
                             optional_numeric=["age"], header=["#id", "gender", "age", "country", "registered"])
    registered = pd.to_datetime(profile["registered"], format="%b %d, %Y", errors="coerce")
    problems = [
        (~profile["user_id"].str.fullmatch(USER_ID_PATTERN), "user id must look like 'user_000123'", "user_id"),
        (~profile["gender"].isin(["m", "f", ""]), "gender must be 'm', 'f' or empty", "gender"),
        (registered.isna() & profile["registered"].ne(""), "registered must be a date like 'Aug 13, 2006' or empty",
         "registered"),
    ]
    for bad, what, column in problems:
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DatasetFormatError(f"{label}, line {i + 2}: {what}, got {profile[column].iloc[i]!r}")
    users = pd.DataFrame({"user": profile["user_id"].str[5:].astype(np.int64), "user_id": profile["user_id"],
                          "gender": profile["gender"], "age": profile["age"], "country": profile["country"],
                          "registered": registered})
    require_unique(users, "user_id", label, first_line=2)
    empty = {f"profile_empty_{c}": int(profile[c].eq("").sum()) for c in ("gender", "country", "registered")}
    empty["profile_empty_age"] = int(users["age"].isna().sum())
    return users, empty


def _read_log(files: SourceFiles, filename: str,
              block_bytes: int) -> tuple[dict[str, np.ndarray | pd.Categorical], str]:
    """The log in file order as compact columns (user number, int64 seconds, four categoricals) and its SHA-256.

    Text columns are factorised block by block and united at the end, so memory holds integer codes and
    each distinct string once, never a Python string per row.
    """
    label = files.describe(filename)
    digest = hashlib.sha256()
    users, times, text = [], [], {c: [] for c in LASTFM_1K_LOG_COLUMNS[2:]}
    with files.open(filename) as raw_stream:
        stream = _Hashing(raw_stream, digest)
        for block, first_line in iter_delimited_blocks(stream, label, "\t", LASTFM_1K_LOG_COLUMNS, "utf-8",
                                                       block_bytes):
            codes, ids = pd.factorize(block["user_id"])
            bad_id = ~pd.Series(ids).str.fullmatch(USER_ID_PATTERN).to_numpy()
            if bad_id.any():
                i = int(np.flatnonzero(bad_id[codes])[0])
                raise DatasetFormatError(f"{label}, line {first_line + i}: user id must look like 'user_000123', "
                                         f"got {block['user_id'].iloc[i]!r}")
            users.append(np.asarray(pd.Series(ids).str[5:].astype(np.int64))[codes])
            stamp = block["time"]
            parsed = pd.to_datetime(stamp, format="ISO8601", utc=True, errors="coerce")
            bad_time = (parsed.isna() | stamp.str.len().ne(20) | ~stamp.str.endswith("Z")).to_numpy()
            if bad_time.any():
                i = int(np.flatnonzero(bad_time)[0])
                raise DatasetFormatError(f"{label}, line {first_line + i}: timestamp must be UTC ISO 8601 like "
                                         f"'2009-05-04T23:08:57Z', got {stamp.iloc[i]!r}")
            times.append(parsed.array.as_unit("s").asi8)
            for column, parts in text.items():
                codes, uniques = pd.factorize(block[column])
                parts.append(pd.Categorical.from_codes(codes, pd.Index(uniques, dtype=object)))
    if not users:
        raise DatasetFormatError(f"{label}: the file is empty")
    columns: dict[str, np.ndarray | pd.Categorical] = {"user": np.concatenate(users),
                                                       "timestamp": np.concatenate(times)}
    columns.update({c: union_categoricals(parts) for c, parts in text.items()})
    return columns, digest.hexdigest()


class _Hashing:
    """A binary stream that feeds every byte read through a hash (the log is read once, not twice)."""

    def __init__(self, stream: BinaryIO, digest: "hashlib._Hash") -> None:
        self._stream, self._digest = stream, digest

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._digest.update(data)
        return data


def load_lastfm_1k(path: str | Path | None = None, download: bool = True, track_key: str = "mbid",
                   block_bytes: int = 64 << 20) -> RawDataset:
    """Last.fm-1K (Celma, 2010): every play (scrobble) in the listening log as an interaction, tracks as items.

    - The log (``userid, ISO 8601 UTC time, artist MBID, artist, track MBID, track``) is read with quoting off
      and strictly: a wrong field count, bad UTF-8, a malformed user id or timestamp names the line, and so
      does a user missing from the profile. It is read in blocks into integer codes (memory: see
      ``benchmarks/lastfm1k_load.py``). Where the full log is absent, the mirror's 5000-row sample is read
      in its place and ``report["log_is_sample"]`` says so.
    - Exact duplicate rows (all six fields equal) are dropped and counted: a play cannot be logged twice for
      the same user in the same second, so the copy is a logging artefact, not a second listen.
    - ``track_key="mbid"`` (the paper's rule): rows without a track MBID, or with one that is not a UUID, are
      dropped and counted apart (missing vs invalid). ``track_key="name"``: tracks are artist name + track
      name, and rows missing either are dropped.
    - ``item`` numbers the tracks 1..n by first appearance in the file; ``items`` gives each one's MBID,
      artist and track name (those of its first row) and a ``title``.
    - The log lists each user newest first; interactions are in reverse file order, so each user's plays run
      oldest first and plays logged in the same second keep their most likely order (preprocessing sorts
      stably by time). ``report["log_rows_out_of_order"]`` counts rows later than the row before them.
    - Users carry gender, age and country from the profile; an empty field is an explicit unknown
      (``missing="unknown"``), counted in ``report["profile_empty_*"]``.
    """
    if track_key not in ("mbid", "name"):
        raise ValueError(f"track_key must be 'mbid' or 'name', got {track_key!r}")
    files = locate_dataset("lastfm-1k", LASTFM_1K, path, download)
    log_name = LASTFM_1K_LOG if files.exists(LASTFM_1K_LOG) else LASTFM_1K_LOG_SAMPLE
    profile_raw = files.read_bytes(LASTFM_1K_PROFILE)
    users, report = read_lastfm_1k_profile(profile_raw, files.describe(LASTFM_1K_PROFILE))
    log, log_sha256 = _read_log(files, log_name, block_bytes)
    label = files.describe(log_name)

    unknown_user = ~np.isin(log["user"], users["user"].to_numpy())
    if unknown_user.any():
        i = int(np.flatnonzero(unknown_user)[0])
        raise DatasetFormatError(f"{label}, line {i + 1}: user user_{log['user'][i]:06d} is not listed in "
                                 f"{LASTFM_1K_PROFILE} ({int(unknown_user.sum())} such lines)")
    codes = {c: log[c].codes for c in LASTFM_1K_LOG_COLUMNS[2:]}
    duplicate = pd.DataFrame({"user": log["user"], "timestamp": log["timestamp"], **codes}).duplicated().to_numpy()
    if track_key == "mbid":
        track_ids = log["track_mbid"].categories.to_series()
        missing_id = (track_ids == "").to_numpy()
        invalid_id = ~missing_id & ~track_ids.str.fullmatch(MBID_PATTERN).to_numpy()
        missing, invalid = missing_id[codes["track_mbid"]], invalid_id[codes["track_mbid"]]
        key = codes["track_mbid"].astype(np.int64)
    else:
        missing = ((log["artist"].categories == "")[codes["artist"]]
                   | (log["track"].categories == "")[codes["track"]])
        invalid = np.zeros_like(missing)
        key = codes["artist"].astype(np.int64) * len(log["track"].categories) + codes["track"]
    kept = np.flatnonzero(~duplicate & ~missing & ~invalid)
    item_codes, _ = pd.factorize(key[kept])
    first_rows = kept[np.unique(item_codes, return_index=True)[1]]

    def text(column: str, rows: np.ndarray) -> np.ndarray:
        return np.asarray(log[column].categories, dtype=object)[codes[column][rows]]

    artist, track = text("artist", first_rows), text("track", first_rows)
    items = pd.DataFrame({"item": np.arange(1, len(first_rows) + 1), "title": artist + " – " + track,
                          "track_mbid": text("track_mbid", first_rows), "artist_mbid": text("artist_mbid", first_rows),
                          "artist": artist, "track": track})
    order = kept[::-1]
    interactions = pd.DataFrame({"user": log["user"][order], "item": item_codes[::-1].astype(np.int64) + 1,
                                 "timestamp": log["timestamp"][order]})
    same_user = log["user"][1:] == log["user"][:-1]
    same_user_after = np.diff(interactions["user"].to_numpy()) == 0
    report.update({
        "log_file": log_name,
        "log_is_sample": log_name == LASTFM_1K_LOG_SAMPLE,
        "log_rows": int(len(duplicate)),
        "duplicate_rows_dropped": int(duplicate.sum()),
        "track_key": track_key,
        "rows_dropped_missing_track_id": int((missing & ~duplicate).sum()),
        "rows_dropped_invalid_track_id": int((invalid & ~duplicate).sum()),
        "events": int(len(kept)),
        "tracks": int(len(first_rows)),
        "log_rows_out_of_order": int((same_user & (log["timestamp"][1:] > log["timestamp"][:-1])).sum()),
        "events_in_the_same_second_as_the_previous":
            int((same_user_after & (np.diff(interactions["timestamp"].to_numpy()) == 0)).sum()),
        "profile_users_without_events": int((~users["user"].isin(interactions["user"].unique())).sum()),
    })
    return RawDataset(name="lastfm-1k", interactions=interactions, users=users, items=items, genre_names=[],
                      user_features=list(LASTFM_1K_USER_FEATURES), source=str(files.location),
                      checksums={LASTFM_1K_PROFILE: sha256_of(profile_raw), log_name: log_sha256}, report=report)
