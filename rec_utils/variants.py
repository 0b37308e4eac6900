"""The paper's model trained under one change: another optimizer (notebook 05) or a component, input
length or objective changed (the ablations of notebook 07).

Protocol, the same as notebook 04's and the baselines': a small grid searched on validation NDCG@10
with the first seed, the chosen setting trained once per seed with early stopping on validation, and
the test set scored once per seed with the kept weights.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from rec_utils.evaluation import evaluate
from rec_utils.metrics import DEFAULT_KS
from rec_utils.models import LSTMAttentionBPR
from rec_utils.parallel import run_jobs
from rec_utils.preprocessing import ProcessedData
from rec_utils.training import TrainConfig, set_seed, train_bpr

CONFIG_FIELDS = frozenset(f.name for f in fields(TrainConfig))


@dataclass(frozen=True)
class Variant:
    """One row of Table 2 or of the ablation table: changes to the model and to training, and a grid."""

    label: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)  # model changes, e.g. use_attention=False
    training: dict[str, Any] = field(default_factory=dict)         # TrainConfig changes, e.g. optimizer="sgd"
    search: dict[str, list] = field(default_factory=dict)          # grid over either kind of setting
    max_len: int | None = None                                     # another input length (None: the data's)

    def __post_init__(self) -> None:
        unknown = set(self.training) - CONFIG_FIELDS
        if unknown:
            raise ValueError(f"{self.label}: unknown training settings {sorted(unknown)}; TrainConfig has {sorted(CONFIG_FIELDS)}")
        for name, values in self.search.items():
            if not values:
                raise ValueError(f"{self.label}: search grid for {name!r} is empty")

    def candidates(self) -> list[dict[str, Any]]:
        """Every combination of the grid (one empty dict when there is none)."""
        names = list(self.search)
        return [dict(zip(names, combo)) for combo in itertools.product(*(self.search[n] for n in names))]

    def setting(self, candidate: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The model hyper-parameter changes and TrainConfig changes of ``candidate`` on top of the variant's."""
        model = {**self.hyperparameters, **{k: v for k, v in candidate.items() if k not in CONFIG_FIELDS}}
        training = {**self.training, **{k: v for k, v in candidate.items() if k in CONFIG_FIELDS}}
        return model, training


@dataclass
class VariantRun:
    """A variant searched, trained per seed and scored on the test set once per seed."""

    label: str
    seeds: list[int]
    setting: dict[str, Any]      # the chosen candidate (empty when there was no grid)
    search: pd.DataFrame         # one row per candidate: its settings, validation NDCG@10, best epoch, seconds
    test: list[dict[str, float]]
    test_ranks: list[np.ndarray]
    train_seconds: list[float]
    best_epochs: list[int]
    histories: list[pd.DataFrame]
    models: list[LSTMAttentionBPR]


def train_variant_once(variant: Variant, data: ProcessedData, base_hyperparameters: dict[str, Any],
                       base_config: TrainConfig, candidate: dict[str, Any], seed: int, progress: bool = False):
    """Build the paper's model with the variant's changes, train it with ``seed``; returns ``(model, TrainResult)``."""
    model_changes, training_changes = variant.setting(candidate)
    set_seed(seed)
    model = LSTMAttentionBPR.from_data(data, **{**base_hyperparameters, **model_changes})
    result = train_bpr(model, data, replace(base_config, seed=seed, **training_changes), progress)
    return model, result


def run_variant(variant: Variant, data: ProcessedData, base_hyperparameters: dict[str, Any], base_config: TrainConfig,
                seeds: Sequence[int], ks: Sequence[int] = DEFAULT_KS, progress: bool = False,
                log: Callable[[str], None] = print, workers: int = 1) -> VariantRun:
    """Search ``variant``'s grid on validation with the first seed, train every seed with the chosen
    candidate, score the test set once per seed (under ``base_config.mask_seen``). ``workers`` > 1 trains
    the candidates at once, then the other seeds at once (:func:`rec_utils.parallel.run_jobs`); with no
    grid every seed is trained at once."""
    if not seeds:
        raise ValueError("seeds is empty")
    if variant.max_len is not None and data.params.max_len != variant.max_len:
        raise ValueError(f"{variant.label} reads {variant.max_len} items but the data has max_len={data.params.max_len}")
    first, candidates = seeds[0], variant.candidates()
    round_seeds = list(seeds) if len(candidates) == 1 else [first]
    bars = progress and workers == 1
    fitted = run_jobs(train_variant_once, [(variant, data, base_hyperparameters, base_config, c, s, bars)
                                           for c in candidates for s in round_seeds], workers)
    searched, best = [], None
    for candidate, (model, result) in zip(candidates, fitted[::len(round_seeds)]):
        searched.append({**candidate, "valid_NDCG@10": result.best_valid_ndcg10, "best_epoch": result.best_epoch,
                         "seconds": result.train_seconds})
        log(f"{variant.label} {candidate or 'as set'}: validation NDCG@10 {result.best_valid_ndcg10:.4f} "
            f"(epoch {result.best_epoch} of {len(result.history)}, {result.train_seconds:.0f} s)")
        if best is None or result.best_valid_ndcg10 > best[0].best_valid_ndcg10:
            best = (result, candidate, model)
    result, chosen, model = best
    others = fitted[1:] if len(candidates) == 1 else run_jobs(
        train_variant_once, [(variant, data, base_hyperparameters, base_config, chosen, s, bars) for s in seeds[1:]], workers)
    runs = [(model, result), *others]
    for seed, (_, r) in zip(seeds[1:], others):
        log(f"{variant.label} seed {seed}: best epoch {r.best_epoch} of {len(r.history)}, {r.train_seconds:.0f} s")
    scored = [evaluate(m, data.test, base_config.mask_seen, ks, device=base_config.device) for m, _ in runs]
    return VariantRun(label=variant.label, seeds=list(seeds), setting=dict(chosen), search=pd.DataFrame(searched),
                      test=[s.metrics for s in scored], test_ranks=[s.ranks for s in scored],
                      train_seconds=[r.train_seconds for _, r in runs], best_epochs=[r.best_epoch for _, r in runs],
                      histories=[r.history for _, r in runs], models=[m for m, _ in runs])


# Notebook 05: each optimizer's learning rates searched on validation. Adam's 1e-3 is the paper's; the
# others bracket their libraries' customary values for embedding models (SGD with momentum 0.9, TrainConfig.momentum).
OPTIMIZER_GRID: dict[str, list[float]] = {
    "adam": [1e-3, 3e-3],
    "sgd": [0.01, 0.05],
    "rmsprop": [3e-4, 1e-3],
    "adagrad": [0.01, 0.05],
}


def optimizer_variants(optimizers: Sequence[str], grid: dict[str, list[float]] | None = None,
                       search: bool = True) -> list[Variant]:
    """One variant per optimizer with its learning-rate grid (``search=False``: the grid's first value only)."""
    grid = OPTIMIZER_GRID if grid is None else grid
    missing = [o for o in optimizers if o not in grid]
    if missing:
        raise ValueError(f"LR_GRID has no learning rates for {missing}; it has {sorted(grid)}")
    return [Variant(label=o, training={"optimizer": o}, search={"lr": list(grid[o]) if search else list(grid[o][:1])})
            for o in optimizers]


# Notebook 07: one change each against the full model of notebook 04 (the row every ablation is compared with).
ABLATIONS: dict[str, tuple[Variant, str]] = {
    "no attention": (Variant("no attention", {"use_attention": False}), "the last LSTM hidden state replaces attention"),
    "no demographics": (Variant("no demographics", {"use_demographics": False}), "no demographic embeddings"),
    "no genres": (Variant("no genres", {"use_genres": False}), "items without genre embeddings"),
    "no demographics or genres": (Variant("no demographics or genres", {"use_demographics": False, "use_genres": False}),
                                  "neither (the cold-start comparison's 'without features')"),
    "4 negatives": (Variant("4 negatives", training={"negatives": 4}), "BPR averaged over 4 sampled negatives"),
    "cross-entropy": (Variant("cross-entropy", training={"loss": "ce"}), "full-softmax cross-entropy instead of BPR"),
}


def ablation_variants(names: Sequence[str] | None, lengths: Sequence[int] = (), data: ProcessedData | None = None
                      ) -> tuple[list[tuple[Variant, str]], dict[str, str]]:
    """The named ablations (None: all of :data:`ABLATIONS`) and one input-length variant per entry of
    ``lengths``, each with a one-line description of its change; and, given ``data``, the ablations left
    out because they would change nothing there (removing features the data does not have), with why."""
    names = list(ABLATIONS) if names is None else list(names)
    unknown = [n for n in names if n not in ABLATIONS]
    if unknown:
        raise ValueError(f"unknown ablations {unknown}; have {list(ABLATIONS)}")
    if any(length < 1 for length in lengths):
        raise ValueError(f"ABLATION_LENGTHS must be >= 1, got {list(lengths)}")
    kept, skipped = [], {}
    for name in names:
        variant, change = ABLATIONS[name]
        removes = {"demographic fields": variant.hyperparameters.get("use_demographics") is False,
                   "genres": variant.hyperparameters.get("use_genres") is False}
        has = {"demographic fields": data is None or len(data.user_feature_names) > 0,
               "genres": data is None or data.item_genres.shape[1] > 0}
        if any(removes.values()) and not any(has[f] for f, removed in removes.items() if removed):
            skipped[name] = f"{data.name} has no {' and no '.join(f for f, r in removes.items() if r)}: identical to the full model"
        else:
            kept.append((variant, change))
    kept += [(Variant(f"input length {length}", max_len=length), f"the last {length} items as input instead of the data's")
             for length in lengths]
    return kept, skipped
