"""Saved models load back with identical scores; recommendations in original ids on real MovieLens-100K."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from rec_utils.baselines import spec_by_label
from rec_utils.checkpoints import load_model, read_bundle, save_model
from rec_utils.evaluation import reads_user_features
from rec_utils.models import MODELS, LSTMAttentionBPR, Popularity
from rec_utils.preprocessing import PreprocessParams, load_processed
from rec_utils.recommend import (encode_demographics, recommend_for_history, recommend_for_newcomer,
                                 recommend_for_user)
from rec_utils.training import TrainConfig, set_seed, train_bpr

USERS = [1, 13, 405, 655, 943]


@pytest.fixture(scope="module")
def trained(ml100k):
    set_seed(0)
    model = LSTMAttentionBPR.from_data(ml100k, emb_dim=32, hidden_dim=32, genre_dim=8, demo_dim=8)
    train_bpr(model, ml100k, TrainConfig(mask_seen=True, epochs=1, batch_size=1024), progress=False)
    return model


def test_saved_model_reloads_with_the_same_top10(trained, ml100k, tmp_path):
    before = {u: recommend_for_user(trained, ml100k, u).table for u in USERS}
    path = save_model(trained, ml100k, tmp_path / "model.pt", dict(emb_dim=32, hidden_dim=32, genre_dim=8, demo_dim=8))
    loaded, bundle = load_model(path, ml100k)
    assert bundle["dataset"] == "ml-100k" and bundle["encoders"]["gender"] == ["female", "male"]
    for u in USERS:
        after = recommend_for_user(loaded, ml100k, u).table
        assert after["item"].tolist() == before[u]["item"].tolist()
        assert np.array_equal(after["score"].to_numpy(), before[u]["score"].to_numpy())  # bit-identical


def test_a_checkpoint_from_other_data_or_code_is_refused(trained, ml100k, ml100k_raw, tmp_path):
    path = save_model(trained, ml100k, tmp_path / "model.pt", dict(emb_dim=32, hidden_dim=32, genre_dim=8, demo_dim=8))
    other, _ = load_processed(ml100k_raw, PreprocessParams(max_len=5), cache_dir=tmp_path)
    with pytest.raises(ValueError, match="trained with preprocessing"):
        load_model(path, other)
    changed = dataclasses.replace(ml100k, checksums={**ml100k.checksums, "u.data": "0" * 64})
    with pytest.raises(ValueError, match=r"data files differ .*u\.data"):
        load_model(path, changed)
    renamed = dataclasses.replace(ml100k, name="lastfm-2k")
    with pytest.raises(ValueError, match="trained on 'ml-100k', not 'lastfm-2k'"):
        load_model(path, renamed)
    bundle = torch.load(path, weights_only=False)
    torch.save({**bundle, "format": 0}, tmp_path / "old.pt")
    with pytest.raises(ValueError, match="incompatible version"):
        read_bundle(tmp_path / "old.pt")


def test_recommendations_for_a_user_exclude_their_movies_and_name_them(trained, ml100k):
    recs = recommend_for_user(trained, ml100k, 13, k=10)
    seen = set(ml100k.item_ids[ml100k.sequences.loc[ml100k.sequences["user_idx"] == 13, "item_idx"] - 1])
    assert len(recs.table) == 10 and not seen & set(recs.table["item"])
    assert recs.table["score"].is_monotonic_decreasing and len(recs.history) == 8
    star_wars = recs.table.loc[recs.table["item"] == 50, "name"] if 50 in set(recs.table["item"]) else None
    assert star_wars is None or star_wars.iloc[0] == "Star Wars (1977)"
    kept = recommend_for_user(trained, ml100k, 13, k=10, exclude_seen=False)
    assert kept.table["score"].iloc[0] >= recs.table["score"].iloc[0]
    with pytest.raises(ValueError, match="unknown user id 9999"):
        recommend_for_user(trained, ml100k, 9999)


def test_a_raw_history_reports_unknown_ids(trained, ml100k):
    recs = recommend_for_history(trained, ml100k, [50, 181, 99999, 172])
    assert recs.unknown_items == [99999] and recs.history == [50, 181, 172]
    assert not {50, 181, 172} & set(recs.table["item"])


def test_a_newcomer_is_served_from_demographics(trained, ml100k):
    codes = encode_demographics(ml100k, {"gender": "F", "age": 24, "occupation": "student"})
    assert codes.tolist() == [0, 1, ml100k.report["encoders"]["occupation"].index("student")]
    assert encode_demographics(ml100k, {}).tolist() == ml100k.user_feature_cardinalities  # all unknown
    young = recommend_for_newcomer(trained, ml100k, {"gender": "F", "age": 19, "occupation": "student"}).table
    retired = recommend_for_newcomer(trained, ml100k, {"gender": "M", "age": 70, "occupation": "retired"}).table
    assert np.isfinite(young["score"]).all() and young["item"].tolist() != retired["item"].tolist()
    assert reads_user_features(trained)
    with pytest.raises(ValueError, match="occupation 'astronaut' is not one of"):
        encode_demographics(ml100k, {"occupation": "astronaut"})


@pytest.mark.parametrize("label", ["Popularity", "ItemKNN", "BPR-MF", "GRU4Rec", "SASRec", "BERT4Rec", "FPMC", "LightGCN", "NARM"])
def test_every_model_recommends_for_a_user(label, ml100k, ml100k_raw):
    spec = spec_by_label(label)
    data = ml100k if spec.max_len == 8 else load_processed(ml100k_raw, PreprocessParams(max_len=spec.max_len))[0]
    torch.manual_seed(0)
    cls = MODELS[spec.model]
    model = cls.fit(data, **spec.hyperparameters) if not spec.trained else cls.from_data(data, **spec.hyperparameters)
    recs = recommend_for_user(model, data, 13, k=5)
    assert not reads_user_features(model)  # only the paper's model has demographic inputs
    assert len(recs.table) == 5 and recs.table["rank"].tolist() == [1, 2, 3, 4, 5]
    if label in ("Popularity", "ItemKNN") or spec.kind == "sequential":
        assert len(recommend_for_history(model, data, [50, 181], k=5).table) == 5
    if label == "Popularity":
        assert recommend_for_newcomer(model, data, {"age": 30}).table["item"].iloc[0] == 50  # Star Wars: most events
    if label == "BPR-MF":
        with pytest.raises(ValueError, match="scores every item equally"):
            recommend_for_history(model, data, [50, 181])


def test_a_fresh_process_reloads_the_same_top10(trained, ml100k, tmp_path):
    """Load in a new Python process (a fresh kernel): the top 10 and their scores are bit-identical."""
    import json
    import os
    import subprocess
    import sys
    path = save_model(trained, ml100k, tmp_path / "model.pt", dict(emb_dim=32, hidden_dim=32, genre_dim=8, demo_dim=8))
    script = (
        "import json, sys\n"
        "from rec_utils.checkpoints import load_model\n"
        "from rec_utils.datasets import load_dataset\n"
        "from rec_utils.preprocessing import load_processed\n"
        "from rec_utils.recommend import recommend_for_user\n"
        "data, _ = load_processed(load_dataset('ml-100k'))\n"
        f"model, _ = load_model({str(path)!r}, data)\n"
        f"out = {{u: recommend_for_user(model, data, u).table[['item', 'score']].values.tolist() for u in {USERS}}}\n"
        "json.dump(out, sys.stdout)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=os.environ, check=True)
    fresh = json.loads(result.stdout)
    for u in USERS:
        here = recommend_for_user(trained, ml100k, u).table[["item", "score"]].values.tolist()
        assert fresh[str(u)] == here
