"""The custom CSV format: the example made from real MovieLens-100K reads back exactly; every error names
the file and the line; the example goes through the notebooks by the main command."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from rec_utils import paths
from rec_utils.datasets import DatasetError, DatasetFormatError, load_dataset
from rec_utils.preprocessing import load_processed

EXAMPLE = paths.REPO_ROOT / "examples" / "custom-ml100k"


@pytest.fixture()
def copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(EXAMPLE, target)
    return target


def test_the_example_reads_back_as_the_real_users(ml100k_raw):
    raw = load_dataset("custom", "examples/custom-ml100k")  # relative: from the repository root
    real = ml100k_raw.interactions[ml100k_raw.interactions["user"] <= 150].reset_index(drop=True)
    assert len(raw.interactions) == len(real) == 14_949
    assert (raw.interactions[["user", "item", "timestamp"]].to_numpy() == real[["user", "item", "timestamp"]].to_numpy()).all()
    assert raw.user_feature_columns == ["age", "gender", "occupation"]
    assert len(raw.genre_names) == 19 and raw.items.set_index("item").loc[50, "title"] == "Star Wars (1977)"
    assert set(raw.checksums) == {"interactions.csv", "users.csv", "items.csv"}
    data, _ = load_processed(raw)
    assert (data.n_users, len(data.test)) == (150, 150)


def test_interactions_alone_are_enough(copy):
    (copy / "users.csv").unlink()
    (copy / "items.csv").unlink()
    raw = load_dataset("custom", copy)
    assert raw.user_features == [] and raw.genre_names == [] and raw.items["title"].iloc[0] == "1"


@pytest.mark.parametrize("file, edit, message", [
    ("interactions.csv", lambda t: t.replace("user,item,timestamp", "user,item,time"), r"interactions.csv: missing column\(s\) \['timestamp'\]"),
    ("interactions.csv", lambda t: t.replace("22,377,1997-11-07T07:18:36", "22,377,yesterday", 1), r"interactions.csv, line 2: cannot parse timestamp 'yesterday'"),
    ("interactions.csv", lambda t: t.replace("115,265,", ",265,", 1), r"interactions.csv, line 3: empty 'user'"),
    ("interactions.csv", lambda t: t + "22,377,1997-11-07T07:18:36,1\n", r"interactions.csv, lines 2 and 14951: the same user, item and timestamp twice"),
    ("users.csv", lambda t: t + "9999,30,F,other\n", r"users.csv, line 152: user 9999 has no interaction"),
    ("users.csv", lambda t: t.replace("1,24.0,M", "1,twenty,M", 1), r"users.csv, line 2: age 'twenty' is not a number"),
    ("items.csv", lambda t: t + "1,Toy Story again,\n", r"items.csv, lines 2 and 1298: the same item twice"),
])
def test_bad_input_names_file_and_line(copy, file, edit, message):
    (copy / file).write_text(edit((copy / file).read_text()))
    with pytest.raises(DatasetFormatError, match=message):
        load_dataset("custom", copy)


def test_a_missing_folder_or_path_is_explained(tmp_path):
    with pytest.raises(DatasetError, match="DATASET=custom needs DATA_PATH"):
        load_dataset("custom")
    with pytest.raises(DatasetError, match="no interactions.csv"):
        load_dataset("custom", tmp_path)


def test_integer_timestamps_and_text_ids(copy):
    text = "user,item,timestamp\nann,song a,100\nann,song b,200\nann,song c,300\nbob,song a,50\n"
    (copy / "interactions.csv").write_text(text)
    (copy / "users.csv").unlink()
    (copy / "items.csv").unlink()
    raw = load_dataset("custom", copy)
    assert raw.interactions["timestamp"].tolist() == [100, 200, 300, 50]
    assert sorted(raw.users["user"]) == ["ann", "bob"]
    data, _ = load_processed(raw, cache_dir=copy / "cache")
    assert data.item_names(data.test.targets) == ["song c"] and np.array_equal(data.user_ids, ["ann", "bob"])


def test_the_example_runs_through_the_main_command(tmp_path, monkeypatch):
    """``python -m rec_utils.workbook --dataset custom`` with params/custom.yaml and small overrides."""
    import json

    from rec_utils.results import load_results
    from rec_utils.workbook import main, notebooks
    monkeypatch.setenv("SEQREC_OUTPUT_ROOT", str(tmp_path))
    overrides = {"SEEDS": "[0]", "EPOCHS": "1", "PATIENCE": "1", "WALKTHROUGH_EPOCHS": "1", "BASELINE_EPOCHS": "1",
                 "SEARCH": "false", "BASELINES": '["Popularity", "ItemKNN", "SASRec", "SASRec-CE"]', "OPTIMIZERS": '["adam"]',
                 "COLD_BASELINES": '["Popularity", "SASRec"]', "ABLATIONS": '["no genres"]', "ABLATION_LENGTHS": "[]"}
    assert main(["--dataset", "custom", *[a for k, v in overrides.items() for a in ("-p", k, v)]]) == 0
    manifest = json.loads((tmp_path / "results" / "custom" / "manifest.json").read_text())
    assert set(manifest["main_run"]["notebooks_seconds"]) == {nb.stem for nb in notebooks()}
    stats = load_results("custom", "01_dataset_exploration", tmp_path)["statistics"]
    assert (stats["users"], stats["interactions"]) == (150, 14_949)
    table3 = load_results("custom", "06_baseline_comparison", tmp_path)["table3"]
    assert [row["model"] for row in table3] == ["LSTM-Attention-BPR (ours)", "Popularity", "ItemKNN", "SASRec", "SASRec-CE"]
    assert [row["model"] for row in load_results("custom", "05_optimizer_comparison", tmp_path)["table2"]] == ["adam"]
    cold = load_results("custom", "07_cold_start_ablation", tmp_path)
    assert [row["model"] for row in cold["ablation"]] == ["full model (notebook 04)", "no genres"]
    assert sum(cold["group_sizes"].values()) == 150
