"""The split and windows on a hand-made dataset and exact sizes on the real MovieLens-100K."""
import numpy as np
import pandas as pd
import pytest

from rec_utils.datasets import RawDataset, UserFeature
from rec_utils.datasets.movielens import MOVIELENS_USER_FEATURES
from rec_utils.preprocessing import PreprocessParams, build_windows, leakage_report, load_processed, preprocess

GENRES = ["A", "B", "C"]


def tiny_raw(users=None, features=None) -> RawDataset:
    # user 10: 5 events, two share timestamp 300 (file order must decide); user 20: 4 events; user 30: 2 events
    interactions = pd.DataFrame({
        "user":      [10, 20, 10, 10, 20, 10, 30, 20, 10, 30, 20],
        "item":      [105, 101, 102, 103, 102, 104, 101, 103, 101, 102, 104],
        "timestamp": [300, 10, 100, 300, 20, 200, 5, 30, 400, 6, 40],
        "rating":    [5] * 11,
    })
    users = users if users is not None else pd.DataFrame({
        "user": [10, 20, 30], "age": [5.0, np.nan, 95.0], "gender": ["M", "F", "M"],
        "occupation": ["writer", "", "artist"], "zip_code": ["1", "2", "3"]})
    items = pd.DataFrame({"item": [101, 102, 103, 104, 105], "title": list("abcde"),
                          "genre_A": [1, 0, 0, 1, 0], "genre_B": [1, 1, 0, 0, 0], "genre_C": [0, 0, 0, 1, 0]})
    return RawDataset("tiny", interactions, users, items, GENRES, features if features is not None else list(MOVIELENS_USER_FEATURES), "memory")


@pytest.fixture()
def tiny():
    return preprocess(tiny_raw(), PreprocessParams(max_len=3, age_bins=8))


def test_ids_are_remapped_with_zero_for_padding(tiny):
    assert tiny.user_ids.tolist() == [10, 20, 30]
    assert tiny.item_ids.tolist() == [101, 102, 103, 104, 105]
    assert tiny.n_users == 3 and tiny.n_items == 5


def test_stable_chronological_order(tiny):
    user10 = tiny.sequences[tiny.sequences["user_idx"] == 1]
    # timestamps 100, 200, 300 (item 105 first in the file), 300 (item 103), 400
    assert user10["item_idx"].tolist() == [2, 4, 5, 3, 1]
    assert user10["split"].tolist() == ["train", "train", "train", "valid", "test"]


def test_leave_one_out_and_short_users(tiny):
    assert tiny.valid.users.tolist() == [1, 2] and tiny.valid.targets.tolist() == [3, 3]
    assert tiny.test.users.tolist() == [1, 2] and tiny.test.targets.tolist() == [1, 4]
    assert tiny.report["users_without_evaluation"] == 1          # user 30 has 2 events: training only
    assert tiny.report["users_with_tied_last_two"] == 0


def test_training_windows_exactly(tiny):
    # user 10 train: [2, 4, 5]; user 20 train: [1, 2]; user 30 train: [1, 2]; first items are never targets
    assert tiny.train.users.tolist() == [1, 1, 2, 3]
    assert tiny.train.targets.tolist() == [4, 5, 2, 2]
    assert tiny.train.inputs.tolist() == [[2, 0, 0], [2, 4, 0], [1, 0, 0], [1, 0, 0]]
    assert tiny.train.lengths.tolist() == [1, 2, 1, 1]


def test_eval_inputs_and_seen_items(tiny):
    assert tiny.valid.inputs.tolist() == [[2, 4, 5], [1, 2, 0]]
    assert tiny.test.inputs.tolist() == [[4, 5, 3], [1, 2, 3]]     # last 3 before the test target
    seen = [tiny.test.seen_items[a:b].tolist() for a, b in zip(tiny.test.seen_indptr[:-1], tiny.test.seen_indptr[1:])]
    assert seen == [[2, 4, 5, 3], [1, 2, 3]]


def test_user_features_by_hand(tiny):
    users = tiny.users.set_index("user")
    # ages 5 -> clipped to 10 -> 0.0; missing -> mean of (5, 95) = 50 -> 0.5; 95 -> clipped 90 -> 1.0
    assert users["age_scaled"].tolist() == [0.0, 0.5, 1.0]
    assert users["age_code"].tolist() == [0, 4, 7]
    assert users["gender_code"].tolist() == [1, 0, 1]
    # missing occupation takes the most frequent value; ties resolve to the first in sorted order ("artist")
    assert users["occupation_code"].tolist() == [1, 0, 0]
    assert tiny.report["age_missing"] == 1 and tiny.report["age_missing_policy"] == "the mean"
    assert tiny.report["occupation_missing"] == 1
    assert tiny.report["age_clipped_low"] == 1 and tiny.report["age_clipped_high"] == 1
    assert tiny.user_features[0].tolist() == [2, 8, 2]        # padding user: each field's "unknown" code


def test_genres_multi_hot_and_primary(tiny):
    assert tiny.item_genres.tolist() == [[0, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 0], [1, 0, 1], [0, 0, 0]]
    assert tiny.item_primary_genre.tolist() == [-1, 0, 1, -1, 0, -1]
    assert tiny.report["items_without_genre"] == 2


def test_missing_values_as_explicit_unknown_codes():
    users = pd.DataFrame({"user": [10, 20, 30], "age": [25.0, np.nan, 40.0], "gender": ["m", "", "f"],
                          "country": ["Peru", "", "Japan"]})
    features = [UserFeature("gender", "gender", "unknown"), UserFeature("age", "age", "unknown"),
                UserFeature("country", "categorical", "unknown")]
    data = preprocess(tiny_raw(users, features))
    # unknown = the field's cardinality: gender 2, age 8 (bins), country 2 (Japan, Peru)
    assert data.user_features[1:].tolist() == [[1, 1, 1], [2, 8, 2], [0, 3, 0]]
    assert data.user_feature_cardinalities == [2, 8, 2]
    assert (data.report["gender_missing"], data.report["age_missing"], data.report["country_missing"]) == (1, 1, 1)
    assert np.isnan(data.users["age_scaled"].iloc[1])


def test_missing_value_where_not_allowed_is_an_error():
    users = pd.DataFrame({"user": [10, 20, 30], "age": [20.0, 30.0, 40.0], "gender": ["M", "", "F"],
                          "occupation": ["a", "b", "c"], "zip_code": ["1", "2", "3"]})
    with pytest.raises(ValueError, match="user 20: gender is missing"):
        preprocess(tiny_raw(users))


def test_no_demographics_no_genres():
    raw = tiny_raw(pd.DataFrame({"user": [10, 20, 30]}), [])
    raw.genre_names = []
    data = preprocess(raw)
    assert data.user_features.shape == (4, 0) and data.item_genres.shape == (6, 0)
    assert len(data.train) == 4


def test_unknown_gender_value_is_an_error():
    users = pd.DataFrame({"user": [10, 20, 30], "age": [20.0, 30.0, 40.0], "gender": ["M", "X", "F"],
                          "occupation": ["a", "b", "c"], "zip_code": ["1", "2", "3"]})
    with pytest.raises(ValueError, match="user 20: gender must be 'F' or 'M', got 'X'"):
        preprocess(tiny_raw(users))


def test_build_windows_left_edge():
    items = np.array([7, 8, 9, 1, 2])
    inputs, lengths = build_windows(items, np.array([0, 0, 3]), np.array([1, 2, 4]), max_len=2)
    assert inputs.tolist() == [[7, 0], [7, 8], [1, 0]]
    assert lengths.tolist() == [1, 2, 1]


def test_real_ml100k_split_sizes(ml100k):
    assert (ml100k.n_users, ml100k.n_items) == (943, 1682)
    assert len(ml100k.sequences) == 100_000
    assert ml100k.report["train_interactions"] == 98_114
    assert len(ml100k.train) == 97_171                 # 100,000 - 3 x 943: every user's first item is never a target
    assert len(ml100k.valid) == len(ml100k.test) == 943
    assert ml100k.report["users_with_tied_last_two"] == 415
    assert ml100k.report["age_clipped_low"] == 1      # one user is 7 years old
    assert ml100k.user_feature_cardinalities == [2, 8, 21]


def test_no_heldout_item_reaches_training(ml100k):
    report = leakage_report(ml100k, mask_seen=True)
    assert all(v == 0 for v in report["must_be_zero"].values()) and len(report["must_be_zero"]) == 4
    n_events = np.bincount(ml100k.sequences["user_idx"], minlength=ml100k.n_users + 1)
    assert (ml100k.train.target_positions < n_events[ml100k.train.users] - 2).all()
    train_pairs = set(zip(ml100k.train.users.tolist(), ml100k.train.targets.tolist()))
    for cases in (ml100k.valid, ml100k.test):
        assert not train_pairs & set(zip(cases.users.tolist(), cases.targets.tolist()))
    window_items = {(u, i) for u, row in zip(ml100k.train.users.tolist(), ml100k.train.inputs.tolist()) for i in row if i}
    assert not window_items & set(zip(ml100k.test.users.tolist(), ml100k.test.targets.tolist()))
    assert not window_items & set(zip(ml100k.valid.users.tolist(), ml100k.valid.targets.tolist()))


def test_cache_reused_and_rebuilt_on_parameter_change(ml100k_raw, tmp_path):
    first, cached = load_processed(ml100k_raw, PreprocessParams(), cache_dir=tmp_path)
    assert not cached
    again, cached = load_processed(ml100k_raw, PreprocessParams(), cache_dir=tmp_path)
    assert cached and again.cache_key == first.cache_key
    shorter, cached = load_processed(ml100k_raw, PreprocessParams(max_len=5), cache_dir=tmp_path)
    assert not cached and shorter.cache_key != first.cache_key and shorter.train.inputs.shape[1] == 5
    assert len(list(tmp_path.glob("processed-*.pkl"))) == 2  # one file per setting: both stay usable
    again, cached = load_processed(ml100k_raw, PreprocessParams(), cache_dir=tmp_path)
    assert cached and again.cache_key == first.cache_key


def test_cache_rebuilt_when_raw_data_changes(ml100k_raw, tmp_path):
    first, _ = load_processed(ml100k_raw, cache_dir=tmp_path)
    changed = RawDataset(**{**ml100k_raw.__dict__, "checksums": {**ml100k_raw.checksums, "u.data": "0" * 64}})
    second, cached = load_processed(changed, cache_dir=tmp_path)
    assert not cached and second.cache_key != first.cache_key
    assert len(list(tmp_path.glob("processed-*.pkl"))) == 1  # the stale file of the same setting is replaced
