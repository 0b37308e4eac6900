"""The Last.fm-1K loader: the real profile and log sample, each quirk of the log on small files, clear errors.

The team mirror holds the real userid-profile.tsv and the first 5000 rows of the 2.4 GB log; the quirks the
full log is known for (quotes in titles, duplicate rows, missing or broken MBIDs) are written into small
logs in the official format, read beside the real profile.
"""
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from rec_utils import paths
from rec_utils.datasets import DATASET_INFO, MASK_SEEN_DEFAULT, DatasetError, DatasetFormatError, load_dataset, matches_official
from rec_utils.datasets.lastfm import LASTFM_1K_LOG, LASTFM_1K_LOG_SAMPLE, LASTFM_1K_PROFILE, read_lastfm_1k_profile
from rec_utils.preprocessing import preprocess

ARTIST = "a7f7df4a-77d8-4f12-8acd-5c60c93f4de8"
T1, T2, T3 = ("f7c1f8f8-b935-45ed-8fc8-7def69d92a10", "475d4e50-cebb-4cd0-8cd4-c3df97987962",
              "dc394163-2b78-4b56-94e4-658597a29ef8")
# Newest first per user, as in the official log. Users 3 (m, 22, United States), 4 (f, no age, no country)
# and 14 (nothing but a sign-up date) are real profile rows.
QUIRKS = [
    f'user_000003\t2009-05-04T10:00:00Z\t{ARTIST}\tThe "Band\t{T1}\tHe said "hi',       # 1 unbalanced quotes
    f"user_000003\t2009-05-04T09:55:00Z\t{ARTIST}\tThe \"Band\t{T2}\tPlain",             # 2
    f"user_000003\t2009-05-04T09:55:00Z\t{ARTIST}\tThe \"Band\t{T2}\tPlain",             # 3 exact duplicate of 2
    "user_000003\t2009-05-04T09:50:00Z\t\tSomeone\t\tNo Ids Here",                       # 4 no MBIDs
    f"user_000003\t2009-05-04T09:45:00Z\t{ARTIST}\tThe \"Band\tnot-a-uuid\tBad Id",      # 5 invalid track MBID
    f'user_000004\t2009-05-03T08:00:00Z\t{ARTIST}\tArtist\t{T1}\t"Quoted title"',        # 6
    f"user_000004\t2009-05-03T07:00:00Z\t{ARTIST}\tArtist\t{T3}\tThird",                 # 7 same second as 8
    f"user_000004\t2009-05-03T07:00:00Z\t{ARTIST}\tArtist\t{T2}\tPlain",                 # 8
    f"user_000014\t2009-05-02T07:00:00Z\t{ARTIST}\tArtist\t{T3}\tThird",                 # 9
]


@pytest.fixture(scope="module")
def real_folder() -> Path:
    """The folder with the real profile and log sample (mirror, else the download cache)."""
    mirror = paths.mirror_root()
    folder = mirror / "lastfm-1k" if mirror is not None else paths.raw_dir("lastfm-1k")
    if not ((folder / LASTFM_1K_PROFILE).is_file() and (folder / LASTFM_1K_LOG_SAMPLE).is_file()):
        pytest.fail(f"the real Last.fm-1K profile and log sample are needed in {folder} "
                    f"(set {paths.MIRROR_ENV} to the team's shared/datasets)")
    return folder


@pytest.fixture(scope="module")
def sample(real_folder, tmp_path_factory):
    """The real profile and 5000-row sample alone in a folder, so the sample is read even beside a full log."""
    folder = tmp_path_factory.mktemp("sample") / "lastfm-1k"
    folder.mkdir()
    for name in (LASTFM_1K_PROFILE, LASTFM_1K_LOG_SAMPLE):
        shutil.copy(real_folder / name, folder / name)
    return load_dataset("lastfm-1k", path=folder)


def _folder(real_folder: Path, target: Path, lines: list[str], log_name: str = LASTFM_1K_LOG) -> Path:
    target.mkdir()
    shutil.copy(real_folder / LASTFM_1K_PROFILE, target / LASTFM_1K_PROFILE)
    (target / log_name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def test_real_profile(real_folder):
    users, empty = read_lastfm_1k_profile((real_folder / LASTFM_1K_PROFILE).read_bytes(), LASTFM_1K_PROFILE)
    assert len(users) == 992 and users["user"].is_unique
    assert empty == {"profile_empty_gender": 108, "profile_empty_age": 706, "profile_empty_country": 85,
                     "profile_empty_registered": 8}
    assert users["gender"].value_counts().to_dict() == {"m": 502, "f": 382, "": 108}
    assert (users["age"].min(), users["age"].max()) == (3.0, 103.0)        # preprocessing clips to [10, 90]
    assert users["country"].nunique() == 67                                   # 66 countries and the empty field
    first = users.iloc[0]
    assert (first["user"], first["user_id"], first["gender"], first["country"], str(first["registered"].date())) == \
        (1, "user_000001", "m", "Japan", "2006-08-13")
    assert np.isnan(first["age"])
    assert sorted(set(range(1, 1001)) - set(users["user"])) == [283, 287, 365, 428, 466, 470, 663, 988]


def test_real_log_sample(sample):
    report = sample.report
    assert report["log_file"] == LASTFM_1K_LOG_SAMPLE and report["log_is_sample"] is True
    assert report["log_rows"] == 5000
    assert report["duplicate_rows_dropped"] == 0
    assert report["rows_dropped_missing_track_id"] == 1396
    assert report["rows_dropped_invalid_track_id"] == 0
    assert report["events"] == len(sample.interactions) == 3604
    assert report["tracks"] == sample.summary()["items"] == len(sample.items) == 881
    assert report["log_rows_out_of_order"] == 0
    assert report["events_in_the_same_second_as_the_previous"] == 120
    assert report["profile_users_without_events"] == 990
    assert sample.interactions["user"].value_counts().to_dict() == {1: 3601, 2: 3}
    assert matches_official("lastfm-1k", sample.checksums) == {LASTFM_1K_PROFILE: True, LASTFM_1K_LOG_SAMPLE: False}


def test_real_log_sample_runs_oldest_first(sample):
    inter = sample.interactions
    assert all(str(t) == "int64" for t in inter.dtypes)
    first = inter.iloc[0]                  # the file's last row: user_000002, 2008-12-08T06:04:00Z, Holy Fuck
    assert (first["user"], first["timestamp"]) == (2, 1228716240)
    assert sample.items.set_index("item").loc[first["item"], "title"] == "Holy Fuck – Milkshake"
    user1 = inter[inter["user"] == 1]["timestamp"].to_numpy()
    assert (np.diff(user1) >= 0).all()
    assert user1[-1] == 1241442369        # 2009-05-04T13:06:09Z: the newest rows (from 23:08:57) have no track id
    assert sample.items.loc[0, "title"] == "坂本龍一 – The Last Emperor (Theme)"     # item 1: that play's track


def test_real_log_sample_by_name(real_folder, sample, tmp_path):
    by_name = load_dataset("lastfm-1k", path=Path(sample.source), track_key="name")
    assert by_name.report["track_key"] == "name"
    assert by_name.report["rows_dropped_missing_track_id"] == 0
    assert by_name.report["events"] == 5000 and by_name.report["tracks"] == 1192


def test_quirks(real_folder, tmp_path):
    raw = load_dataset("lastfm-1k", path=_folder(real_folder, tmp_path / "lastfm-1k", QUIRKS))
    report = raw.report
    assert report["log_is_sample"] is False and report["log_rows"] == 9
    assert (report["duplicate_rows_dropped"], report["rows_dropped_missing_track_id"],
            report["rows_dropped_invalid_track_id"], report["events"]) == (1, 1, 1, 6)
    titles = raw.items.set_index("item")["title"].to_dict()
    assert titles == {1: 'The "Band – He said "hi', 2: 'The "Band – Plain', 3: "Artist – Third"}  # first rows' names
    assert raw.items["track_mbid"].tolist() == [T1, T2, T3]
    # reverse file order: oldest first per user; the two plays of 07:00 keep their reversed file order
    assert raw.interactions.values.tolist() == [
        [14, 3, 1241247600],
        [4, 2, 1241334000], [4, 3, 1241334000], [4, 1, 1241337600],
        [3, 2, 1241430900], [3, 1, 1241431200],
    ]
    assert report["events_in_the_same_second_as_the_previous"] == 1


def test_quirks_by_name(real_folder, tmp_path):
    raw = load_dataset("lastfm-1k", path=_folder(real_folder, tmp_path / "lastfm-1k", QUIRKS), track_key="name")
    assert (raw.report["duplicate_rows_dropped"], raw.report["rows_dropped_missing_track_id"],
            raw.report["events"], raw.report["tracks"]) == (1, 0, 8, 7)
    assert "Someone – No Ids Here" in set(raw.items["title"])


def test_empty_profile_fields_become_unknown_codes(real_folder, tmp_path):
    data = preprocess(load_dataset("lastfm-1k", path=_folder(real_folder, tmp_path / "lastfm-1k", QUIRKS)))
    assert data.user_feature_names == ["gender", "age", "country"]
    assert data.user_feature_cardinalities == [2, 8, 1]       # female/male, 8 age bins, United States
    users = data.users.set_index("user")
    assert users.loc[[3, 4, 14], ["gender_code", "age_code", "country_code"]].values.tolist() == [
        [1, 1, 0],       # m, 22 years (bin 20-30), United States
        [0, 8, 1],       # f, age and country empty: the unknown codes
        [2, 8, 1],       # nothing but a sign-up date
    ]
    assert (data.report["gender_missing"], data.report["age_missing"], data.report["country_missing"]) == (1, 2, 2)


def test_blocks_do_not_change_the_result(real_folder, tmp_path):
    folder = _folder(real_folder, tmp_path / "lastfm-1k", QUIRKS)
    whole = load_dataset("lastfm-1k", path=folder)
    in_blocks = load_dataset("lastfm-1k", path=folder, block_bytes=100)   # about one line per block
    assert in_blocks.interactions.equals(whole.interactions) and in_blocks.items.equals(whole.items)
    assert in_blocks.report == whole.report and in_blocks.checksums == whole.checksums


def test_reads_the_official_tar_gz(real_folder, tmp_path):
    folder = _folder(real_folder, tmp_path / "lastfm-dataset-1K", QUIRKS)
    archive = tmp_path / "lastfm-dataset-1K.tar.gz"
    with tarfile.open(archive, "w:gz") as out:
        out.add(folder, arcname="lastfm-dataset-1K")
    from_tar = load_dataset("lastfm-1k", path=archive)
    from_folder = load_dataset("lastfm-1k", path=folder)
    assert from_tar.interactions.equals(from_folder.interactions)
    assert from_tar.report == from_folder.report and from_tar.checksums == from_folder.checksums


def test_full_log_is_preferred_to_the_sample(real_folder, tmp_path):
    folder = _folder(real_folder, tmp_path / "lastfm-1k", QUIRKS)
    shutil.copy(real_folder / LASTFM_1K_LOG_SAMPLE, folder / LASTFM_1K_LOG_SAMPLE)
    raw = load_dataset("lastfm-1k", path=folder)
    assert raw.report["log_file"] == LASTFM_1K_LOG and raw.report["log_rows"] == 9


def test_registered():
    assert MASK_SEEN_DEFAULT["lastfm-1k"] is False
    assert DATASET_INFO["lastfm-1k"].training_figure == "fig4"


def test_missing_log_says_so_and_where_to_put_it(real_folder, tmp_path):
    folder = tmp_path / "lastfm-1k"
    folder.mkdir()
    shutil.copy(real_folder / LASTFM_1K_PROFILE, folder / LASTFM_1K_PROFILE)
    with pytest.raises(DatasetError, match=r"missing userid-timestamp-artid-artname-traid-traname\.tsv for dataset "
                                           r"'lastfm-1k'\. Put the official files .* or lastfm-dataset-1K\.tar\.gz in"):
        load_dataset("lastfm-1k", path=folder)


def _error(real_folder: Path, tmp_path: Path, line: int, text: str, **options) -> str:
    lines = list(QUIRKS)
    lines[line - 1] = text
    with pytest.raises(DatasetFormatError) as error:
        load_dataset("lastfm-1k", path=_folder(real_folder, tmp_path / "lastfm-1k", lines), **options)
    return str(error.value)


@pytest.mark.parametrize("block_bytes", [64 << 20, 100])
def test_bad_timestamp_names_file_and_line(real_folder, tmp_path, block_bytes):
    message = _error(real_folder, tmp_path, 7, f"user_000004\t2009-05-03 07:00:00\t{ARTIST}\tArtist\t{T3}\tThird",
                     block_bytes=block_bytes)
    assert f"{LASTFM_1K_LOG}, line 7: timestamp must be UTC ISO 8601" in message and "'2009-05-03 07:00:00'" in message


def test_impossible_date_is_an_error(real_folder, tmp_path):
    message = _error(real_folder, tmp_path, 2, f"user_000003\t2009-02-30T09:55:00Z\t{ARTIST}\tA\t{T2}\tPlain")
    assert f"{LASTFM_1K_LOG}, line 2: timestamp must be UTC ISO 8601" in message


def test_too_few_fields_names_file_and_line(real_folder, tmp_path):
    message = _error(real_folder, tmp_path, 4, "user_000003\t2009-05-04T09:50:00Z\t\tSomeone\tNo Ids Here")
    assert f"{LASTFM_1K_LOG}, line 4: expected 6 fields separated by '\\t', found 5" in message


def test_too_many_fields_names_file_and_line(real_folder, tmp_path):
    message = _error(real_folder, tmp_path, 9, QUIRKS[8] + "\textra")
    assert f"{LASTFM_1K_LOG}, line 9: expected 6 fields separated by '\\t', found 7" in message


def test_blank_line_is_an_error(real_folder, tmp_path):
    assert f"{LASTFM_1K_LOG}, line 5: expected 6 fields" in _error(real_folder, tmp_path, 5, "")


def test_user_missing_from_the_profile_is_an_error(real_folder, tmp_path):
    message = _error(real_folder, tmp_path, 6, QUIRKS[5].replace("user_000004", "user_000283"))
    assert f"{LASTFM_1K_LOG}, line 6: user user_000283 is not listed in {LASTFM_1K_PROFILE}" in message


def test_invalid_utf8_names_the_line(real_folder, tmp_path):
    folder = _folder(real_folder, tmp_path / "lastfm-1k", QUIRKS)
    log = folder / LASTFM_1K_LOG
    log.write_bytes(log.read_bytes().replace(b"Third\nuser_000004", b"Th\xffird\nuser_000004"))
    with pytest.raises(DatasetFormatError, match=rf"{LASTFM_1K_LOG}, line 7: not valid utf-8 text"):
        load_dataset("lastfm-1k", path=folder)


def test_empty_log_is_an_error(real_folder, tmp_path):
    folder = _folder(real_folder, tmp_path / "lastfm-1k", [])
    (folder / LASTFM_1K_LOG).write_bytes(b"")
    with pytest.raises(DatasetFormatError, match="the file is empty"):
        load_dataset("lastfm-1k", path=folder)


def test_unknown_track_key():
    with pytest.raises(ValueError, match="track_key must be 'mbid' or 'name'"):
        load_dataset("lastfm-1k", track_key="isrc")
