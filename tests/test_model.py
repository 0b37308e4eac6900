"""LSTM-Attention-BPR: padding invariance, the scoring contract, cold start, training on real data."""
import numpy as np
import pytest
import torch

from rec_utils.evaluation import evaluate
from rec_utils.models import LSTMAttentionBPR, Popularity
from rec_utils.preprocessing import ProcessedData, Windows
from rec_utils.training import TrainConfig, bpr_loss_and_accuracy, sample_negatives, set_seed, train_bpr


@pytest.fixture(scope="module")
def model(ml100k) -> LSTMAttentionBPR:
    set_seed(0)
    return LSTMAttentionBPR.from_data(ml100k).eval()


def _batch(cases, n=16):
    return (torch.from_numpy(cases.users[:n]), torch.from_numpy(cases.inputs[:n]), torch.from_numpy(cases.lengths[:n]))


def test_paper_sizes_and_parameter_count(model):
    assert model.item_embedding.embedding_dim == 128 and model.lstm.hidden_size == 256
    assert model.genre_embedding.embedding_dim == 32 and model.item_dim == 160
    # items 1683x128 + genres 19x32 + LSTM 4*256*(160+256+2) + attention 256*256+256+256 + users 944x128
    # + demographics (3+9+22)x32 + head 480*160+160
    expected = 1683 * 128 + 19 * 32 + 4 * 256 * (160 + 256 + 2) + 256 * 256 + 256 + 256 + 944 * 128 + 34 * 32 + 480 * 160 + 160
    assert model.parameter_table()["parameters"].iloc[-1] == expected == 908_992


def test_score_all_shape_and_padding_column(model, ml100k):
    scores = model.score_all(*_batch(ml100k.valid))
    assert scores.shape == (16, ml100k.n_items + 1)
    assert torch.isneginf(scores[:, 0]).all() and torch.isfinite(scores[:, 1:]).all()


def test_extra_padding_does_not_change_scores(model, ml100k):
    users, inputs, lengths = _batch(ml100k.train, 64)      # windows of every length 1..8
    longer = torch.cat([inputs, torch.zeros(len(inputs), 7, dtype=inputs.dtype)], dim=1)
    with torch.no_grad():
        assert torch.allclose(model.score_all(users, inputs, lengths), model.score_all(users, longer, lengths), atol=1e-5)


def test_values_in_padded_slots_are_ignored(model, ml100k):
    users, inputs, lengths = _batch(ml100k.train, 64)
    valid = torch.arange(inputs.shape[1])[None, :] < lengths[:, None]
    garbage = torch.where(valid, inputs, torch.randint(1, ml100k.n_items, inputs.shape))
    with torch.no_grad():
        assert torch.allclose(model.score_all(users, inputs, lengths), model.score_all(users, garbage, lengths), atol=1e-5)
        _, weights = model.encode_sequence(inputs, lengths)
    assert torch.allclose(weights.sum(dim=1), torch.ones(len(inputs)))
    assert (weights[~valid] == 0).all()


def test_empty_history_gets_finite_scores_from_user_and_demographics(model, ml100k):
    users = torch.tensor([1, 2])
    empty = torch.zeros(2, 8, dtype=torch.long)
    with torch.no_grad():
        scores = model.score_all(users, empty, torch.zeros(2, dtype=torch.long))
    assert torch.isfinite(scores[:, 1:]).all()
    assert not torch.allclose(scores[0, 1:], scores[1, 1:])   # different users, different demographics


def test_score_pairs_agrees_with_score_all(model, ml100k):
    users, inputs, lengths = _batch(ml100k.valid, 8)
    items = torch.randint(1, ml100k.n_items + 1, (8, 5))
    with torch.no_grad():
        pairs = model.score_pairs(users, inputs, lengths, items)
        full = model.score_all(users, inputs, lengths).gather(1, items)
    assert torch.allclose(pairs, full, atol=1e-5)


def test_ablation_without_attention_uses_last_real_step(ml100k):
    set_seed(0)
    m = LSTMAttentionBPR.from_data(ml100k, use_attention=False).eval()
    users, inputs, lengths = _batch(ml100k.train, 10)
    _, weights = m.encode_sequence(inputs, lengths)
    assert weights.argmax(dim=1).tolist() == (lengths - 1).tolist()


def test_bpr_loss_by_hand():
    loss, acc = bpr_loss_and_accuracy(torch.tensor([0.0, 2.0, 1.0]), torch.tensor([0.0, 1.0, 3.0]))
    expected = (np.log(2) + np.log1p(np.exp(-1)) + np.log1p(np.exp(2))) / 3
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert acc.item() == pytest.approx(1 / 3)


def test_bpr_loss_with_several_negatives_by_hand():
    loss, acc = bpr_loss_and_accuracy(torch.tensor([1.0, 0.0]), torch.tensor([[0.0, 2.0], [-1.0, -1.0]]))
    expected = (np.log1p(np.exp(-1)) + np.log1p(np.exp(1)) + 2 * np.log1p(np.exp(-1))) / 4
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert acc.item() == pytest.approx(3 / 4)


def test_negatives_are_uniform_and_never_the_positive():
    generator = torch.Generator().manual_seed(0)
    positives = torch.randint(1, 11, (200_000,), generator=generator)
    negatives = sample_negatives(positives, 10, generator)
    assert (negatives != positives).all()
    assert negatives.min() == 1 and negatives.max() == 10
    counts = torch.bincount(negatives, minlength=11)[1:].float()
    assert (counts / counts.mean() - 1).abs().max() < 0.02


def _subset(data: ProcessedData, n_windows: int) -> ProcessedData:
    """The same data with a random sample of the training windows (every user's evaluation cases kept)."""
    w = data.train
    keep = np.sort(np.random.default_rng(0).choice(len(w), n_windows, replace=False))
    sub = Windows(w.users[keep], w.inputs[keep], w.lengths[keep], w.targets[keep], w.target_positions[keep])
    return ProcessedData(**{**data.__dict__, "train": sub})


def test_loss_decreases_and_beats_popularity_on_real_data(ml100k):
    data = _subset(ml100k, 30_000)
    set_seed(0)
    m = LSTMAttentionBPR.from_data(data)
    result = train_bpr(m, data, TrainConfig(mask_seen=True, epochs=3, seed=0, patience=3), progress=False)
    losses = result.history["train_loss"].tolist()
    assert losses[0] > losses[1] > losses[2]
    assert result.history["valid_loss"].iloc[-1] < result.history["valid_loss"].iloc[0]
    ours = evaluate(m, data.valid, mask_seen=True).metrics["NDCG@10"]
    pop = evaluate(Popularity.fit(data), data.valid, mask_seen=True).metrics["NDCG@10"]
    assert ours > pop


@pytest.mark.parametrize("change", [{"negatives": 4}, {"loss": "ce"}])
def test_ablation_objectives_learn_on_real_data(ml100k, change):
    data = _subset(ml100k, 30_000)
    set_seed(0)
    m = LSTMAttentionBPR.from_data(data)
    result = train_bpr(m, data, TrainConfig(mask_seen=True, epochs=2, seed=0, patience=2, **change), progress=False)
    history = result.history
    assert history["train_loss"].iloc[1] < history["train_loss"].iloc[0]
    assert history["valid_loss"].iloc[1] < history["valid_loss"].iloc[0]
    if change.get("loss") == "ce":  # the softmax loss starts near log(n_items), far above BPR's log 2
        assert history["train_loss"].iloc[0] > 5.0
    assert evaluate(m, data.valid, mask_seen=True).metrics["NDCG@10"] > \
        evaluate(Popularity.fit(data), data.valid, mask_seen=True).metrics["NDCG@10"]


def test_same_seed_same_history(ml100k):
    data = _subset(ml100k, 3_000)
    histories = []
    for _ in range(2):
        set_seed(7)
        m = LSTMAttentionBPR.from_data(data)
        histories.append(train_bpr(m, data, TrainConfig(mask_seen=True, epochs=2, seed=7), progress=False).history)
    columns = ["train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "valid_NDCG@10"]
    assert histories[0][columns].equals(histories[1][columns])


def test_early_stopping_keeps_best_epoch(ml100k):
    data = _subset(ml100k, 2_000)
    set_seed(0)
    m = LSTMAttentionBPR.from_data(data)
    result = train_bpr(m, data, TrainConfig(mask_seen=True, epochs=10, lr=0.0, weight_decay=0.0, patience=2, seed=0), progress=False)
    # nothing changes with lr = 0 (dropout aside): epoch 1 stays best, training stops after 1 + patience epochs
    assert result.best_epoch == 1 and len(result.history) == 3 and result.stopped_early


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        TrainConfig(mask_seen=True, optimizer="lbfgs")
    with pytest.raises(ValueError, match="patience must be >= 1"):
        TrainConfig(mask_seen=True, patience=0)
    with pytest.raises(ValueError, match="loss must be one of \\('bpr', 'ce'\\), got 'hinge'"):
        TrainConfig(mask_seen=True, loss="hinge")
    with pytest.raises(ValueError, match="negatives must be >= 1, got 0"):
        TrainConfig(mask_seen=True, negatives=0)
