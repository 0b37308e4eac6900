"""HetRec 2011 Last.fm-2K on the real files: exact counts, the stated rules, and clear errors."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from rec_utils.datasets import DatasetFormatError, load_dataset
from rec_utils.preprocessing import leakage_report, preprocess


@pytest.fixture(scope="module")
def lastfm2k():
    return load_dataset("lastfm-2k")


def test_real_counts_and_loader_report(lastfm2k):
    assert lastfm2k.summary()["users"] == 1892
    assert lastfm2k.summary()["items"] == 12_523
    assert len(lastfm2k.interactions) == 85_011            # 186,479 tag rows collapsed per user, artist and day
    assert lastfm2k.report["tag_assignment_rows"] == 186_479
    assert lastfm2k.report["rows_dropped_implausible_date"] == 5
    assert lastfm2k.report["implausible_years"] == [1956, 1957, 1979]
    assert lastfm2k.report["artists_tagged_but_not_in_artists_dat"] == 390
    assert lastfm2k.interactions["tag_assignments"].sum() == 186_479 - 5
    assert lastfm2k.user_features == [] and lastfm2k.genre_names == []


def test_events_are_one_per_user_artist_day_in_file_order(lastfm2k):
    inter = lastfm2k.interactions
    assert not inter.duplicated(["user", "item", "timestamp"]).any()
    first = inter.iloc[0]
    assert (first["user"], first["item"], first["timestamp"], first["tag_assignments"]) == (2, 52, 1238544000, 5)  # 2009-04-01
    names = lastfm2k.items.set_index("item")["title"]
    assert names[52] == "Morcheeba"
    assert names[lastfm2k.items["item"].iloc[-1]].endswith("(not in artists.dat)")


def test_real_split_sizes(lastfm2k):
    data = preprocess(lastfm2k)
    assert (data.n_users, data.n_items) == (1892, 12_523)
    assert data.report["users_without_evaluation"] == 345   # fewer than 3 events: training only
    assert len(data.valid) == len(data.test) == 1547
    assert len(data.train) == 80_025
    report = leakage_report(data, mask_seen=False)
    assert all(v == 0 for v in report["must_be_zero"].values())
    assert report["repeats"] == {"valid_targets_seen_before": 277, "test_targets_seen_before": 348}
    assert data.user_features.shape == (1893, 0) and data.item_genres.shape == (12_524, 0)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "hetrec2011-lastfm-2k"
    shutil.copytree(Path(load_dataset("lastfm-2k").source), folder)
    return folder


def test_impossible_date_names_file_and_line(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "user_taggedartists.dat"
    lines = path.read_bytes().split(b"\r\n")
    lines[9] = b"2\t52\t13\t31\t2\t2009"            # line 10: 31 February
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(DatasetFormatError, match=r"user_taggedartists\.dat, line 10: no such date"):
        load_dataset("lastfm-2k", path=folder)


def test_wrong_header_is_an_error(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "artists.dat"
    path.write_bytes(b"id\tname\n" + path.read_bytes().split(b"\n", 1)[1])
    with pytest.raises(DatasetFormatError, match=r"artists\.dat, line 1: expected the header"):
        load_dataset("lastfm-2k", path=folder)
