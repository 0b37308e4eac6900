"""MovieLens loaders (GroupLens distributions): MovieLens-100K (``ml-100k``) and MovieLens-1M (``ml-1m``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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


ML_1M = OfficialSource(
    url="https://files.grouplens.org/datasets/movielens/ml-1m.zip",
    archive_name="ml-1m.zip",
    # Published by GroupLens beside the zip (ml-1m.zip.md5); quoted identically by independent projects.
    archive_md5="c4d9eecfca2ab87c1945afe126590906",
    required_files=("ratings.dat", "users.dat", "movies.dat"),
    # users.dat and movies.dat as in the team mirror (shared/datasets/SHA256SUMS). ratings.dat is left out:
    # no copy was available here to hash, and an unverified digest would be worse than none.
    file_sha256={
        "users.dat": "1dc3a95300cb19f7c10e027daf29b8cdf1d908dab65b5edfb45950aa389a10a3",
        "movies.dat": "0140fc2356357c1a851d0f52e893a1e4d3696df632c4141cea8d5bc3d621f0b9",
    },
)

ML_1M_GENRES = [
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]

# Age band code -> years, and the README's label of each band (see load_ml_1m for the choice).
ML_1M_AGE_YEARS: dict[int, float] = {1: 10.0, 18: 18.0, 25: 25.0, 35: 35.0, 45: 45.0, 50: 50.0, 56: 56.0}
ML_1M_AGE_BANDS: dict[int, str] = {1: "Under 18", 18: "18-24", 25: "25-34", 35: "35-44", 45: "45-49", 50: "50-55",
                                   56: "56+"}

ML_1M_OCCUPATIONS = [  # index = the code in users.dat (README)
    "other or not specified", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker", "K-12 student",
    "lawyer", "programmer", "retired", "sales/marketing", "scientist", "self-employed", "technician/engineer",
    "tradesman/craftsman", "unemployed", "writer",
]


def _first_bad_line(bad: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(bad))[0])


def read_ml_1m_users(raw: bytes, label: str) -> pd.DataFrame:
    """users.dat as ``user, gender, age, age_band, occupation, zip_code``.

    ``age`` is in years (:data:`ML_1M_AGE_YEARS`), ``age_band`` the README's label of the age code,
    ``occupation`` the README's name for the occupation code, and ``zip_code`` the text as given. A
    gender other than F/M, an age code not in the README or an occupation code outside 0-20 is a format
    error naming the line; so is a repeated user id.
    """
    users = read_delimited(raw, label, "::", ["user", "gender", "age_code", "occupation_code", "zip_code"],
                           "latin-1", int_columns=["user", "age_code", "occupation_code"])
    bad_gender = ~users["gender"].isin(["F", "M"])
    if bad_gender.any():
        i = _first_bad_line(bad_gender)
        raise DatasetFormatError(f"{label}, line {i + 1}: gender must be 'F' or 'M', got {users['gender'].iloc[i]!r}")
    bad_age = ~users["age_code"].isin(list(ML_1M_AGE_YEARS))
    if bad_age.any():
        i = _first_bad_line(bad_age)
        raise DatasetFormatError(f"{label}, line {i + 1}: age code {users['age_code'].iloc[i]} is not one of "
                                 f"{', '.join(map(str, ML_1M_AGE_YEARS))} (see the README)")
    bad_occupation = ~users["occupation_code"].between(0, len(ML_1M_OCCUPATIONS) - 1)
    if bad_occupation.any():
        i = _first_bad_line(bad_occupation)
        raise DatasetFormatError(f"{label}, line {i + 1}: occupation code {users['occupation_code'].iloc[i]} "
                                 f"is outside 0-{len(ML_1M_OCCUPATIONS) - 1}")
    require_unique(users, "user", label)
    return pd.DataFrame({
        "user": users["user"], "gender": users["gender"],
        "age": users["age_code"].map(ML_1M_AGE_YEARS).astype(np.float64),
        "age_band": users["age_code"].map(ML_1M_AGE_BANDS),
        "occupation": np.asarray(ML_1M_OCCUPATIONS, dtype=object)[users["occupation_code"].to_numpy()],
        "zip_code": users["zip_code"],
    })


def read_ml_1m_movies(raw: bytes, label: str) -> pd.DataFrame:
    """movies.dat (Latin-1) as ``item, title, genres`` plus one 0/1 ``genre_<name>`` column per genre.

    Every movie must list at least one of the README's 18 genres and nothing else; an unknown genre
    or a repeated movie id is a format error naming the line.
    """
    movies = read_delimited(raw, label, "::", ["item", "title", "genres"], "latin-1", int_columns=["item"])
    listed = movies["genres"].str.split("|").explode()
    unknown = ~listed.isin(ML_1M_GENRES)
    if unknown.any():
        i = int(listed.index[unknown.to_numpy()][0])
        raise DatasetFormatError(f"{label}, line {i + 1}: unknown genre {listed[unknown].iloc[0]!r} "
                                 f"(the README lists {', '.join(ML_1M_GENRES)})")
    require_unique(movies, "item", label)
    flags = {f"genre_{g}": listed.eq(g).groupby(level=0).any().astype(np.int64) for g in ML_1M_GENRES}
    return movies.assign(**flags)


def load_ml_1m(path: str | Path | None = None, download: bool = True) -> RawDataset:
    """MovieLens-1M from the GroupLens zip or folder: ratings.dat, users.dat, movies.dat (``::``-separated).

    Ratings keep file order; each must be a whole star from 1 to 5 by a listed user of a listed movie,
    else a format error names the line. Users carry gender, age, age band and occupation name; movies
    carry 18 genre flags.

    Age: users.dat holds an age band code (1, 18, 25, 35, 45, 50, 56), not an age. Each code is read as
    its band's lower bound in years; "Under 18" (code 1) has no stated lower bound and is read as 10, the
    floor of the paper's [10, 90] clip. This gives exactly what the paper's clip-and-scale rule makes of
    the raw codes (1 clips to 10, the others are their lower bounds), so the paper's most likely reading
    is reproduced and stated. With the default 8 age bins of 10 years, bands "Under 18" and "18-24" share
    the 10-20 bin, and "50-55" and "56+" the 50-60 bin; ``users["age_band"]`` keeps the band.
    """
    files = locate_dataset("ml-1m", ML_1M, path, download)
    raw = {name: files.read_bytes(name) for name in ML_1M.required_files}
    label = files.describe("ratings.dat")
    ratings = read_delimited(raw["ratings.dat"], label, "::", ["user", "item", "rating", "timestamp"], "latin-1",
                             int_columns=["user", "item", "rating", "timestamp"])
    bad_rating = ~ratings["rating"].between(1, 5)
    if bad_rating.any():
        i = _first_bad_line(bad_rating)
        raise DatasetFormatError(f"{label}, line {i + 1}: rating must be a whole star from 1 to 5, "
                                 f"got {ratings['rating'].iloc[i]}")
    users = read_ml_1m_users(raw["users.dat"], files.describe("users.dat"))
    items = read_ml_1m_movies(raw["movies.dat"], files.describe("movies.dat"))
    require_known(ratings["user"], users["user"], "user", label)
    require_known(ratings["item"], items["item"], "item", label)
    report = {"age_years_of_code": dict(ML_1M_AGE_YEARS),
              "movies_listed_without_ratings": int((~items["item"].isin(ratings["item"])).sum())}
    return RawDataset(name="ml-1m", interactions=ratings[["user", "item", "timestamp", "rating"]], users=users,
                      items=items, genre_names=list(ML_1M_GENRES), user_features=list(MOVIELENS_USER_FEATURES),
                      source=str(files.location), checksums={n: sha256_of(b) for n, b in raw.items()}, report=report)
