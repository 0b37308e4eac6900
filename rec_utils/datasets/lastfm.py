"""Last.fm loaders: HetRec 2011 Last.fm-2K (``lastfm-2k``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rec_utils.datasets.base import RawDataset
from rec_utils.datasets.parsing import read_delimited
from rec_utils.datasets.sources import DatasetFormatError, OfficialSource, locate_dataset, sha256_of

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
