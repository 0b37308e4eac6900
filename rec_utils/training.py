"""Training: the paper's model with BPR (``train_bpr``) and every learned baseline (``train_model``).

Both keep the epoch with the best validation NDCG@10 (full ranking) and stop after ``patience``
epochs without improvement; the test set is never looked at.

``train_bpr``: the paper's BPR with one sampled negative per positive by default; ``negatives`` > 1
averages BPR over several sampled negatives, and ``loss="ce"`` trains with full-softmax cross-entropy
over every item instead (both for the ablations of notebook 07).

Per epoch the history records train and validation BPR loss, train and validation pairwise
accuracy (share of (positive, negative) pairs with the positive scored higher), validation HR@10
and NDCG@10 by full ranking, and the seconds spent training and evaluating. Train loss and
accuracy are running means over the epoch's batches (dropout on); validation loss and accuracy use
one fixed negative per validation case, drawn once per run, in evaluation mode.
"""
from __future__ import annotations

import copy
import random
import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from rec_utils.evaluation import evaluate
from rec_utils.examples import build_examples
from rec_utils.preprocessing import ProcessedData, Windows

OPTIMIZERS = {
    "adam": lambda params, cfg: torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay),
    "sgd": lambda params, cfg: torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay),
    "rmsprop": lambda params, cfg: torch.optim.RMSprop(params, lr=cfg.lr, weight_decay=cfg.weight_decay),
    "adagrad": lambda params, cfg: torch.optim.Adagrad(params, lr=cfg.lr, weight_decay=cfg.weight_decay),
}

PAPER_MODEL_LOSSES = ("bpr", "ce")


@dataclass
class TrainConfig:
    """Training settings; the defaults are the paper's (Section 5).

    ``mask_seen`` (whether validation ranking masks already-seen items) has no default: it is the
    dataset's rule (``rec_utils.datasets.MASK_SEEN_DEFAULT``) and must be stated.
    """

    mask_seen: bool
    epochs: int = 100
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-5
    momentum: float = 0.9
    grad_clip: float = 5.0
    patience: int = 10
    optimizer: str = "adam"
    loss: str = "bpr"
    negatives: int = 1
    seed: int = 0
    eval_batch_size: int = 1024
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.loss not in PAPER_MODEL_LOSSES:
            raise ValueError(f"loss must be one of {PAPER_MODEL_LOSSES}, got {self.loss!r}")
        for name in ("epochs", "batch_size", "patience", "negatives"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")


@dataclass
class TrainResult:
    """The per-epoch history and where the kept (best-validation) checkpoint came from."""

    history: pd.DataFrame
    best_epoch: int
    best_valid_ndcg10: float
    train_seconds: float
    stopped_early: bool
    interrupted: bool
    config: dict


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch so that the same seed gives the same run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_device(name: str) -> str:
    """``"cpu"`` or ``"cuda"``; asking for CUDA where there is none falls back to the CPU with a message."""
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise ValueError(f"DEVICE must be 'cpu' or 'cuda', got {name!r}")
    if name.startswith("cuda") and not torch.cuda.is_available():
        print(f"DEVICE={name!r} requested but CUDA is not available: using the CPU")
        return "cpu"
    return name


def sample_negatives(positives: torch.Tensor, n_items: int, generator: torch.Generator) -> torch.Tensor:
    """One item per positive, uniform over the ids 1..n_items other than the positive itself."""
    negatives = torch.randint(1, n_items, positives.shape, generator=generator)
    return negatives + (negatives >= positives).long()


def bpr_loss_and_accuracy(pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean ``-log sigmoid(s_pos - s_neg)`` and the share of pairs with ``s_pos > s_neg``
    (``neg_scores`` ``[batch]`` or ``[batch, negatives]``: then averaged over every pair)."""
    diff = (pos_scores.unsqueeze(-1) if neg_scores.dim() > pos_scores.dim() else pos_scores) - neg_scores
    return -nn.functional.logsigmoid(diff).mean(), (diff > 0).float().mean()


def _tensors(windows: Windows, device: str) -> tuple[torch.Tensor, ...]:
    return tuple(torch.from_numpy(a).to(device) for a in (windows.users, windows.inputs, windows.lengths, windows.targets))


def optimizer_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss: torch.Tensor, grad_clip: float) -> None:
    """Back-propagate ``loss``, clip the gradient norm to ``grad_clip`` (0: no clipping) and step."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip > 0:
        nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()


def paper_model_batch_loss(model: nn.Module, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor,
                           positives: torch.Tensor, n_items: int, config: TrainConfig,
                           generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """One batch's objective under ``config.loss`` and ``config.negatives`` (negatives drawn from
    ``generator``), and its pairwise accuracy against those negatives."""
    device = positives.device
    if config.negatives == 1:
        neg = sample_negatives(positives.cpu(), n_items, generator).to(device).unsqueeze(1)
    else:
        neg = sample_negatives(positives.cpu().unsqueeze(1).expand(-1, config.negatives).contiguous(),
                               n_items, generator).to(device)
    if config.loss == "ce":  # full softmax; the sampled negatives only measure pairwise accuracy
        scores = model.score_all(users, inputs, lengths)
        loss = nn.functional.cross_entropy(scores, positives)
        _, acc = bpr_loss_and_accuracy(scores.gather(1, positives[:, None])[:, 0], scores.gather(1, neg))
        return loss, acc
    scores = model.score_pairs(users, inputs, lengths, torch.cat([positives[:, None], neg], dim=1))
    return bpr_loss_and_accuracy(scores[:, 0], scores[:, 1:])


def _train_with_early_stopping(model: nn.Module, data: ProcessedData, config: TrainConfig, progress: bool,
                               run_epoch: Callable[[], dict], validation_extras: Callable[[], dict] | None = None
                               ) -> TrainResult:
    """The epoch loop both trainers share: ``run_epoch`` trains one epoch and returns its training columns,
    ``validation_extras`` (optional) adds validation columns before the ranking metrics; the loop keeps the
    best validation NDCG@10, stops after ``patience`` epochs without it, and survives Ctrl-C."""
    rows: list[dict] = []
    best_ndcg, best_epoch, best_state, wait = -1.0, 0, None, 0
    stopped_early = interrupted = False
    started = time.perf_counter()
    bar = tqdm(total=config.epochs, desc=f"training {getattr(model, 'name', 'model')}", unit="epoch",
               disable=not progress)
    try:
        for epoch in range(1, config.epochs + 1):
            model.train()
            t0 = time.perf_counter()
            row = {"epoch": epoch, **run_epoch()}
            train_seconds = time.perf_counter() - t0
            t1 = time.perf_counter()
            model.eval()
            if validation_extras is not None:
                with torch.no_grad():
                    row.update(validation_extras())
            ranking = evaluate(model, data.valid, config.mask_seen, ks=(10,), batch_size=config.eval_batch_size,
                               device=config.device).metrics
            row.update({"valid_HR@10": ranking["HR@10"], "valid_NDCG@10": ranking["NDCG@10"],
                        "train_seconds": train_seconds, "eval_seconds": time.perf_counter() - t1})
            rows.append(row)
            bar.set_postfix(loss=f"{row['train_loss']:.4f}", val_ndcg10=f"{ranking['NDCG@10']:.4f}", refresh=False)
            bar.update(1)  # counts finished epochs, so an early stop shows the epochs actually run
            if ranking["NDCG@10"] > best_ndcg:
                best_ndcg, best_epoch, wait = ranking["NDCG@10"], epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                wait += 1
                if wait >= config.patience:
                    stopped_early = True
                    break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainResult(history=pd.DataFrame(rows), best_epoch=best_epoch, best_valid_ndcg10=best_ndcg,
                       train_seconds=time.perf_counter() - started, stopped_early=stopped_early,
                       interrupted=interrupted, config=asdict(config))


def train_bpr(model: nn.Module, data: ProcessedData, config: TrainConfig, progress: bool = True) -> TrainResult:
    """Train ``model`` (which provides ``score_pairs`` and ``score_all``) and leave it holding its
    best-validation weights. ``config.loss`` and ``config.negatives`` choose the objective (module docstring);
    the history's losses are that objective's.

    Early stopping: training stops after ``patience`` epochs without a better validation NDCG@10.
    Ctrl-C (KeyboardInterrupt) stops after the current batch; the best weights so far are kept.
    """
    device = config.device
    model.to(device)
    generator = torch.Generator().manual_seed(config.seed)
    users, inputs, lengths, targets = _tensors(data.train, device)
    v_users, v_inputs, v_lengths, v_targets = _tensors(data.valid, device)
    v_negatives = sample_negatives(v_targets.cpu(), data.n_items, generator).to(device)
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config)

    def run_epoch() -> dict:
        order = torch.randperm(len(targets), generator=generator).to(device)
        loss_sum = acc_sum = 0.0
        for start in range(0, len(order), config.batch_size):
            idx = order[start:start + config.batch_size]
            loss, acc = paper_model_batch_loss(model, users[idx], inputs[idx], lengths[idx], targets[idx],
                                               data.n_items, config, generator)
            optimizer_step(model, optimizer, loss, config.grad_clip)
            loss_sum += loss.item() * len(idx)
            acc_sum += acc.item() * len(idx)
        return {"train_loss": loss_sum / len(order), "train_accuracy": acc_sum / len(order)}

    def validation_extras() -> dict:
        v_scores = model.score_pairs(v_users, v_inputs, v_lengths, torch.stack([v_targets, v_negatives], dim=1))
        v_loss, v_acc = bpr_loss_and_accuracy(v_scores[:, 0], v_scores[:, 1])
        if config.loss == "ce":
            v_loss = nn.functional.cross_entropy(model.score_all(v_users, v_inputs, v_lengths), v_targets)
        return {"valid_loss": float(v_loss), "valid_accuracy": float(v_acc)}

    return _train_with_early_stopping(model, data, config, progress, run_epoch, validation_extras)


def train_model(model: nn.Module, data: ProcessedData, config: TrainConfig, progress: bool = True) -> TrainResult:
    """Train a baseline that provides ``loss(batch, generator)`` on its kind of examples.

    ``model.examples`` names the examples (:mod:`rec_utils.examples`); chunked models read windows of
    ``model.max_len`` items, ``model.stride`` apart when they set it (``model.shift`` False: targets are
    the items themselves). Every epoch
    visits every example once in a seeded random order; the history has the mean training loss,
    validation HR@10 and NDCG@10 and the seconds spent. Ctrl-C stops after the current batch and
    keeps the best weights so far.
    """
    device = config.device
    model.to(device)
    generator = torch.Generator().manual_seed(config.seed)
    arrays = build_examples(data, model.examples, getattr(model, "max_len", None), getattr(model, "shift", True),
                            getattr(model, "stride", None))
    examples = {k: torch.from_numpy(np.array(v)).to(device) for k, v in arrays.items()}
    n = len(next(iter(examples.values())))
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config)

    def run_epoch() -> dict:
        order = torch.randperm(n, generator=generator).to(device)
        loss_sum = 0.0
        for start in range(0, n, config.batch_size):
            idx = order[start:start + config.batch_size]
            loss = model.loss({k: v[idx] for k, v in examples.items()}, generator)
            optimizer_step(model, optimizer, loss, config.grad_clip)
            loss_sum += loss.item() * len(idx)
        return {"train_loss": loss_sum / n}

    return _train_with_early_stopping(model, data, config, progress, run_epoch)
