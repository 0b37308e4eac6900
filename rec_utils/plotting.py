"""Figures of the workbook; every function returns the figure and can save it atomically."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Mapping, Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np
import pandas as pd
import seaborn as sns

from rec_utils.datasets import RawDataset
from rec_utils.exploration import genre_counts, item_popularity, sequence_lengths

sns.set_theme(style="whitegrid", context="notebook")


def save_figure(fig: plt.Figure, path: Path, dpi: int = 150) -> Path:
    """Save a figure as PNG through a temporary file (an interrupted save leaves no half file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".png")
    os.close(fd)
    fig.savefig(tmp, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def plot_distributions(raw: RawDataset) -> plt.Figure:
    """Events per user (histogram) and item popularity (long tail, log scale)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    lengths = sequence_lengths(raw)
    axes[0].hist(lengths, bins=50, color="C0")
    axes[0].set(xlabel="events per user", ylabel="users", title=f"{raw.name}: sequence lengths")
    popularity = item_popularity(raw).to_numpy()
    axes[1].plot(np.arange(1, len(popularity) + 1), popularity, color="C1")
    axes[1].set(xscale="log", yscale="log", xlabel="item rank by popularity", ylabel="events",
                title=f"{raw.name}: item popularity (long tail)")
    fig.tight_layout()
    return fig


def plot_activity_over_time(raw: RawDataset) -> plt.Figure:
    """Events per month."""
    months = pd.to_datetime(raw.interactions["timestamp"], unit="s").dt.to_period("M")
    counts = months.value_counts().sort_index()
    fig, ax = plt.subplots(figsize=(10, 3.5))
    ax.bar(counts.index.to_timestamp(), counts.to_numpy(), width=25, align="edge", color="C2")
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=14))  # readable for 7 months or 7 years
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.set(xlabel="month", ylabel="events", title=f"{raw.name}: events per month")
    ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    return fig


def plot_demographics(raw: RawDataset) -> plt.Figure:
    """Age histogram and a bar chart per categorical demographic field."""
    fields = raw.user_feature_columns
    fig, axes = plt.subplots(1, len(fields), figsize=(5.5 * len(fields), 6), squeeze=False)
    for ax, field in zip(axes[0], fields):
        values = raw.users[field]
        if field == "age":
            ax.hist(values.dropna(), bins=30, color="C0")
            ax.set(xlabel="age (years)", ylabel="users")
        else:
            counts = values.fillna("unknown").astype(str).value_counts()
            ax.barh(counts.index[::-1], counts.to_numpy()[::-1], color="C4")
            ax.set(xlabel="users")
        ax.set_title(f"{field}")
    fig.suptitle(f"{raw.name}: user demographics")
    fig.tight_layout()
    return fig


def plot_genres(raw: RawDataset) -> plt.Figure:
    """Events and items per genre."""
    table = genre_counts(raw)
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(table["genre"], table["events"], color="C5")
    ax.set(ylabel="events on items of the genre", title=f"{raw.name}: genres (an item can have several)")
    ax.tick_params(axis="x", rotation=60)
    fig.tight_layout()
    return fig


def plot_training_curves(histories: Sequence[pd.DataFrame], seeds: Sequence[int], best_epochs: Sequence[int],
                         title: str) -> plt.Figure:
    """The paper's Figure 2: BPR loss and pairwise accuracy, train and validation, per epoch.

    A third panel shows the validation HR@10 and NDCG@10 that early stopping watches; the dotted
    line marks each seed's kept (best-validation) epoch.
    """
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for n, (history, seed, best) in enumerate(zip(histories, seeds, best_epochs)):
        alpha, label = (1.0, f" (seed {seed})") if n == 0 else (0.35, None)
        def lab(text: str) -> str | None:
            return text + label if label else None
        axes[0].plot(history["epoch"], history["train_loss"], color="C0", alpha=alpha, label=lab("train"))
        axes[0].plot(history["epoch"], history["valid_loss"], color="C1", alpha=alpha, label=lab("validation"))
        axes[1].plot(history["epoch"], history["train_accuracy"], color="C0", alpha=alpha, label=lab("train"))
        axes[1].plot(history["epoch"], history["valid_accuracy"], color="C1", alpha=alpha, label=lab("validation"))
        axes[2].plot(history["epoch"], history["valid_HR@10"], color="C2", alpha=alpha, label=lab("HR@10"))
        axes[2].plot(history["epoch"], history["valid_NDCG@10"], color="C3", alpha=alpha, label=lab("NDCG@10"))
        for ax in axes:
            ax.axvline(best, color="grey", linestyle=":", alpha=alpha)
    axes[0].set(xlabel="epoch", ylabel="BPR loss", title="loss")
    axes[1].set(xlabel="epoch", ylabel="pairwise accuracy (s_pos > s_neg)", title="accuracy")
    axes[2].set(xlabel="epoch", ylabel="validation metric (full ranking)", title="validation ranking")
    for ax in axes:
        ax.legend()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(histories) > 1:
        fig.text(0.5, -0.02, f"faint lines: seeds {list(seeds[1:])}; dotted: kept epoch", ha="center")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_validation_curves(histories: Mapping[str, Sequence[pd.DataFrame]], title: str,
                           metric: str = "valid_NDCG@10") -> plt.Figure:
    """Validation ``metric`` per epoch, one colour per run label (e.g. optimizer): the first seed solid,
    the other seeds faint; a dot marks each seed's best epoch. Left: the metric; right: training loss."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
    for n, (label, per_seed) in enumerate(histories.items()):
        for k, history in enumerate(per_seed):
            alpha = 1.0 if k == 0 else 0.3
            name = label if k == 0 else None
            axes[0].plot(history["epoch"], history[metric], color=f"C{n}", alpha=alpha, label=name)
            best = history[metric].idxmax()
            axes[0].plot(history["epoch"][best], history[metric][best], "o", color=f"C{n}", alpha=alpha)
            axes[1].plot(history["epoch"], history["train_loss"], color=f"C{n}", alpha=alpha, label=name)
    axes[0].set(xlabel="epoch", ylabel=metric.replace("valid_", "validation "), title="validation ranking")
    axes[1].set(xlabel="epoch", ylabel="training loss", title="training loss", yscale="log")
    for ax in axes:
        ax.legend()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_cold_start(simulated: pd.DataFrame, natural: pd.DataFrame | None, metric: str, title: str,
                    group_sizes: Mapping[str, int] | None = None) -> plt.Figure:
    """Left: ``metric`` against the number of history items kept (rows of ``simulated``), one line per model.
    Right (when ``natural`` is given): ``metric`` per activity group, grouped bars, one bar per model,
    the group's number of test users under its label."""
    panels = 2 if natural is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(7.5 * panels, 4.8), squeeze=False)
    ax = axes[0, 0]
    x = np.arange(len(simulated.index))
    for n, model in enumerate(simulated.columns):
        ax.plot(x, simulated[model], marker="o", color=f"C{n}", label=model)
    ax.set_xticks(x, [str(i) for i in simulated.index])
    ax.set(xlabel="history items kept (full: the whole input)", ylabel=f"test {metric}", title="simulated cold start")
    ax.legend(fontsize="small")
    if natural is not None:
        ax = axes[0, 1]
        width = 0.8 / max(1, len(natural.columns))
        x = np.arange(len(natural.index))
        for n, model in enumerate(natural.columns):
            ax.bar(x + (n - (len(natural.columns) - 1) / 2) * width, natural[model], width, color=f"C{n}", label=model)
        labels = [f"{g}\n({group_sizes[g]} users)" if group_sizes else str(g) for g in natural.index]
        ax.set_xticks(x, labels)
        ax.set(xlabel="training events of the user", ylabel=f"test {metric}", title="natural cold start")
        ax.legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_attention(items: Sequence[str], weights: np.ndarray, title: str) -> plt.Figure:
    """Attention weights over a user's input sequence (oldest at the top)."""
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(items) + 1.2))
    sns.heatmap(np.asarray(weights).reshape(-1, 1), annot=True, fmt=".2f", cmap="Blues", cbar=False,
                yticklabels=list(items), xticklabels=["attention"], ax=ax, vmin=0, vmax=max(1e-9, float(np.max(weights))))
    ax.set(title=title, ylabel="input items, oldest at the top")
    fig.tight_layout()
    return fig


def plot_model_comparison(table: pd.DataFrame, ks: Sequence[int] = (10, 100), highlight: str | None = None,
                          title: str = "") -> plt.Figure:
    """Figure 5: one panel per metric (HR, NDCG, MRR, Precision); per model, one bar per K (mean over
    seeds, error bar = std). ``table`` is :func:`rec_utils.reporting.table3`'s numeric frame."""
    metrics = ("HR", "NDCG", "MRR", "Precision")
    models = list(table.index)
    fig, axes = plt.subplots(2, 2, figsize=(max(10, 0.9 * len(models) + 4), 8), constrained_layout=True)
    width = 0.8 / len(ks)
    x = np.arange(len(models))
    for ax, metric in zip(axes.flat, metrics):
        for j, k in enumerate(ks):
            column = f"{metric}@{k}"
            std = table[f"{column} std"].fillna(0.0).to_numpy()
            ax.bar(x + (j - (len(ks) - 1) / 2) * width, table[f"{column} mean"], width, yerr=std, capsize=2,
                   label=f"K = {k}")
        ax.set_xticks(x, models, rotation=40, ha="right")
        ax.set_title(metric)
        ax.set_ylabel(f"{metric}@K (test)")
        ax.margins(y=0.12)
        if highlight in models:
            ax.get_xticklabels()[models.index(highlight)].set_fontweight("bold")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(ks), frameon=False)  # one legend, below the panels
    fig.suptitle(title + ("\n" if title else "") + "bars: mean over seeds; error bars: std")
    return fig
