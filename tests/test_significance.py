"""Paired tests and Holm's adjustment on inputs whose answers are known by hand."""
from __future__ import annotations

import numpy as np
import pytest

from rec_utils.significance import compare_to_reference, holm, per_user_metric, wilcoxon_paired


def test_wilcoxon_exact_on_five_positive_differences():
    # differences 1..5 all positive: W- = 0, exact two-sided p = 2 / 2**5
    statistic, p = wilcoxon_paired(np.array([1, 2, 3, 4, 5.0]), np.zeros(5))
    assert statistic == 0.0 and p == pytest.approx(2 / 32)


def test_wilcoxon_identical_samples_give_no_evidence():
    statistic, p = wilcoxon_paired(np.ones(4), np.ones(4))
    assert np.isnan(statistic) and p == 1.0


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 -> 3*0.01 = 0.03, 2*0.03 = 0.06, max(0.06, 1*0.04) = 0.06
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])


def test_per_user_metric_averages_seeds():
    # user 0: ranks 1 and 3 -> NDCG 1 and 0.5; user 1: ranks 11 and 1 -> 0 and 1
    values = per_user_metric([np.array([1, 11]), np.array([3, 1])], "NDCG@10")
    np.testing.assert_allclose(values, [0.75, 0.5])
    with pytest.raises(ValueError, match="different numbers"):
        per_user_metric([np.array([1, 2]), np.array([1])])


def test_compare_to_reference_counts_and_adjusts():
    ours = np.array([1, 1, 1, 1, 1, 0.0])
    table = compare_to_reference("ours", {"ours": ours, "worse": np.zeros(6), "same": ours.copy()})
    worse = table.set_index("model").loc["worse"]
    assert worse["users ours better"] == 5 and worse["users model better"] == 0
    assert worse["p"] == pytest.approx(2 / 32) and worse["p (Holm)"] == pytest.approx(2 / 32 * 2)
    assert table.set_index("model").loc["same", "p"] == 1.0
