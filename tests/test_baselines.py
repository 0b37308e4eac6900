"""The baselines on the real MovieLens-100K: the model contract, padding, brief training against
popularity, the training examples, and the RecBole reference files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rec_utils.baselines import SPECS, configure, fit_once, spec_by_label
from rec_utils.evaluation import evaluate
from rec_utils.examples import build_examples, training_chunks, training_interactions
from rec_utils.models import MODELS, ItemKNN, LightGCN, Popularity, SASRec
from rec_utils.models.components import sample_unseen_items, training_history
from rec_utils.preprocessing import PreprocessParams, load_processed
from rec_utils.recbole_reference import compare_split, load_reference_table
from rec_utils.training import TrainConfig, train_model

SEQUENCE_LABELS = ("FPMC", "GRU4Rec", "NARM", "SASRec", "SASRec-CE", "BERT4Rec")
LEARNED_LABELS = ("BPR-MF", "LightGCN", *SEQUENCE_LABELS)


@pytest.fixture(scope="module")
def ml100k_long(ml100k_raw):
    data, _ = load_processed(ml100k_raw, PreprocessParams(max_len=50))
    return data


def _data_for(label, ml100k, ml100k_long):
    return ml100k_long if spec_by_label(label).max_len == 50 else ml100k


def _build(label, data):
    spec = spec_by_label(label)
    torch.manual_seed(0)
    cls = MODELS[spec.model]
    return cls.fit(data, **spec.hyperparameters) if not spec.trained else cls.from_data(data, **spec.hyperparameters)


def test_chunks_visit_every_training_target_once(ml100k_long):
    chunks = training_chunks(ml100k_long, 50)
    assert len(chunks["users"]) == 2412
    real = chunks["targets"] > 0
    assert int(real.sum()) == len(ml100k_long.train) == 97_171  # RecBole's count of training sequences too
    pairs_chunks = sorted(zip(np.repeat(chunks["users"], real.sum(1)).tolist(), chunks["targets"][real].tolist()))
    pairs_windows = sorted(zip(ml100k_long.train.users.tolist(), ml100k_long.train.targets.tolist()))
    assert pairs_chunks == pairs_windows
    # a chunk's targets are its inputs one step ahead: the last window's input ends where its target starts
    assert (chunks["inputs"][:, 1:][real[:, :-1] & real[:, 1:]] == chunks["targets"][:, :-1][real[:, :-1] & real[:, 1:]]).all()
    assert (chunks["lengths"] == real.sum(1)).all() and (chunks["inputs"][~real] == 0).all()
    items = training_chunks(ml100k_long, 50, shift=False)
    assert int((items["inputs"] > 0).sum()) == len(training_interactions(ml100k_long)["items"]) == 98_114


def test_strided_windows_keep_every_target_once_with_longer_context(ml100k_long):
    chunks = training_chunks(ml100k_long, 50, stride=10)
    real = chunks["targets"] > 0
    pairs_chunks = sorted(zip(np.repeat(chunks["users"], real.sum(1)).tolist(), chunks["targets"][real].tolist()))
    assert pairs_chunks == sorted(zip(ml100k_long.train.users.tolist(), ml100k_long.train.targets.tolist()))
    assert len(chunks["users"]) == 10_132 and int(real.sum()) == 97_171  # sum over users of ceil((events - 1) / 10)
    # a kept target's context: all earlier inputs of its window; with stride 10 at least 40 once a user has them
    position = np.broadcast_to(np.arange(50), real.shape)[real]
    context_before = np.repeat(chunks["lengths"], real.sum(1)) - 10
    assert (position >= np.minimum(context_before, 40)).all()
    assert position.mean() > training_chunks(ml100k_long, 50)["targets"].nonzero()[1].mean() + 10
    items = training_chunks(ml100k_long, 50, shift=False, stride=25)  # masked-item training: windows overlap
    assert int((items["inputs"] > 0).sum()) > 98_114
    with pytest.raises(ValueError, match="stride must be between 1 and length=50, got 51"):
        training_chunks(ml100k_long, 50, stride=51)


def test_bert4rec_puts_the_mask_on_a_trained_position_for_a_full_history(ml100k_long):
    model = _build("BERT4Rec", ml100k_long).eval()
    full = torch.from_numpy(ml100k_long.test.inputs[ml100k_long.test.lengths == 50][:3])
    lengths = torch.full((3,), 50)
    shorter = torch.nn.functional.pad(full[:, 1:], (0, 1))  # the same history without its oldest item
    with torch.no_grad():
        assert torch.equal(model.score_all(None, full, lengths), model.score_all(None, shorter, lengths - 1))
    assert model.position_embedding.num_embeddings == 50


@pytest.mark.parametrize("label", [s.label for s in SPECS])
def test_every_model_scores_every_item_and_trains_a_step(label, ml100k, ml100k_long):
    data = _data_for(label, ml100k, ml100k_long)
    model = _build(label, data)
    if spec_by_label(label).trained:
        examples = build_examples(data, model.examples, getattr(model, "max_len", None), getattr(model, "shift", True))
        batch = {k: torch.from_numpy(np.array(v[:64])) for k, v in examples.items()}
        before = [p.detach().clone() for p in model.parameters()]
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        loss = model.loss(batch, torch.Generator().manual_seed(0))
        assert loss.ndim == 0 and torch.isfinite(loss)
        loss.backward()
        optimizer.step()
        assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
        model.eval()
    cases = data.test
    with torch.no_grad():
        scores = model.score_all(torch.from_numpy(cases.users[:32]), torch.from_numpy(cases.inputs[:32]),
                                 torch.from_numpy(cases.lengths[:32]))
    assert scores.shape == (32, data.n_items + 1)
    assert torch.isfinite(scores[:, 1:]).all()
    ranks = evaluate(model, cases, mask_seen=False).ranks
    assert ranks.min() >= 1 and ranks.max() <= data.n_items  # padding is never a candidate


@pytest.mark.parametrize("label", ["GRU4Rec", "NARM", "SASRec", "BERT4Rec", "FPMC"])
def test_sequence_models_ignore_padding(label, ml100k, ml100k_long):
    data = _data_for(label, ml100k, ml100k_long)
    model = _build(label, data).eval()
    cases = data.test
    users, lengths = torch.from_numpy(cases.users[:64]), torch.from_numpy(cases.lengths[:64])
    inputs = torch.from_numpy(cases.inputs[:64])
    assert (lengths >= 5).all()
    short = torch.full_like(lengths, 5)  # the last 5 items alone, and the same 5 right-padded to the full width
    last5 = torch.stack([row[n - 5:n] for row, n in zip(inputs, lengths)])
    padded = torch.nn.functional.pad(last5, (0, inputs.shape[1] - 5))
    with torch.no_grad():
        narrow = model.score_all(users, last5, short)
        wide = model.score_all(users, padded, short)
    torch.testing.assert_close(narrow, wide, rtol=1e-5, atol=1e-5)


def test_sasrec_builds_recboles_block_layout_on_request(ml100k_long):
    original = SASRec(ml100k_long.n_items, heads=2, ffn_dim=256, dropout=0.5).encoder.layers[0]
    assert original.norm_first and original.activation is torch.nn.functional.relu and original.dropout.p == 0.5
    torch.manual_seed(0)
    model = SASRec(ml100k_long.n_items, heads=2, ffn_dim=256, dropout=0.5, norm_first=False, activation="gelu",
                   inner_dropout=0.0).eval()
    block = model.encoder.layers[1]
    assert not block.norm_first and block.activation is torch.nn.functional.gelu
    assert block.dropout.p == 0.0 and block.dropout1.p == block.dropout2.p == 0.5  # only the inner one is off
    cases = ml100k_long.test
    inputs, lengths = torch.from_numpy(cases.inputs[:16]), torch.from_numpy(cases.lengths[:16])
    with torch.no_grad():  # post-norm too: a real step never reads the padding after it
        torch.testing.assert_close(model.score_all(None, inputs[:, :10], torch.full_like(lengths, 10)),
                                   model.score_all(None, torch.nn.functional.pad(inputs[:, :10], (0, 40)),
                                                   torch.full_like(lengths, 10)), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="activation must be 'relu' or 'gelu', got 'tanh'"):
        SASRec(ml100k_long.n_items, activation="tanh")


def test_learned_models_beat_popularity_after_brief_training(ml100k, ml100k_long):
    """Five epochs at a higher learning rate (two for the models trained on windows 10 apart, whose epochs
    have five times the steps): every learned baseline ranks validation targets better than popularity
    does (validation NDCG@10, seen items masked)."""
    popularity = evaluate(Popularity.fit(ml100k), ml100k.valid, mask_seen=True).metrics["NDCG@10"]
    assert popularity == pytest.approx(0.0338, abs=1e-4)
    results = {}
    for label in LEARNED_LABELS:
        strided = spec_by_label(label).hyperparameters.get("stride", 50) < 50
        spec = configure(spec_by_label(label), max_epochs=2 if strided else 5, search=False)
        data = _data_for(label, ml100k, ml100k_long)
        _, _, _, history, valid = fit_once(spec, data, {"lr": 5e-3, "patience": 5}, seed=0, mask_seen=True)
        results[label] = valid
    assert all(v > popularity for v in results.values()), (popularity, results)


def test_item_knn_is_cosine_of_training_cooccurrence(ml100k):
    pairs = training_interactions(ml100k)
    matrix = np.zeros((ml100k.n_users + 1, ml100k.n_items + 1))
    matrix[pairs["users"], pairs["items"]] = 1
    a, b = 50, 100  # Star Wars and Fargo
    expected = matrix[:, a] @ matrix[:, b] / np.sqrt(matrix[:, a].sum() * matrix[:, b].sum())
    knn = ItemKNN.fit(ml100k, k=ml100k.n_items)  # keep every neighbour
    assert knn.similarity[a, b].item() == pytest.approx(expected, rel=1e-5)
    user = 1
    scores = knn.score_all(torch.tensor([user]), torch.zeros(1, 8, dtype=torch.long), torch.tensor([0]))[0]
    assert scores[b].item() == pytest.approx(float(matrix[user] @ knn.similarity[:, b].numpy()), rel=1e-5)
    kept = (ItemKNN.fit(ml100k, k=10).similarity > 0).sum(dim=0)
    assert kept.max().item() == 10  # at most k neighbours per item


def test_lightgcn_adjacency_is_symmetrically_normalised(ml100k):
    model = LightGCN.from_data(ml100k)
    dense = model.adjacency.to_dense()
    torch.testing.assert_close(dense, dense.T)
    pairs = training_interactions(ml100k)
    u, i = int(pairs["users"][0]), int(pairs["items"][0])
    deg_u, deg_i = (pairs["users"] == u).sum(), (pairs["items"] == i).sum()
    assert dense[u, ml100k.n_users + 1 + i].item() == pytest.approx(1 / np.sqrt(deg_u * deg_i), rel=1e-6)


def test_negatives_are_never_training_items(ml100k):
    history = training_history(ml100k)
    users = torch.from_numpy(np.array(training_interactions(ml100k)["users"]))
    negatives = sample_unseen_items(users, history, torch.Generator().manual_seed(0))
    assert not history[users, negatives].any() and negatives.min() >= 1


def test_recbole_split_differs_only_where_timestamps_are_a_second_apart(ml100k):
    differences = compare_split(ml100k)
    assert sorted(differences["user_id"]) == [167, 186, 239, 392, 444]
    assert (differences["largest gap between differing items (s)"] == 1).all()


def test_recbole_reference_table_reads_its_numbers():
    table = load_reference_table()
    assert table.loc["BPR", "NDCG@10"] == pytest.approx(0.0673)
    assert table.loc["SASRec-CE", "capped"] and not table.loc["BPR", "capped"]
    assert len(table) == 11


def test_configure_caps_epochs_and_turns_search_off():
    spec = configure(spec_by_label("SASRec"), sequence_max_len=20, max_epochs=3, search=False)
    assert spec.max_len == 20 and spec.hyperparameters["max_len"] == 20
    assert spec.training["epochs"] == 3 and spec.candidates() == [{}]
    assert spec.hyperparameters["stride"] == 10 and configure(spec_by_label("BERT4Rec"), 8).hyperparameters["stride"] == 8
    with pytest.raises(ValueError, match="BASELINE_EPOCHS"):
        configure(spec_by_label("GRU4Rec"), max_epochs=0)
    with pytest.raises(ValueError, match="no baseline named"):
        spec_by_label("GRU4")


def test_a_dataset_without_masking_is_scored_unmasked_only():
    """Last.fm-2K keeps repeats as targets: scoring them masked would be impossible, so it is not tried."""
    from rec_utils.baselines import run_baseline
    from rec_utils.datasets import MASK_SEEN_DEFAULT, load_dataset
    data, _ = load_processed(load_dataset("lastfm-2k"))
    assert MASK_SEEN_DEFAULT["lastfm-2k"] is False
    run = run_baseline(spec_by_label("Popularity"), data, [0, 1], mask_seen=False, log=lambda _: None)
    assert run.test_unmasked is None and len(run.test) == 2 and run.test[0] == run.test[1]
    assert run.test[0]["NDCG@10"] == pytest.approx(0.0264, abs=1e-4)  # Table 1's popularity row for lastfm-2k


def test_parallel_workers_give_the_sequential_results(ml100k):
    """workers=2 trains in spawned processes: the same choices and test scores as one process."""
    from rec_utils.baselines import run_baseline
    spec = configure(spec_by_label("BPR-MF"), max_epochs=2)
    alone = run_baseline(spec, ml100k, [0, 1], True, progress=False, log=lambda _: None)
    parallel = run_baseline(spec, ml100k, [0, 1], True, progress=False, log=lambda _: None, workers=2)
    assert len(parallel.search) == 4 and parallel.setting == alone.setting
    assert parallel.search["valid_NDCG@10"].to_numpy() == pytest.approx(alone.search["valid_NDCG@10"].to_numpy(), abs=1e-6)
    for a, b in zip(alone.test, parallel.test):
        assert b["NDCG@10"] == pytest.approx(a["NDCG@10"], abs=1e-6)
    with pytest.raises(ValueError, match="workers must be >= 1, got 0"):
        run_baseline(spec, ml100k, [0], True, workers=0)
