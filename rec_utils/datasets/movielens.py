"""MovieLens loaders (GroupLens distributions)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rec_utils.datasets.base import RawDataset, UserFeature
from rec_utils.datasets.parsing import read_delimited, require_known, require_unique
from rec_utils.datasets.sources import DatasetFormatError, OfficialSource, locate_dataset, sha256_of

ML_100K = OfficialSource(
    url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
    archive_name="ml-100k.zip",
    archive_md5="0e33842e24a9c977be4e0107933c0723",   # published by GroupLens beside the zip
    required_files=("u.data", "u.user", "u.item"),
    file_sha256={
        "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
        "u.user": "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
        "u.item": "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
    },
)

ML_100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
]

MOVIELENS_USER_FEATURES = [UserFeature("gender", "gender", "error"), UserFeature("age", "age", "mean"),
                           UserFeature("occupation", "categorical", "most_frequent")]


def load_ml_100k(path: str | Path | None = None, download: bool = True) -> RawDataset:
    """MovieLens-100K from the GroupLens zip or folder: u.data, u.user, u.item (Latin-1)."""
    files = locate_dataset("ml-100k", ML_100K, path, download)
    raw = {name: files.read_bytes(name) for name in ML_100K.required_files}
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
    bad_flag = ~np.isin(items[genre_columns].to_numpy(), (0, 1)).all(axis=1)
    if bad_flag.any():
        i = int(np.flatnonzero(bad_flag)[0])
        raise DatasetFormatError(f"{files.describe('u.item')}, line {i + 1}: genre flags must be 0 or 1")
    require_unique(users, "user", files.describe("u.user"))
    require_unique(items, "item", files.describe("u.item"))
    require_known(ratings["user"], users["user"], "user", files.describe("u.data"))
    require_known(ratings["item"], items["item"], "item", files.describe("u.data"))
    return RawDataset(name="ml-100k", interactions=ratings[["user", "item", "timestamp", "rating"]], users=users,
                      items=items, genre_names=list(ML_100K_GENRES), user_features=list(MOVIELENS_USER_FEATURES),
                      source=str(files.location), checksums={n: sha256_of(b) for n, b in raw.items()})
