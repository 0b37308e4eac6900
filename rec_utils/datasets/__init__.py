"""Dataset loaders: the official distribution files, read into one canonical form (:class:`RawDataset`).

``load_dataset(name)`` finds the files (explicit path, ``SEQREC_DATA_MIRROR``, ``data/raw`` cache, or a
checked download; see :mod:`rec_utils.datasets.sources`) and parses them strictly: a malformed file is an
error naming the file and line, and nothing is ever replaced by other data.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rec_utils.datasets.base import RawDataset, UserFeature
from rec_utils.datasets.custom import load_custom
from rec_utils.datasets.lastfm import LASTFM_1K, LASTFM_2K, load_lastfm_1k, load_lastfm_2k
from rec_utils.datasets.movielens import ML_1M, ML_100K, load_ml_1m, load_ml_100k
from rec_utils.datasets.sources import DatasetError, DatasetFormatError, OfficialSource, download_official

LOADERS: dict[str, Callable[..., RawDataset]] = {"ml-100k": load_ml_100k, "ml-1m": load_ml_1m,
                                                "lastfm-2k": load_lastfm_2k, "lastfm-1k": load_lastfm_1k,
                                                "custom": load_custom}
OFFICIAL_SOURCES: dict[str, OfficialSource] = {"ml-100k": ML_100K, "ml-1m": ML_1M, "lastfm-2k": LASTFM_2K,
                                               "lastfm-1k": LASTFM_1K}

# Whether evaluation masks the items a user already interacted with (README, evaluation protocol): a movie is rated once,
# so MovieLens masks them; re-listening is the norm on Last.fm, which does not.
# A custom dataset keeps repeats rankable (False); set MASK_SEEN in the notebooks where items are consumed once.
MASK_SEEN_DEFAULT: dict[str, bool] = {"ml-100k": True, "ml-1m": True, "lastfm-2k": False, "lastfm-1k": False,
                                      "custom": False}


@dataclass(frozen=True)
class DatasetInfo:
    """What a reader is told about a dataset in the notebooks and the README."""

    title: str
    description: str
    event_note: str
    training_figure: str  # the paper's figure with this dataset's training curves


DATASET_INFO: dict[str, DatasetInfo] = {
    "ml-100k": DatasetInfo(
        "MovieLens 100K (GroupLens, 1998)",
        "100,000 ratings (1-5) by 943 users of 1,682 movies, with timestamps, the users' age, gender and "
        "occupation, and 19 genre flags per movie. Every user rated at least 20 movies.",
        "Each event is a rating from 1 to 5; every rating counts as one interaction.",
        "fig2"),
    "ml-1m": DatasetInfo(
        "MovieLens 1M (GroupLens, 2003)",
        "1,000,209 ratings (1-5) by 6,040 users of 3,706 movies (3,883 listed), with timestamps, the users' "
        "gender, age band (read as the band's lower bound in years; under 18 as 10) and occupation, and 18 "
        "genres per movie. Every user rated at least 20 movies.",
        "Each event is a rating from 1 to 5; every rating counts as one interaction.",
        "fig3"),
    "lastfm-2k": DatasetInfo(
        "HetRec 2011 Last.fm-2K",
        "1,892 Last.fm users, the artists they listened to, and their tag assignments with dates. The "
        "interactions here are the tag-assignment events (user, artist, day), collapsed to one per user, artist "
        "and day, since they are the only dated events. 98% of the dates are the first of a month, and events "
        "of the same day keep file order, which lists a user's events by artist id: same-day order carries no "
        "time information. No demographics, no genres.",
        "Each event counts the tags the user gave the artist that day; every event counts as one interaction.",
        "fig4"),
    "lastfm-1k": DatasetInfo(
        "Last.fm-1K (Celma, 2010)",
        "The complete listening histories of 992 Last.fm users up to May 2009: 19,150,868 plays (scrobbles) of "
        "tracks, each with its time to the second, artist and track names and MusicBrainz ids, and the users' "
        "gender, age, country and sign-up date, often left empty (kept as an explicit unknown). Items are "
        "tracks by MusicBrainz id; as in the paper, plays without a valid track id are dropped, and exact "
        "duplicate rows are dropped too. No genres.",
        "Each event is one play of a track; replays are frequent and every play counts as one interaction.",
        "fig4"),
    "custom": DatasetInfo(
        "Your own dataset (custom CSV format)",
        "Interactions, and optionally user demographics and item titles and genres, read from DATA_PATH in the "
        "format the README describes ('Your own dataset').",
        "Each row of interactions.csv counts as one interaction.",
        "fig2"),
}


def check_dataset_name(name: str) -> None:
    """Raise ``ValueError`` naming the available datasets unless ``name`` is one of them."""
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(sorted(LOADERS))}")


def load_dataset(name: str, path: str | Path | None = None, download: bool = True, **options) -> RawDataset:
    """Load a dataset by name (see ``LOADERS``) from its official files (``custom``: from the folder ``path``);
    ``options`` go to its loader."""
    check_dataset_name(name)
    return LOADERS[name](path=path, download=download, **options)


def matches_official(name: str, checksums: dict[str, str]) -> dict[str, bool]:
    """For each file read, whether its SHA-256 equals the official distribution's (None: there is none)."""
    if name not in OFFICIAL_SOURCES:
        return {f: None for f in checksums}
    known = OFFICIAL_SOURCES[name].file_sha256
    return {f: known.get(f) == digest for f, digest in checksums.items()}


__all__ = ["check_dataset_name", "DATASET_INFO", "DatasetInfo", "RawDataset", "UserFeature", "DatasetError", "DatasetFormatError", "LOADERS", "MASK_SEEN_DEFAULT",
           "load_dataset", "load_custom", "matches_official", "download_official", "ML_100K", "ML_1M", "LASTFM_2K",
           "LASTFM_1K"]
