"""Every notebook, executed by papermill with small parameters on the real data; the numbers it recorded.

Outputs go to a temporary folder (``OUTPUT_ROOT``), never over the committed results.
"""
from pathlib import Path

import pytest
import torch
import yaml

from rec_utils import paths
from rec_utils.results import load_results
from rec_utils.workbook import notebook_parameters, notebooks, run

SMOKE = yaml.safe_load((paths.REPO_ROOT / "params" / "smoke.yaml").read_text())


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("workbook")
    params = {**SMOKE, "OUTPUT_ROOT": str(root)}
    summary = run("ml-100k", params, output_root=root)
    assert set(summary["notebooks_seconds"]) == {nb.stem for nb in notebooks()}
    return root


def test_every_notebook_has_a_parameters_cell_and_no_outputs():
    import nbformat
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: expected one cell tagged 'parameters'"
        assert "DATASET" in tagged[0].source and "OUTPUT_ROOT" in tagged[0].source
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path.name} has outputs"


def test_01_records_real_counts(smoke_run):
    stats = load_results("ml-100k", "01_dataset_exploration", smoke_run)["statistics"]
    assert (stats["users"], stats["items"], stats["interactions"]) == (943, 1682, 100_000)
    assert stats["density"] == pytest.approx(100_000 / (943 * 1682))
    assert stats["duplicate_user_item_pairs"] == 0
    assert (smoke_run / "figures" / "ml-100k" / "fig_data_distributions.png").stat().st_size > 10_000


def test_02_records_split_and_no_leakage(smoke_run):
    recorded = load_results("ml-100k", "02_preprocessing", smoke_run)
    assert recorded["split"]["train windows (targets)"] == 97_171
    assert recorded["split"]["validation cases"] == recorded["split"]["test cases"] == 943
    assert all(v == 0 for v in recorded["leakage"]["must_be_zero"].values())


def test_03_records_model_and_padding_invariance(smoke_run):
    recorded = load_results("ml-100k", "03_model_definition", smoke_run)
    assert recorded["total_parameters"] == 908_992
    assert recorded["padding_max_abs_difference"] < 1e-5
    assert recorded["stage_shapes"]["scores (all items)"] == [4, 1683]
    assert sum(recorded["attention_trained"]) == pytest.approx(1.0, abs=1e-5)
    recs = recorded["recommendations"]
    assert recs["reloaded_identical"] is True and recs["newcomer_profile"]["occupation"] == "student"
    assert all(len(recs[k]) == 10 for k in ("heavy_user", "light", "newcomer"))


def test_04_records_table1_above_popularity(smoke_run):
    recorded = load_results("ml-100k", "04_training_curves", smoke_run)
    assert [r["epochs_run"] for r in recorded["runs"]] == [2]
    ours, pop = recorded["test_mean"], recorded["popularity_test"]
    assert len(ours) == 16 and ours["Precision@10"] == pytest.approx(ours["HR@10"] / 10)
    assert ours["NDCG@10"] > pop["NDCG@10"] and ours["HR@10"] > pop["HR@10"]
    for k in (10, 20, 50, 100):
        assert ours[f"HR@{k}"] >= ours[f"NDCG@{k}"] >= ours[f"MRR@{k}"]
    results = smoke_run / "results" / "ml-100k"
    assert (results / "table1.csv").read_text().count("\n") == 17
    assert (smoke_run / "figures" / "ml-100k" / "fig2_training_curves.png").is_file()
    assert (smoke_run / "reports" / "ml-100k" / "04_training_curves.ipynb").is_file()


def test_04_checkpoints_reload_with_their_data_identity(smoke_run):
    from rec_utils.checkpoints import load_model
    from rec_utils.datasets import load_dataset
    from rec_utils.preprocessing import PreprocessParams, load_processed
    data, _ = load_processed(load_dataset("ml-100k"), PreprocessParams(max_len=SMOKE.get("MAX_LEN", 8)))
    model, bundle = load_model(smoke_run / "checkpoints" / "ml-100k" / "lstm_attention_bpr_seed0.pt", data)
    assert bundle["model"] == "LSTM-Attention-BPR" and bundle["extra"]["seed"] == 0
    assert bundle["extra"]["best_epoch"] == load_results("ml-100k", "04_training_curves", smoke_run)["runs"][0]["best_epoch"]
    assert model.score_all(torch.tensor([1]), torch.tensor([[0] * 7 + [50]]), torch.tensor([1])).shape == (1, 1683)


def test_05_records_table2_with_each_optimizer(smoke_run):
    recorded = load_results("ml-100k", "05_optimizer_comparison", smoke_run)
    assert [row["model"] for row in recorded["table2"]] == ["adam", "sgd"]  # smoke: two optimizers, no search
    assert recorded["runs"]["adam"]["chosen"] == {"lr": 0.001} and recorded["runs"]["sgd"]["chosen"] == {"lr": 0.01}
    assert all(run["epochs_run"] == [2] for run in recorded["runs"].values())
    adam = recorded["table2"][0]
    assert adam["Precision@10 mean"] == pytest.approx(adam["HR@10 mean"] / 10)
    assert recorded["best_optimizer"] in ("adam", "sgd") and len(recorded["significance"]) == 1
    results = smoke_run / "results" / "ml-100k"
    assert (results / "table2.md").read_text().count("\n") == 4
    assert (results / "05_history_sgd_seed0.csv").read_text().count("\n") == 3
    assert (smoke_run / "figures" / "ml-100k" / "fig_optimizer_curves.png").stat().st_size > 20_000


def test_06_records_table3_significance_and_recbole_check(smoke_run):
    recorded = load_results("ml-100k", "06_baseline_comparison", smoke_run)
    models = [row["model"] for row in recorded["table3"]]
    assert models == ["LSTM-Attention-BPR (ours)", "Popularity", "ItemKNN", "BPR-MF", "FPMC", "LightGCN", "GRU4Rec",
                      "NARM", "SASRec", "SASRec-CE", "BERT4Rec"]
    ours = load_results("ml-100k", "04_training_curves", smoke_run)["test_mean"]
    assert recorded["table3"][0]["NDCG@10 mean"] == pytest.approx(ours["NDCG@10"])  # read from 04, not retrained
    pop = recorded["models"]["Popularity"]["test_per_seed"][0]
    assert pop["NDCG@10"] == pytest.approx(load_results("ml-100k", "04_training_curves", smoke_run)["popularity_test"]["NDCG@10"])
    assert all(r["best_epochs"] == [1] for label, r in recorded["models"].items() if label not in ("Popularity", "ItemKNN"))
    significance = recorded["significance"]["NDCG@10"]
    assert len(significance) == 10 and all(0 <= row["p"] <= row["p (Holm)"] <= 1 for row in significance)
    recbole = {row["model"]: row for row in recorded["recbole_comparison"]}
    assert recbole["GRU4Rec"]["seen items masked"] is False and recbole["BPR-MF"]["seen items masked"] is True
    assert recbole["BPR-MF"]["RecBole NDCG@10"] == pytest.approx(0.0673)
    assert (smoke_run / "results" / "ml-100k" / "table3.md").read_text().count("\n") == 13
    assert (smoke_run / "figures" / "ml-100k" / "fig5_model_comparison.png").stat().st_size > 20_000


@pytest.mark.parametrize("label, max_len", [("BPR-MF", 8), ("SASRec", 50), ("ItemKNN", 8)])
def test_06_checkpoints_reproduce_the_recorded_test_scores(smoke_run, label, max_len):
    from rec_utils.baselines import checkpoint_path
    from rec_utils.checkpoints import load_model
    from rec_utils.datasets import load_dataset
    from rec_utils.evaluation import evaluate
    from rec_utils.preprocessing import PreprocessParams, load_processed
    data, _ = load_processed(load_dataset("ml-100k"), PreprocessParams(max_len=max_len))
    model, bundle = load_model(checkpoint_path(smoke_run / "checkpoints" / "ml-100k", label, 0), data)
    recorded = load_results("ml-100k", "06_baseline_comparison", smoke_run)["models"][label]
    assert bundle["extra"]["label"] == label and bundle["extra"]["best_epoch"] == recorded["best_epochs"][0]
    assert evaluate(model, data.test, True).metrics["NDCG@10"] == pytest.approx(recorded["test_per_seed"][0]["NDCG@10"])


def test_07_records_ablation_and_both_cold_starts(smoke_run):
    recorded = load_results("ml-100k", "07_cold_start_ablation", smoke_run)
    ablation = {row["model"]: row for row in recorded["ablation"]}
    assert list(ablation) == ["full model (notebook 04)", "no demographics or genres"]
    ours = load_results("ml-100k", "04_training_curves", smoke_run)["test_mean"]
    assert ablation["full model (notebook 04)"]["NDCG@10 mean"] == pytest.approx(ours["NDCG@10"])  # read, not retrained
    assert recorded["ablation_runs"]["no demographics or genres"]["epochs_run"] == [2]
    simulated = {row["history"]: row for row in recorded["simulated_ndcg10"]}
    assert list(simulated) == ["0", "1", "2", "3", "4", "full"]
    assert set(simulated["0"]) == {"history", "LSTM-Attention-BPR (ours)", "Popularity", "SASRec",
                                   "ours without demographics or genres"}  # BPR-MF needs its user embedding
    # popularity ignores the history; only the masked items change, so with no history it is the unmasked ranking
    assert simulated["0"]["Popularity"] <= simulated["full"]["Popularity"]
    assert recorded["group_sizes"] == {"1-4": 0, "5-9": 0, "10-19": 56, "20+": 887}  # ml-100k: >= 20 ratings, 2 held out
    natural = {row["group"]: row for row in recorded["natural_ndcg10"]}
    assert set(natural["20+"]) == {"group", "LSTM-Attention-BPR (ours)", "Popularity", "BPR-MF", "SASRec",
                                   "ours without demographics or genres"}
    assert (smoke_run / "results" / "ml-100k" / "ablation.md").read_text().count("\n") == 4
    assert (smoke_run / "figures" / "ml-100k" / "fig_cold_start.png").stat().st_size > 20_000


def test_manifest_records_provenance(smoke_run):
    import json
    manifest = json.loads((smoke_run / "results" / "ml-100k" / "manifest.json").read_text())
    assert set(manifest["notebooks"]) == {nb.stem for nb in notebooks()}
    for nb in notebooks():   # exactly the notebook's declared parameters are recorded
        assert set(manifest["notebooks"][nb.stem]["parameters"]) == notebook_parameters(nb)
    prov = manifest["notebooks"]["04_training_curves"]
    assert prov["parameters"]["EPOCHS"] == 2 and prov["packages"]["torch"].startswith("2.13.0")
    assert prov["data_checksums"]["u.data"].startswith("06416e59")
    assert manifest["main_run"]["wall_seconds"] > 0


def test_a_partial_run_keeps_the_full_runs_record(smoke_run):
    import json
    manifest_path = smoke_run / "results" / "ml-100k" / "manifest.json"
    full = json.loads(manifest_path.read_text())["main_run"]
    run("ml-100k", {**SMOKE, "OUTPUT_ROOT": str(smoke_run)}, only=["02"], output_root=smoke_run)
    manifest = json.loads(manifest_path.read_text())
    assert manifest["main_run"] == full
    assert [list(r["notebooks_seconds"]) for r in manifest["partial_runs"]] == [["02_preprocessing"]]


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "nope"], "unknown dataset 'nope'; available: custom, lastfm-1k, lastfm-2k, ml-100k, ml-1m"),
    (["--dataset", "ml-100k", "--only", "99"], "no notebook matches ['99']"),
])
def test_main_command_refuses_bad_arguments_before_running(argv, message, capsys):
    from rec_utils.workbook import main
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_a_parameter_no_notebook_declares_is_reported(tmp_path, capsys):
    run("ml-100k", {**SMOKE, "OUTPUT_ROOT": str(tmp_path), "EPOCS": 3}, only=["01"], output_root=tmp_path)
    assert "warning: no notebook declares EPOCS; they have no effect" in capsys.readouterr().out
