"""Metric values computed by hand, ties, NaN, K beyond the catalogue, padding and masking."""
import math

import numpy as np
import pytest
import torch

from rec_utils.evaluation import evaluate, rank_cases
from rec_utils.metrics import mean_metrics, metric_names, metrics_from_ranks, pessimistic_ranks
from rec_utils.preprocessing import EvalCases

NEG_INF = float("-inf")


def test_pessimistic_rank_counts_ties_against_the_target():
    scores = torch.tensor([[NEG_INF, 0.9, 0.5, 0.5, 0.1]])
    assert pessimistic_ranks(scores, torch.tensor([2])).tolist() == [3]   # items 1 and 3 score >= 0.5
    assert pessimistic_ranks(scores, torch.tensor([1])).tolist() == [1]
    assert pessimistic_ranks(scores, torch.tensor([4])).tolist() == [4]


def test_all_items_tied_puts_target_last():
    scores = torch.zeros(1, 6)
    scores[0, 0] = NEG_INF
    assert pessimistic_ranks(scores, torch.tensor([3])).tolist() == [5]


def test_single_target_metric_values_by_hand():
    values = mean_metrics(metrics_from_ranks(torch.tensor([3]), ks=(2, 3, 10)))
    assert values["HR@2"] == 0 and values["NDCG@2"] == 0 and values["MRR@2"] == 0 and values["Precision@2"] == 0
    assert values["HR@3"] == 1
    assert values["NDCG@3"] == pytest.approx(1 / math.log2(4)) == pytest.approx(0.5)
    assert values["MRR@3"] == pytest.approx(1 / 3)
    assert values["Precision@3"] == pytest.approx(1 / 3)
    assert values["Precision@10"] == pytest.approx(0.1)


def test_rank_one_gives_ndcg_and_mrr_one():
    values = mean_metrics(metrics_from_ranks(torch.tensor([1]), ks=(10,)))
    assert values == {"HR@10": 1.0, "NDCG@10": 1.0, "MRR@10": 1.0, "Precision@10": 0.1}


def test_means_over_cases():
    values = mean_metrics(metrics_from_ranks(torch.tensor([1, 2, 11, 4]), ks=(10,)))
    assert values["HR@10"] == pytest.approx(0.75)
    assert values["NDCG@10"] == pytest.approx((1 + 1 / math.log2(3) + 0 + 1 / math.log2(5)) / 4)
    assert values["MRR@10"] == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert values["Precision@10"] == pytest.approx(0.075)


def test_k_larger_than_item_count():
    scores = torch.tensor([[NEG_INF, 0.1, 0.3, 0.2]])      # 3 items, target ranked last (3)
    ranks = pessimistic_ranks(scores, torch.tensor([1]))
    values = mean_metrics(metrics_from_ranks(ranks, ks=(100,)))
    assert values["HR@100"] == 1.0
    assert values["NDCG@100"] == pytest.approx(0.5)
    assert values["Precision@100"] == pytest.approx(0.01)


def test_nan_scores_raise():
    with pytest.raises(ValueError, match="NaN"):
        pessimistic_ranks(torch.tensor([[NEG_INF, float("nan"), 0.2]]), torch.tensor([2]))


def test_masked_target_raises():
    with pytest.raises(ValueError, match="-inf"):
        pessimistic_ranks(torch.tensor([[NEG_INF, NEG_INF, 0.2]]), torch.tensor([1]))


def test_metric_names_order():
    assert metric_names((10, 20))[:3] == ["HR@10", "HR@20", "NDCG@10"]
    assert len(metric_names()) == 16


class FixedScores:
    """A scorer returning the same scores for every case."""

    def __init__(self, scores):
        self.scores = torch.tensor(scores, dtype=torch.float32)
        self.n_items = len(scores) - 1

    def score_all(self, users, inputs, lengths):
        return self.scores.expand(len(users), -1)


def _cases(targets, seen):
    indptr = np.concatenate([[0], np.cumsum([len(s) for s in seen])]).astype(np.int64)
    n = len(targets)
    return EvalCases(users=np.arange(1, n + 1), inputs=np.zeros((n, 2), dtype=np.int64), lengths=np.zeros(n, dtype=np.int64),
                     targets=np.asarray(targets), target_positions=np.zeros(n, dtype=np.int64), seen_indptr=indptr,
                     seen_items=np.asarray([i for s in seen for i in s], dtype=np.int64))


def test_padding_is_never_ranked_even_when_scored_highest():
    scorer = FixedScores([100.0, 0.3, 0.2, 0.1])
    assert rank_cases(scorer, _cases([1], [[]]), mask_seen=False).tolist() == [1]


def test_seen_items_masked_only_when_asked():
    scorer = FixedScores([0.0, 0.9, 0.8, 0.1, 0.5])
    cases = _cases([3, 4], [[1, 2], [1]])
    assert rank_cases(scorer, cases, mask_seen=False).tolist() == [4, 3]
    assert rank_cases(scorer, cases, mask_seen=True).tolist() == [2, 2]


def test_evaluate_batches_give_the_same_result():
    rng = np.random.default_rng(0)
    scores = rng.random(51).tolist()
    cases = _cases(rng.integers(1, 51, 37).tolist(), [rng.integers(1, 51, 3).tolist() for _ in range(37)])
    cases.seen_items[np.isin(cases.seen_items, cases.targets)] = 0  # the padding id is masked anyway
    one = evaluate(FixedScores(scores), cases, mask_seen=True, batch_size=1000)
    small = evaluate(FixedScores(scores), cases, mask_seen=True, batch_size=5)
    assert one.ranks.tolist() == small.ranks.tolist()
    assert one.metrics == small.metrics


class RecordingScores(FixedScores):
    """FixedScores that records how many cases each batch held."""

    def __init__(self, scores):
        super().__init__(scores)
        self.batches = []

    def score_all(self, users, inputs, lengths):
        self.batches.append(len(users))
        return super().score_all(users, inputs, lengths)


def test_a_batch_never_holds_more_scores_than_allowed():
    rng = np.random.default_rng(1)
    scores = rng.random(101).tolist()   # 100 items + padding: 101 scores per case
    cases = _cases(rng.integers(1, 101, 37).tolist(), [[] for _ in range(37)])
    bounded = RecordingScores(scores)
    ranks = rank_cases(bounded, cases, mask_seen=False, batch_size=1024, max_scores=505)
    assert bounded.batches == [5] * 7 + [2]            # 505 // 101 = 5 cases per batch
    assert ranks.tolist() == rank_cases(FixedScores(scores), cases, mask_seen=False).tolist()
    tiny = RecordingScores(scores)
    rank_cases(tiny, cases, mask_seen=False, max_scores=10)   # fewer than one row: one case at a time
    assert tiny.batches == [1] * 37
    with pytest.raises(ValueError, match="max_scores"):
        rank_cases(tiny, cases, mask_seen=False, max_scores=0)
