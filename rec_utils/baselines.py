"""The baselines of Table 3: each one's recommended settings (with their source), its small search,
and one function that tunes, trains and scores it under the workbook's protocol.

Protocol for every model: the same leave-one-out split and full ranking as the paper's model
(:mod:`rec_utils.evaluation`). The search is a grid over a few values, each candidate trained with
the first seed and judged on validation NDCG@10 only; the chosen setting is then trained once per
seed and the test set is scored once per seed. Sequence models read up to ``max_len`` items (50,
RecBole's standard setting, against the paper model's 8).
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import torch

from rec_utils.evaluation import evaluate
from rec_utils.metrics import DEFAULT_KS
from rec_utils.models import MODELS
from rec_utils.parallel import run_jobs
from rec_utils.preprocessing import ProcessedData
from rec_utils.training import TrainConfig, set_seed, train_model

TRAINING_KEYS = ("lr", "batch_size", "weight_decay", "epochs", "patience", "grad_clip")


@dataclass(frozen=True)
class BaselineSpec:
    """One row of Table 3: the model, its recommended defaults and the grid searched on validation."""

    label: str
    model: str
    kind: str  # "general" (no sequence input) or "sequential": decides RecBole's seen-item rule
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    search: dict[str, list] = field(default_factory=dict)
    max_len: int = 8
    source: str = ""

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"{self.label}: unknown model {self.model!r}; have {sorted(MODELS)}")
        if self.kind not in ("general", "sequential"):
            raise ValueError(f"{self.label}: kind must be 'general' or 'sequential', got {self.kind!r}")
        unknown = set(self.training) - set(TRAINING_KEYS)
        if unknown:
            raise ValueError(f"{self.label}: unknown training settings {sorted(unknown)}; allowed {TRAINING_KEYS}")

    @property
    def trained(self) -> bool:
        """Whether the model learns by gradient descent (else it is fitted in one pass)."""
        return hasattr(MODELS[self.model], "loss")

    def candidates(self) -> list[dict[str, Any]]:
        """Every combination of the search grid (one empty dict when there is no search)."""
        names = list(self.search)
        return [dict(zip(names, values)) for values in itertools.product(*(self.search[n] for n in names))]


_RECBOLE = "RecBole 1.2.1 defaults (recbole/properties/model)"
SPECS: tuple[BaselineSpec, ...] = (
    BaselineSpec("Popularity", "Popularity", "general", source="training-split counts"),
    BaselineSpec("ItemKNN", "ItemKNN", "general", {"k": 100, "shrink": 0.0}, search={"k": [50, 100, 200]},
                 source=f"cosine, Deshpande & Karypis 2004; k=100, shrink=0 from {_RECBOLE}"),
    BaselineSpec("BPR-MF", "BPR-MF", "general", {"dim": 64},
                 {"lr": 1e-3, "batch_size": 2048, "weight_decay": 0.0, "epochs": 300, "patience": 10, "grad_clip": 0.0},
                 search={"dim": [64, 128], "lr": [1e-3, 2e-3]},
                 source=f"Rendle et al. 2009; dimension, batch and Adam from {_RECBOLE}"),
    BaselineSpec("FPMC", "FPMC", "sequential", {"dim": 64},
                 {"lr": 1e-3, "batch_size": 256, "weight_decay": 0.0, "epochs": 200, "patience": 10, "grad_clip": 0.0},
                 search={"lr": [1e-3, 5e-3]}, source=f"Rendle et al. 2010 (S-BPR); dimension from {_RECBOLE}"),
    BaselineSpec("LightGCN", "LightGCN", "general", {"dim": 64, "layers": 3, "reg": 1e-4},
                 {"lr": 1e-3, "batch_size": 2048, "weight_decay": 0.0, "epochs": 300, "patience": 10, "grad_clip": 0.0},
                 source="He et al. 2020: 64 dimensions, 3 layers, L2 1e-4, Adam 1e-3 (no search: the paper's tuned values)"),
    BaselineSpec("GRU4Rec", "GRU4Rec", "sequential",
                 {"emb_dim": 64, "hidden_dim": 128, "layers": 1, "dropout": 0.3, "loss": "ce", "max_len": 50},
                 {"lr": 1e-3, "batch_size": 64, "weight_decay": 0.0, "epochs": 200, "patience": 10, "grad_clip": 5.0},
                 search={"lr": [1e-3, 3e-3]}, max_len=50,
                 source=f"Hidasi & Czapp 2023 (cross-entropy); sizes and dropout from {_RECBOLE}"),
    BaselineSpec("NARM", "NARM", "sequential",
                  {"emb_dim": 50, "hidden_dim": 100, "embedding_dropout": 0.25, "context_dropout": 0.5, "loss": "ce",
                  "max_len": 50},
                 {"lr": 1e-3, "batch_size": 64, "weight_decay": 0.0, "epochs": 200, "patience": 10, "grad_clip": 5.0},
                 max_len=50,
                 source="Li et al. 2017: embedding 50, hidden 100, dropout 0.25/0.5, Adam 1e-3, cross-entropy"),
    BaselineSpec("SASRec", "SASRec", "sequential",
                 {"dim": 64, "blocks": 2, "heads": 1, "dropout": 0.2, "loss": "bce", "max_len": 50, "stride": 10},
                 {"lr": 1e-3, "batch_size": 128, "weight_decay": 0.0, "epochs": 200, "patience": 10, "grad_clip": 5.0},
                 search={"dropout": [0.2, 0.5]}, max_len=50,
                 source="Kang & McAuley 2018: 2 blocks, 1 head, dropout 0.2 (dense) / 0.5 (sparse), Adam 1e-3, "
                        "batch 128, binary cross-entropy with one negative; training windows 10 apart (ours)"),
    BaselineSpec("SASRec-CE", "SASRec", "sequential",
                 {"dim": 64, "blocks": 2, "heads": 1, "dropout": 0.2, "loss": "ce", "max_len": 50, "stride": 10},
                 {"lr": 1e-3, "batch_size": 128, "weight_decay": 0.0, "epochs": 200, "patience": 10, "grad_clip": 5.0},
                 search={"dropout": [0.2, 0.5]}, max_len=50,
                 source="as SASRec, trained with full-softmax cross-entropy (Klenitskiy & Vasilev 2023)"),
    BaselineSpec("BERT4Rec", "BERT4Rec", "sequential",
                 {"dim": 64, "blocks": 2, "heads": 2, "dropout": 0.1, "mask_prob": 0.2, "max_len": 50, "stride": 10},
                 {"lr": 1e-3, "batch_size": 128, "weight_decay": 0.0, "epochs": 200, "patience": 10, "grad_clip": 5.0},
                 max_len=50,
                 source=f"Sun et al. 2019: 2 blocks, 2 heads, dropout 0.1, mask 0.2 (ML-1m), sliding windows "
                        f"(10 apart here); Adam 1e-3 from {_RECBOLE}"),
)


def spec_by_label(label: str) -> BaselineSpec:
    """The spec named ``label`` in :data:`SPECS`."""
    for spec in SPECS:
        if spec.label == label:
            return spec
    raise ValueError(f"no baseline named {label!r}; have {[s.label for s in SPECS]}")


@dataclass
class BaselineRun:
    """A baseline tuned, trained and scored: one entry per seed, plus the search."""

    label: str
    seeds: list[int]
    setting: dict[str, Any]                 # the chosen model hyper-parameters and training settings
    hyperparameters: dict[str, Any]         # the model's part of ``setting`` (what rebuilds it)
    models: list[Any]                       # per seed, trained (kept best-validation weights) or fitted
    search: pd.DataFrame
    test: list[dict[str, float]]           # per seed, under the run's seen-item rule
    test_unmasked: list[dict[str, float]] | None  # per seed, seen items not masked (only when the run masks them)
    test_ranks: list[np.ndarray]            # per seed, every test case's rank (dataset rule)
    train_seconds: list[float]
    best_epochs: list[int]
    histories: list[pd.DataFrame]

    def median_epoch_seconds(self) -> float:
        """Median seconds of one training epoch over every seed's epochs (NaN for fitted models)."""
        epochs = [h["train_seconds"] for h in self.histories if len(h)]
        return float(pd.concat(epochs).median()) if epochs else float("nan")


def _split_setting(spec: BaselineSpec, candidate: dict[str, Any]) -> tuple[dict, dict]:
    merged_hp = {**spec.hyperparameters, **{k: v for k, v in candidate.items() if k not in TRAINING_KEYS}}
    merged_train = {**spec.training, **{k: v for k, v in candidate.items() if k in TRAINING_KEYS}}
    return merged_hp, merged_train


def fit_once(spec: BaselineSpec, data: ProcessedData, candidate: dict[str, Any], seed: int, mask_seen: bool,
             device: str = "cpu", progress: bool = False) -> tuple[Any, float, int, pd.DataFrame, float]:
    """Build and train (or fit) one model; returns it with its seconds, best epoch, history and validation NDCG@10."""
    hyperparameters, training = _split_setting(spec, candidate)
    cls = MODELS[spec.model]
    set_seed(seed)
    started = time.perf_counter()
    if not spec.trained:
        model = cls.fit(data, **hyperparameters)
        seconds = time.perf_counter() - started
        valid = evaluate(model, data.valid, mask_seen, ks=(10,), device=device).metrics["NDCG@10"]
        return model, seconds, 0, pd.DataFrame(), valid
    model = cls.from_data(data, **hyperparameters)
    result = train_model(model, data, TrainConfig(mask_seen=mask_seen, seed=seed, device=device, **training), progress)
    return model, result.train_seconds, result.best_epoch, result.history, result.best_valid_ndcg10


def run_baseline(spec: BaselineSpec, data: ProcessedData, seeds: Sequence[int], mask_seen: bool,
                 ks: Sequence[int] = DEFAULT_KS, device: str = "cpu", progress: bool = True,
                 log: Callable[[str], None] = print, workers: int = 1) -> BaselineRun:
    """Search on the first seed (validation only), then train every seed with the chosen setting and
    score the test set once per seed, under ``mask_seen`` and, when that masks, also unmasked (RecBole's rule
    for sequential models). The reverse is not computed: a masked repeat target could not be ranked.

    ``workers`` > 1 trains the search candidates at once, then the other seeds at once
    (:func:`rec_utils.parallel.run_jobs`); with no search every seed is trained at once."""
    if data.params.max_len != spec.max_len:
        raise ValueError(f"{spec.label} reads {spec.max_len} items but the data has max_len={data.params.max_len}")
    if not seeds:
        raise ValueError("seeds is empty")
    first, candidates = seeds[0], spec.candidates()
    round_seeds = list(seeds) if len(candidates) == 1 else [first]
    bars = progress and workers == 1  # progress bars only when one training runs at a time
    jobs = [(spec, data, c, s, mask_seen, device, bars) for c in candidates for s in round_seeds]
    fitted = run_jobs(fit_once, jobs, workers)
    searched, best = [], None
    for candidate, (model, seconds, epoch, history, valid) in zip(candidates, fitted[::len(round_seeds)]):
        searched.append({**candidate, "valid_NDCG@10": valid, "best_epoch": epoch, "seconds": seconds})
        log(f"{spec.label} {candidate or 'defaults'}: validation NDCG@10 {valid:.4f} (epoch {epoch}, {seconds:.0f} s)")
        if best is None or valid > best[0]:
            best = (valid, candidate, model, seconds, epoch, history)
    _, setting, model, seconds, epoch, history = best
    runs = [(first, model, seconds, epoch, history)]
    others = fitted[1:] if len(candidates) == 1 else run_jobs(
        fit_once, [(spec, data, setting, s, mask_seen, device, bars) for s in seeds[1:]], workers)
    runs += [(seed, *fit[:4]) for seed, fit in zip(seeds[1:], others)]
    test, unmasked, ranks = [], [], []
    for _, model, *_ in runs:
        result = evaluate(model, data.test, mask_seen, ks, device=device)
        test.append(result.metrics)
        ranks.append(result.ranks)
        if mask_seen:
            unmasked.append(evaluate(model, data.test, False, ks, device=device).metrics)
    return BaselineRun(label=spec.label, seeds=list(seeds), setting={**spec.hyperparameters, **spec.training, **setting},
                       hyperparameters=_split_setting(spec, setting)[0], models=[r[1] for r in runs],
                       search=pd.DataFrame(searched), test=test, test_unmasked=unmasked if mask_seen else None, test_ranks=ranks,
                       train_seconds=[r[2] for r in runs], best_epochs=[r[3] for r in runs],
                       histories=[r[4] for r in runs])


def checkpoint_path(directory: str | Path, label: str, seed: int) -> Path:
    """Where :func:`save_run_models` puts ``label``'s model for ``seed``."""
    return Path(directory) / f"baseline_{label}_seed{seed}.pt"


def save_run_models(run: BaselineRun, data: ProcessedData, directory: str | Path) -> list[Path]:
    """Save every seed's model of ``run`` with :func:`rec_utils.checkpoints.save_model` (readable by
    ``load_model``), with the label, seed, chosen setting and best epoch in ``extra``."""
    from rec_utils.checkpoints import save_model

    return [save_model(model, data, checkpoint_path(directory, run.label, seed), run.hyperparameters,
                       extra={"label": run.label, "seed": seed, "setting": run.setting, "best_epoch": epoch})
            for seed, model, epoch in zip(run.seeds, run.models, run.best_epochs)]


def load_paper_model_run(dataset: str, seeds: Sequence[int], cache_key: str, mask_seen: bool,
                         output_root: str | None = None) -> dict[str, Any]:
    """The paper model's per-seed test metrics, ranks and training seconds recorded by notebook 04.

    Refuses (with the reason) a record from other data, another seen-item rule or other seeds, so
    that Table 3 never mixes runs.
    """
    from rec_utils import paths
    from rec_utils.results import load_results

    recorded = load_results(dataset, "04_training_curves", output_root)
    where = paths.results_dir(dataset, output_root)
    if recorded.get("data_cache_key") != cache_key:
        raise ValueError(f"{where}/04_training_curves.json comes from other processed data "
                         f"({recorded.get('data_cache_key')} vs {cache_key}): re-run notebook 04")
    if recorded["mask_seen"] != mask_seen:
        raise ValueError(f"{where}/04_training_curves.json used mask_seen={recorded['mask_seen']}, this run {mask_seen}")
    missing = [s for s in seeds if str(s) not in recorded["test_per_seed"]]
    if missing:
        raise ValueError(f"{where}/04_training_curves.json has no run for seeds {missing}: re-run notebook 04 with them")
    ranks = pd.read_csv(where / "04_test_ranks.csv")
    seconds = {r["seed"]: r["train_seconds"] for r in recorded["runs"]}
    return {"test": [recorded["test_per_seed"][str(s)] for s in seeds],
            "ranks": [ranks[f"seed{s}"].to_numpy() for s in seeds],
            "train_seconds": [seconds[s] for s in seeds], "users": ranks["user_idx"].to_numpy()}


def configure(spec: BaselineSpec, sequence_max_len: int | None = None, max_epochs: int | None = None,
              search: bool = True) -> BaselineSpec:
    """``spec`` with the notebook's overrides: the sequence models' input length, an epoch cap
    (quick checks) and whether to search (False: the recommended defaults only)."""
    changes: dict[str, Any] = {}
    if sequence_max_len is not None and "max_len" in spec.hyperparameters:
        if sequence_max_len < 1:
            raise ValueError(f"SEQUENCE_MAX_LEN must be >= 1, got {sequence_max_len}")
        changes["max_len"] = sequence_max_len
        changes["hyperparameters"] = {**spec.hyperparameters, "max_len": sequence_max_len}
        if "stride" in spec.hyperparameters:  # windows cannot be further apart than they are long
            changes["hyperparameters"]["stride"] = min(spec.hyperparameters["stride"], sequence_max_len)
    if max_epochs is not None and spec.trained:
        if max_epochs < 1:
            raise ValueError(f"BASELINE_EPOCHS must be >= 1, got {max_epochs}")
        changes["training"] = {**spec.training, "epochs": min(max_epochs, spec.training["epochs"])}
    if not search:
        changes["search"] = {}
    return replace(spec, **changes)
