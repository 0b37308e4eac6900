"""Seed summaries and Table 1 formatting on hand-computed values."""
import math

import numpy as np
import pandas as pd
import pytest

from rec_utils.metrics import metric_names
from rec_utils.reporting import format_table1, summarise_seeds, table1, to_markdown


def test_mean_and_sample_std_over_seeds():
    summary = summarise_seeds([{"HR@10": 0.1}, {"HR@10": 0.2}, {"HR@10": 0.3}])
    assert summary.loc["HR@10", "mean"] == pytest.approx(0.2)
    assert summary.loc["HR@10", "std"] == pytest.approx(0.1)  # sqrt((0.01 + 0 + 0.01) / 2)
    assert summary.loc["HR@10", "seeds"] == 3


def test_one_seed_has_no_spread_and_says_so():
    assert math.isnan(summarise_seeds([{"HR@10": 0.1}]).loc["HR@10", "std"])
    names = metric_names((10,))
    values = {n: 0.5 for n in names}
    pretty = format_table1(table1([values], values, {}, ks=(10,)))
    assert pretty.iloc[0, 1] == "0.5000 (one seed)"


def test_table1_rows_columns_and_missing_paper_numbers():
    names = metric_names((10, 100))
    ours = [{n: 0.2 for n in names}, {n: 0.4 for n in names}]
    pretty = format_table1(table1(ours, {n: 0.1 for n in names}, {"HR@100": 0.6763}, ks=(10, 100)))
    assert list(pretty["metric"]) == names
    row = pretty.set_index("metric").loc["HR@100"].tolist()
    assert row == ["0.3000 ± 0.1414", "0.1000", "0.6763"]
    assert pretty.set_index("metric").loc["HR@10", "paper (reported)"] == "–"
    assert to_markdown(pd.DataFrame({"a": [1], "b": ["x"]})) == "| a | b |\n|---|---|\n| 1 | x |\n"


def test_table3_marks_the_best_mean_per_column():
    from rec_utils.reporting import format_table3, table3
    columns = ("HR@10", "NDCG@10")
    per_model = {"a": [{"HR@10": 0.2, "NDCG@10": 0.1}, {"HR@10": 0.4, "NDCG@10": 0.1}],
                 "b": [{"HR@10": 0.25, "NDCG@10": 0.2}]}
    table = table3(per_model, {"a": [10.0, 30.0], "b": [5.0]}, columns)
    assert table.loc["a", "HR@10 mean"] == pytest.approx(0.3) and table.loc["a", "train seconds"] == 20.0
    pretty = format_table3(table, columns).set_index("model")
    assert pretty.loc["a", "HR@10"] == f"**0.3000 ± {np.std([0.2, 0.4], ddof=1):.4f}**"
    assert pretty.loc["b", "NDCG@10"] == "**0.2000**" and pretty.loc["b", "HR@10"] == "0.2500"
