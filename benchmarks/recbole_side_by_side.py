"""Seconds per training epoch, ours against RecBole 1.2.1, for GRU4Rec, NARM and SASRec on ml-100k.

    make recbole-env                                       # once: .venv-recbole with RecBole 1.2.1 and its pins
    .venv/bin/python benchmarks/recbole_side_by_side.py   # about 15 minutes on 2 cores

Same machine, same run, alternating per model, each side in a fresh process with the same torch threads
and tcmalloc preloaded when the machine has it (RecBole's reference runs used it: without it its SASRec
ran about 2x slower). Same data: the real ml-100k, leave-one-out by time, and RecBole's training
examples, every prefix of a user's training sequence (up to 50 items) predicting its next item: 97,171
per epoch, in batches of 256, Adam 1e-3, no weight decay, no gradient clipping, full-softmax
cross-entropy. Same hyper-parameters: RecBole's defaults for each model, which ours is built with
(``OUR_SETTINGS``), and the same SASRec block layout as RecBole's (post-norm, GELU, no dropout inside the
feed-forward; ours defaults to the original's pre-norm, ReLU and inner dropout). Each side trains
``--epochs`` epochs (training only, no evaluation); the median epoch is reported, and the ratio ours / RecBole.

A second column gives our epoch as the notebooks train it (notebook 06's settings: every position of
each chunk is a target, so one epoch still covers the same 97,171 targets, in far fewer sequences).
Writes ``benchmarks/results/recbole_side_by_side.json`` and ``.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RECBOLE_PYTHON = ROOT / ".venv-recbole" / "bin" / "python"
TCMALLOC = Path("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4")
BATCH = 256
RECBOLE_MODELS = {"GRU4Rec": "GRU4Rec", "NARM": "NARM", "SASRec": "SASRec"}
# ours, with RecBole 1.2.1's defaults (recbole/properties/model/<Model>.yaml)
OUR_SETTINGS = {
    "GRU4Rec": {"emb_dim": 64, "hidden_dim": 128, "layers": 1, "dropout": 0.3, "loss": "ce", "max_len": 50},
    "NARM": {"emb_dim": 64, "hidden_dim": 128, "embedding_dropout": 0.25, "context_dropout": 0.5, "loss": "ce",
             "max_len": 50},
    "SASRec": {"dim": 64, "blocks": 2, "heads": 2, "ffn_dim": 256, "dropout": 0.5, "loss": "ce", "max_len": 50,
               "norm_first": False, "activation": "gelu", "inner_dropout": 0.0},
}
RECBOLE_KEYS = {"GRU4Rec": ("embedding_size", "hidden_size", "num_layers", "dropout_prob", "loss_type"),
                "NARM": ("embedding_size", "hidden_size", "n_layers", "dropout_probs", "loss_type"),
                "SASRec": ("hidden_size", "n_layers", "n_heads", "inner_size", "hidden_dropout_prob",
                           "attn_dropout_prob", "hidden_act", "loss_type")}


def write_atomic_inter(folder: Path) -> Path:
    """ml-100k's events, as our loader reads them, in RecBole's atomic ``folder/ml-100k/ml-100k.inter``."""
    from rec_utils.datasets import load_dataset

    target = folder / "ml-100k"
    target.mkdir(parents=True, exist_ok=True)
    events = load_dataset("ml-100k").interactions[["user", "item", "rating", "timestamp"]]
    events.columns = ["user_id:token", "item_id:token", "rating:float", "timestamp:float"]
    events.to_csv(target / "ml-100k.inter", sep="\t", index=False)
    return target


def recbole_child(model: str, data_path: str, epochs: int, threads: int) -> dict:
    """In the RecBole environment: build RecBole's data and model, time ``epochs`` training epochs."""
    os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    import torch
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import get_model, get_trainer, init_seed

    torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory() as saved:
        config = Config(model=RECBOLE_MODELS[model], dataset="ml-100k",
                        config_file_list=[str(HERE / "recbole" / "ml100k-base.yaml")],
                        config_dict={"data_path": data_path, "checkpoint_dir": saved, "epochs": epochs,
                                     "train_batch_size": BATCH, "loss_type": "CE", "train_neg_sample_args": None})
        init_seed(config["seed"], config["reproducibility"])
        dataset = create_dataset(config)
        train_data, _, _ = data_preparation(config, dataset)
        init_seed(config["seed"], config["reproducibility"])
        net = get_model(config["model"])(config, train_data._dataset).to(config["device"])
        trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, net)
        # recbole's sine.py switches anomaly detection on when its model package is imported, which Config and
        # get_model do: switched off here, after every import, as RecBole's reference runs did
        torch.autograd.set_detect_anomaly(False)
        seconds = []
        for epoch in range(epochs):
            start = time.perf_counter()
            trainer._train_epoch(train_data, epoch, show_progress=False)
            seconds.append(time.perf_counter() - start)
    return {"seconds_per_epoch": seconds, "examples": len(train_data.dataset), "threads": torch.get_num_threads(),
            "anomaly_detection": torch.is_anomaly_enabled(), "ld_preload": os.environ.get("LD_PRELOAD", ""),
            "settings": {k: config[k] for k in RECBOLE_KEYS[model]}, "items": dataset.item_num - 1}


def prefix_examples(data) -> dict:
    """RecBole's training examples in our chunk format: every training window (prefix of up to 50 items)
    with its target at its last position only."""
    import numpy as np

    w = data.train
    targets = np.zeros_like(w.inputs)
    targets[np.arange(len(w)), w.lengths - 1] = w.targets
    return {"users": w.users, "inputs": w.inputs, "lengths": w.lengths, "targets": targets}


def our_epochs(model, examples: dict, batch_size: int, epochs: int, grad_clip: float) -> list[float]:
    """Seconds of each of ``epochs`` training epochs over ``examples`` (seeded order, Adam 1e-3)."""
    import torch

    from rec_utils.training import optimizer_step

    tensors = {k: torch.from_numpy(v) for k, v in examples.items()}
    n = len(tensors["targets"])
    generator = torch.Generator().manual_seed(0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0.0)
    model.train()
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        for first in range(0, n, batch_size):
            idx = order[first:first + batch_size]
            optimizer_step(model, optimizer, model.loss({k: v[idx] for k, v in tensors.items()}, generator), grad_clip)
        seconds.append(time.perf_counter() - start)
    return seconds


def our_child(model: str, epochs: int, threads: int) -> dict:
    """In our environment: the same model on RecBole's examples, then as notebook 06 trains it."""
    import torch

    from rec_utils.baselines import spec_by_label
    from rec_utils.datasets import load_dataset
    from rec_utils.examples import build_examples
    from rec_utils.models import MODELS
    from rec_utils.preprocessing import PreprocessParams, load_processed
    from rec_utils.training import set_seed

    torch.set_num_threads(threads)
    data, _ = load_processed(load_dataset("ml-100k"), PreprocessParams(max_len=50))
    set_seed(0)
    same = our_epochs(MODELS[model].from_data(data, **OUR_SETTINGS[model]), prefix_examples(data), BATCH, epochs, 0.0)
    spec = spec_by_label(model)
    set_seed(0)
    ours = MODELS[model].from_data(data, **spec.hyperparameters)
    chunks = build_examples(data, ours.examples, ours.max_len, True, getattr(ours, "stride", None))
    notebook = our_epochs(ours, chunks, spec.training["batch_size"], epochs, spec.training["grad_clip"])
    return {"seconds_per_epoch": same, "examples": len(data.train), "threads": torch.get_num_threads(),
            "settings": OUR_SETTINGS[model], "items": data.n_items,
            "notebook": {"seconds_per_epoch": notebook, "sequences": len(chunks["targets"]),
                         "targets": int((chunks["targets"] > 0).sum()), "batch_size": spec.training["batch_size"],
                         "settings": spec.hyperparameters}}


def run_child(python: Path, workdir: str, *arguments: str) -> dict:
    """This script's child mode under ``python`` in ``workdir`` (RecBole writes its logs into the working
    folder), tcmalloc preloaded when present; its last JSON line."""
    env = dict(os.environ)
    if TCMALLOC.exists():
        env["LD_PRELOAD"] = str(TCMALLOC)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    from rec_utils.results import json_from_child

    return json_from_child([str(python), __file__, "--child", *arguments], env=env, cwd=workdir)


def markdown(report: dict) -> str:
    """The comparison table."""
    lines = [f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, {report['threads']} torch "
             f"threads on each side, tcmalloc {'preloaded' if report['tcmalloc'] else 'absent'}; commit "
             f"{report['git']['commit'][:7]}; {report['recorded_at']}; median of {report['epochs']} epochs.", "",
             "| model | RecBole s/epoch | ours s/epoch, same examples | ours / RecBole | ours s/epoch as notebook 06 trains |",
             "|---|---|---|---|---|"]
    for model, r in report["models"].items():
        lines.append(f"| {model} | {r['recbole_median']:.1f} | {r['ours_median']:.1f} | **{r['ratio']:.2f}** | "
                     f"{r['notebook_median']:.1f} ({r['ours']['notebook']['sequences']:,} sequences of 50) |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs timed per side and model")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--models", nargs="+", default=list(RECBOLE_MODELS), choices=list(RECBOLE_MODELS))
    parser.add_argument("--recbole-python", type=Path, default=RECBOLE_PYTHON)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        side, model, epochs, threads, *rest = args.child
        result = (recbole_child(model, rest[0], int(epochs), int(threads)) if side == "recbole"
                  else our_child(model, int(epochs), int(threads)))
        print(json.dumps(result))
        return
    if not args.recbole_python.exists():
        sys.exit(f"{args.recbole_python} not found: run `make recbole-env` first (RecBole 1.2.1 in its own venv)")
    from rec_utils.results import git_state, machine_description, package_versions, write_atomic, write_json

    models = {}
    with tempfile.TemporaryDirectory() as folder:
        write_atomic_inter(Path(folder))
        for model in args.models:
            print(f"{model}: RecBole ...", flush=True)
            recbole = run_child(args.recbole_python, folder, "recbole", model, str(args.epochs), str(args.threads), folder)
            print(f"  {median(recbole['seconds_per_epoch']):.1f} s/epoch; ours ...", flush=True)
            ours = run_child(Path(sys.executable), folder, "ours", model, str(args.epochs), str(args.threads))
            if ours["examples"] != recbole["examples"] or ours["items"] != recbole["items"]:
                raise RuntimeError(f"{model}: different data: ours {ours['examples']} examples over {ours['items']} "
                                   f"items, RecBole {recbole['examples']} over {recbole['items']}")
            models[model] = {"recbole": recbole, "ours": ours,
                             "recbole_median": median(recbole["seconds_per_epoch"]),
                             "ours_median": median(ours["seconds_per_epoch"]),
                             "notebook_median": median(ours["notebook"]["seconds_per_epoch"])}
            models[model]["ratio"] = models[model]["ours_median"] / models[model]["recbole_median"]
            print(f"  {models[model]['ours_median']:.1f} s/epoch (ratio {models[model]['ratio']:.2f})", flush=True)
    report = {"recorded_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "epochs": args.epochs,
              "threads": args.threads, "tcmalloc": TCMALLOC.exists(), "batch_size": BATCH, "models": models,
              "machine": machine_description(), "git": git_state(), "packages": package_versions()}
    write_json(HERE / "results" / "recbole_side_by_side.json", report)
    write_atomic(HERE / "results" / "recbole_side_by_side.md", markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
