"""Cold-start evaluation on the real datasets: truncation keeps the target and leaks nothing, a user with
no history is scored from demographics alone, and activity groups partition the test users."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from rec_utils.cold_start import activity_groups, evaluate_cold, truncate_cases
from rec_utils.datasets import load_dataset
from rec_utils.models import LSTMAttentionBPR, Popularity
from rec_utils.preprocessing import load_processed


def test_truncation_keeps_the_last_items_and_the_target(ml100k):
    cases = ml100k.test
    for n in (0, 1, 3, 8):
        cut = truncate_cases(cases, n)
        assert (cut.targets == cases.targets).all() and (cut.users == cases.users).all()
        assert (cut.lengths == np.minimum(cases.lengths, n)).all()
        for k in (0, 404, 942):
            kept = cut.inputs[k, :cut.lengths[k]]
            assert kept.tolist() == cases.inputs[k, cases.lengths[k] - cut.lengths[k]:cases.lengths[k]].tolist()
            assert (cut.inputs[k, cut.lengths[k]:] == 0).all()
            assert cases.targets[k] not in kept  # ml-100k: a movie is rated once, the target is never in the input
            seen = cut.seen_items[cut.seen_indptr[k]:cut.seen_indptr[k + 1]]
            assert sorted(seen.tolist()) == sorted(kept.tolist())  # only what the model is shown is masked
    assert truncate_cases(cases, None) is cases
    with pytest.raises(ValueError, match="n must be >= 0"):
        truncate_cases(cases, -1)


def test_a_user_without_history_is_scored_from_demographics(ml100k):
    torch.manual_seed(0)
    model = LSTMAttentionBPR.from_data(ml100k, emb_dim=16, hidden_dim=16, genre_dim=4, demo_dim=4)
    newcomers = truncate_cases(ml100k.test, 0)
    metrics, ranks = evaluate_cold(model, ml100k, newcomers, mask_seen=True)
    assert len(ranks) == 943 and np.isfinite(list(metrics.values())).all()
    # two users with different demographics and no history get different scores: demographics are read
    features = torch.from_numpy(ml100k.user_features[[1, 2]])
    with torch.no_grad():
        scores = model.score_all(torch.zeros(2, dtype=torch.long), torch.zeros(2, 8, dtype=torch.long),
                                 torch.zeros(2, dtype=torch.long), features=features)
    assert torch.isfinite(scores[:, 1:]).all() and not torch.equal(scores[0], scores[1])
    # popularity for newcomers: nothing is masked, so each rank is 1 + the number of other items counted as often or more
    counts = ml100k.train_item_counts()[1:].astype(float)
    target_counts = counts[ml100k.test.targets - 1]
    expected_ranks = (counts[None, :] >= target_counts[:, None]).sum(axis=1)
    _, pop_ranks = evaluate_cold(Popularity.fit(ml100k), ml100k, newcomers, mask_seen=True)
    assert (pop_ranks == expected_ranks).all()


def test_activity_groups_cover_every_test_user_once():
    data, _ = load_processed(load_dataset("lastfm-2k"))
    groups = activity_groups(data, data.test)
    assert len(groups) == len(data.test) == 1547 and groups.notna().all()
    assert list(groups.cat.categories) == ["1-4", "5-9", "10-19", "20+"]
    train = data.sequences[data.sequences["split"] == "train"]
    counts = np.bincount(train["user_idx"], minlength=data.n_users + 1)[data.test.users]
    assert ((groups == "1-4") == (counts < 5)).all() and ((groups == "20+") == (counts >= 20)).all()
    assert groups.value_counts().sum() == 1547 and (groups == "1-4").sum() > 0
    with pytest.raises(ValueError, match="strictly increasing"):
        activity_groups(data, data.test, bins=(5, 1))
