"""The paper's model under one change (optimizers of notebook 05, ablations of notebook 07) on the real MovieLens-100K."""
from __future__ import annotations

import numpy as np
import pytest

from rec_utils.evaluation import evaluate
from rec_utils.preprocessing import ProcessedData, Windows
from rec_utils.training import TrainConfig
from rec_utils.variants import OPTIMIZER_GRID, Variant, optimizer_variants, run_variant


def _subset(data: ProcessedData, n_windows: int) -> ProcessedData:
    w = data.train
    keep = np.sort(np.random.default_rng(0).choice(len(w), n_windows, replace=False))
    sub = Windows(w.users[keep], w.inputs[keep], w.lengths[keep], w.targets[keep], w.target_positions[keep])
    return ProcessedData(**{**data.__dict__, "train": sub})


def test_a_variant_splits_its_grid_into_model_and_training_settings():
    v = Variant("x", {"use_attention": False}, {"optimizer": "sgd"}, search={"lr": [0.1, 0.2], "dropout": [0.0]})
    assert v.candidates() == [{"lr": 0.1, "dropout": 0.0}, {"lr": 0.2, "dropout": 0.0}]
    assert v.setting(v.candidates()[1]) == ({"use_attention": False, "dropout": 0.0}, {"optimizer": "sgd", "lr": 0.2})
    assert Variant("y").candidates() == [{}]


def test_bad_variants_are_refused():
    with pytest.raises(ValueError, match="x: unknown training settings \\['optimiser'\\]"):
        Variant("x", training={"optimiser": "sgd"})
    with pytest.raises(ValueError, match="x: search grid for 'lr' is empty"):
        Variant("x", search={"lr": []})
    with pytest.raises(ValueError, match="LR_GRID has no learning rates for \\['lamb'\\]"):
        optimizer_variants(["adam", "lamb"])


def test_optimizer_variants_search_or_take_the_first_rate():
    searched = optimizer_variants(["adam", "sgd", "rmsprop", "adagrad"])
    assert [v.training["optimizer"] for v in searched] == ["adam", "sgd", "rmsprop", "adagrad"]
    assert searched[0].search == {"lr": OPTIMIZER_GRID["adam"]} and OPTIMIZER_GRID["adam"][0] == 1e-3  # the paper's
    assert [v.search["lr"] for v in optimizer_variants(["sgd"], search=False)] == [[OPTIMIZER_GRID["sgd"][0]]]


def test_run_variant_keeps_the_best_validation_candidate_and_scores_each_seed(ml100k):
    data = _subset(ml100k, 5_000)
    variant = Variant("sgd", training={"optimizer": "sgd"}, search={"lr": [0.0, 0.05]})
    logged = []
    run = run_variant(variant, data, {"emb_dim": 16, "hidden_dim": 16, "genre_dim": 4, "demo_dim": 4},
                      TrainConfig(mask_seen=True, epochs=2, patience=2), seeds=[0, 1], log=logged.append)
    assert run.search["lr"].tolist() == [0.0, 0.05] and len(logged) == 3  # two candidates, then seed 1
    assert run.setting == {"lr": run.search.loc[run.search["valid_NDCG@10"].idxmax(), "lr"]}
    assert run.setting == {"lr": 0.05}  # lr 0 never moves from the initial weights
    assert len(run.test) == len(run.test_ranks) == len(run.models) == 2 and len(run.test_ranks[0]) == 943
    again = evaluate(run.models[1], data.test, True).metrics
    assert again["NDCG@10"] == pytest.approx(run.test[1]["NDCG@10"])
    assert all(h["epoch"].tolist() == [1, 2] for h in run.histories)


def test_parallel_workers_give_the_sequential_results(ml100k):
    data = _subset(ml100k, 3_000)
    variant = Variant("no attention", {"use_attention": False})
    config = TrainConfig(mask_seen=True, epochs=2, patience=2)
    sizes = {"emb_dim": 16, "hidden_dim": 16, "genre_dim": 4, "demo_dim": 4}
    alone = run_variant(variant, data, sizes, config, seeds=[0, 1], log=lambda _: None)
    parallel = run_variant(variant, data, sizes, config, seeds=[0, 1], log=lambda _: None, workers=2)
    for a, b in zip(alone.test, parallel.test):
        assert b["NDCG@10"] == pytest.approx(a["NDCG@10"], abs=1e-6)
    for a, b in zip(alone.histories, parallel.histories):
        assert b["train_loss"].to_numpy() == pytest.approx(a["train_loss"].to_numpy(), rel=1e-5)


def test_ablations_of_features_the_data_lacks_are_left_out(ml100k):
    from rec_utils.datasets import load_dataset
    from rec_utils.preprocessing import load_processed
    from rec_utils.variants import ABLATIONS, ablation_variants
    kept, skipped = ablation_variants(None, [5, 10], ml100k)
    assert [v.label for v, _ in kept] == [*ABLATIONS, "input length 5", "input length 10"] and skipped == {}
    lastfm, _ = load_processed(load_dataset("lastfm-2k"))  # no demographics, no genres
    kept, skipped = ablation_variants(None, [], lastfm)
    assert [v.label for v, _ in kept] == ["no attention", "4 negatives", "cross-entropy"]
    assert skipped["no genres"] == "lastfm-2k has no genres: identical to the full model"
    assert set(skipped) == {"no demographics", "no genres", "no demographics or genres"}
    with pytest.raises(ValueError, match="unknown ablations \\['no lstm'\\]"):
        ablation_variants(["no lstm"])
