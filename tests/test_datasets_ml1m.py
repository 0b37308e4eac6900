"""The MovieLens-1M loader: the real users.dat and movies.dat, ratings in the official format, clear errors.

The team mirror has no ratings.dat, so ratings parsing is checked on small files written in the official
format beside the real users.dat and movies.dat; the full-count test runs only where ratings.dat exists.
"""
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rec_utils import paths
from rec_utils.datasets import (DATASET_INFO, MASK_SEEN_DEFAULT, DatasetError, DatasetFormatError, load_dataset,
                                matches_official)
from rec_utils.datasets.movielens import ML_1M_GENRES, read_ml_1m_movies, read_ml_1m_users
from rec_utils.preprocessing import preprocess

# Lines in the official format (UserID::MovieID::Rating::Timestamp), one user's ratings not in time order.
RATINGS = [
    "1::1193::5::978300760",
    "1::661::3::978302109",
    "1::73::4::978301968",
    "2::1357::5::978298709",
    "2::3068::4::978299000",
    "2::1::3::978298413",
    "3::3421::4::978298147",
]


@pytest.fixture(scope="module")
def real_folder() -> Path:
    """The folder with the real users.dat and movies.dat (mirror, else the download cache)."""
    mirror = paths.mirror_root()
    folder = mirror / "ml-1m" if mirror is not None else paths.raw_dir("ml-1m")
    if not ((folder / "users.dat").is_file() and (folder / "movies.dat").is_file()):
        pytest.fail(f"the real MovieLens-1M users.dat and movies.dat are needed in {folder} "
                    f"(set {paths.MIRROR_ENV} to the team's shared/datasets)")
    return folder


def _folder_with_ratings(real_folder: Path, target: Path, lines: list[str]) -> Path:
    target.mkdir()
    for name in ("users.dat", "movies.dat"):
        shutil.copy(real_folder / name, target / name)
    (target / "ratings.dat").write_text("\n".join(lines) + "\n", encoding="latin-1")
    return target


def test_real_users(real_folder):
    users = read_ml_1m_users((real_folder / "users.dat").read_bytes(), "users.dat")
    assert len(users) == 6040 and users["user"].is_unique
    assert users["gender"].value_counts().to_dict() == {"M": 4331, "F": 1709}
    assert users["age_band"].value_counts().to_dict() == {
        "25-34": 2096, "35-44": 1193, "18-24": 1103, "45-49": 550, "50-55": 496, "56+": 380, "Under 18": 222}
    assert sorted(users["age"].unique()) == [10.0, 18.0, 25.0, 35.0, 45.0, 50.0, 56.0]
    assert (users["occupation"] == "other or not specified").sum() == 711
    assert users["occupation"].nunique() == 21
    first = users.iloc[0]
    assert (first["user"], first["gender"], first["age"], first["occupation"], first["zip_code"]) == \
        (1, "F", 10.0, "K-12 student", "48067")
    by_user = users.set_index("user")["zip_code"]
    assert by_user[4] == "02460" and by_user[161] == "98107-2117"   # zip codes stay text


def test_real_movies(real_folder):
    movies = read_ml_1m_movies((real_folder / "movies.dat").read_bytes(), "movies.dat")
    assert len(movies) == 3883 and movies["item"].max() == 3952
    assert len(ML_1M_GENRES) == 18
    flags = movies[[f"genre_{g}" for g in ML_1M_GENRES]]
    assert flags.sum().loc[["genre_Drama", "genre_Comedy", "genre_Film-Noir"]].tolist() == [1603, 1200, 44]
    assert flags.sum(axis=1).value_counts().sort_index().to_dict() == {1: 2025, 2: 1322, 3: 421, 4: 100, 5: 14, 6: 1}
    titles = movies.set_index("item")["title"]
    assert titles[1] == "Toy Story (1995)"
    assert titles[73] == "Misérables, Les (1995)"                    # Latin-1 0xE9
    assert titles[649] == "Cold Fever (Á köldum klaka) (1994)"
    assert titles.map(lambda t: not t.isascii()).sum() == 50
    toy_story = [g for g in ML_1M_GENRES if movies.loc[0, f"genre_{g}"] == 1]
    assert toy_story == ["Animation", "Children's", "Comedy"]


def test_ratings_in_the_official_format(real_folder, tmp_path):
    raw = load_dataset("ml-1m", path=_folder_with_ratings(real_folder, tmp_path / "ml-1m", RATINGS))
    inter = raw.interactions
    assert inter.columns.tolist() == ["user", "item", "timestamp", "rating"]
    assert all(str(t) == "int64" for t in inter.dtypes)
    assert inter.values.tolist()[:2] == [[1, 1193, 978300760, 5], [1, 661, 978302109, 3]]   # file order
    assert raw.summary()["users"] == 3 and raw.summary()["items"] == 7
    assert len(raw.users) == 6040 and len(raw.items) == 3883
    assert raw.report["movies_listed_without_ratings"] == 3883 - 7
    assert matches_official("ml-1m", raw.checksums) == {"ratings.dat": False, "users.dat": True, "movies.dat": True}


def test_preprocessing_reads_age_bands_as_years(real_folder, tmp_path):
    data = preprocess(load_dataset("ml-1m", path=_folder_with_ratings(real_folder, tmp_path / "ml-1m", RATINGS)))
    users = data.users.set_index("user")
    assert users.loc[[1, 2, 3], "age_band"].tolist() == ["Under 18", "56+", "25-34"]
    assert np.allclose(users.loc[[1, 2, 3], "age_scaled"], [0.0, 46 / 80, 15 / 80])
    assert data.report["age_clipped_low"] == 0       # "under 18" is already read as 10
    assert data.report["encoders"]["occupation"] == ["K-12 student", "scientist", "self-employed"]
    assert data.sequences.loc[data.sequences["user_idx"] == 1, "timestamp"].tolist() == [978300760, 978301968, 978302109]


def test_reads_the_official_zip(real_folder, tmp_path):
    folder = _folder_with_ratings(real_folder, tmp_path / "ml-1m", RATINGS)
    archive = tmp_path / "ml-1m.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name in ("ratings.dat", "users.dat", "movies.dat"):
            out.write(folder / name, f"ml-1m/{name}")
        out.write(real_folder / "README", "ml-1m/README")
    from_zip = load_dataset("ml-1m", path=archive)
    from_folder = load_dataset("ml-1m", path=folder)
    assert from_zip.summary() == from_folder.summary()
    assert from_zip.checksums == from_folder.checksums


def test_registered():
    assert MASK_SEEN_DEFAULT["ml-1m"] is True
    assert DATASET_INFO["ml-1m"].training_figure == "fig3"


def test_missing_ratings_file_says_so_and_where_to_put_it(real_folder, tmp_path):
    folder = tmp_path / "ml-1m"
    folder.mkdir()
    for name in ("users.dat", "movies.dat"):
        shutil.copy(real_folder / name, folder / name)
    with pytest.raises(DatasetError, match=r"missing ratings\.dat for dataset 'ml-1m'\. Put the official files "
                                           r"\(ratings\.dat, users\.dat, movies\.dat\) or ml-1m\.zip in .*ml-1m/"):
        load_dataset("ml-1m", path=folder)


def test_malformed_line_names_file_and_line(real_folder, tmp_path):
    lines = RATINGS[:2] + ["1::1193::5"] + RATINGS[3:]
    with pytest.raises(DatasetFormatError, match=r"ratings\.dat, line 3: expected 4 fields separated by '::', found 3"):
        load_dataset("ml-1m", path=_folder_with_ratings(real_folder, tmp_path / "ml-1m", lines))


def test_rating_outside_one_to_five_is_an_error(real_folder, tmp_path):
    lines = RATINGS[:4] + ["2::3068::6::978299000"] + RATINGS[5:]
    with pytest.raises(DatasetFormatError, match=r"ratings\.dat, line 5: rating must be a whole star from 1 to 5, got 6"):
        load_dataset("ml-1m", path=_folder_with_ratings(real_folder, tmp_path / "ml-1m", lines))


def test_rating_of_an_unlisted_movie_is_an_error(real_folder, tmp_path):
    listed = set(read_ml_1m_movies((real_folder / "movies.dat").read_bytes(), "movies.dat")["item"])
    unlisted = min(set(range(1, 3953)) - listed)       # MovieIDs run to 3952 with gaps (README)
    lines = RATINGS[:1] + [f"1::{unlisted}::4::978300800"] + RATINGS[1:]
    with pytest.raises(DatasetFormatError, match=rf"ratings\.dat, line 2: item {unlisted} is not listed"):
        load_dataset("ml-1m", path=_folder_with_ratings(real_folder, tmp_path / "ml-1m", lines))


def test_unknown_age_code_names_file_and_line(real_folder, tmp_path):
    folder = _folder_with_ratings(real_folder, tmp_path / "ml-1m", RATINGS)
    users = (folder / "users.dat").read_text(encoding="latin-1").split("\n")
    assert users[4] == "5::M::25::20::55455"
    users[4] = "5::M::30::20::55455"
    (folder / "users.dat").write_text("\n".join(users), encoding="latin-1")
    with pytest.raises(DatasetFormatError, match=r"users\.dat, line 5: age code 30 is not one of 1, 18, 25, 35, 45, 50, 56"):
        load_dataset("ml-1m", path=folder)


def test_unknown_genre_names_file_and_line(real_folder, tmp_path):
    folder = _folder_with_ratings(real_folder, tmp_path / "ml-1m", RATINGS)
    movies = (folder / "movies.dat").read_bytes().split(b"\n")
    movies[1] = b"2::Jumanji (1995)::Adventure|Children's|Fantasy|Family"
    (folder / "movies.dat").write_bytes(b"\n".join(movies))
    with pytest.raises(DatasetFormatError, match=r"movies\.dat, line 2: unknown genre 'Family'"):
        load_dataset("ml-1m", path=folder)


def test_full_dataset_counts(real_folder):
    if not (real_folder / "ratings.dat").is_file():
        pytest.skip(f"ratings.dat is not in {real_folder} (the team mirror has only users.dat and movies.dat)")
    raw = load_dataset("ml-1m", path=real_folder)
    assert len(raw.interactions) == 1_000_209
    assert raw.summary()["users"] == 6040 and raw.summary()["items"] == 3706
    assert raw.report["movies_listed_without_ratings"] == 3883 - 3706
