"""The workbook's speed and memory on this machine, measured in one run.

    .venv/bin/python benchmarks/harness.py            # everything, as medians over --repeats (default 5)
    .venv/bin/python benchmarks/harness.py --quick    # 3 repeats, no full-size Last.fm-1K (minutes)

Measures, on the machine it runs on:
- the ceiling: float32 matrix products through torch (GFLOP/s), with the threads torch uses;
- training: seconds per batch for the paper's model and every learned baseline at its notebook default
  settings, on ml-100k and lastfm-2k (``--batches`` consecutive batches per repeat, after two warm-up
  batches), as examples per second and the seconds of one epoch (batches per epoch x seconds per batch);
  for the paper's model, the floating-point work of an epoch (torch's FLOP counter for everything but the
  LSTM, whose work is counted from its sizes: 3 x 2 x 4H(I+H) per step, forward and backward) divided by the
  ceiling: the floor no implementation can beat here, and achieved/floor;
- full-ranking evaluation: cases per second and peak resident memory of the paper's model at catalogues of
  1,682, 10,000, 100,000 and 1,000,000 items (random weights, 2,048 cases, seen items masked), each size in
  a fresh process;
- loading + preprocessing: seconds and peak memory per dataset in the mirror, each in a fresh process,
  and the generated full-size Last.fm-1K log (19,150,868 rows) through ``benchmarks/lastfm1k_load.py``.

Writes ``benchmarks/results/harness.json`` and ``harness.md`` (the table the README shows) with the
machine's description, the commit and the package versions.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Callable

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CATALOGUES = (1_682, 10_000, 100_000, 1_000_000)
EVAL_CASES = 2_048
TRAIN_DATASETS = ("ml-100k", "lastfm-2k")


# --------------------------------------------------------------------------- the machine's ceiling
def matmul_ceiling(repeats: int, size: int = 2048, products: int = 10) -> dict:
    """Median GFLOP/s of ``products`` float32 ``size x size`` matrix products, over ``repeats`` repeats."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    for _ in range(3):
        a @ b
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(products):
            a @ b
        rates.append(2 * size ** 3 * products / (time.perf_counter() - start) / 1e9)
    return {"size": size, "gflops_median": median(rates), "gflops_per_repeat": rates}


# --------------------------------------------------------------------------- training
def time_steps(step: Callable[[torch.Tensor], None], n_examples: int, batch_size: int, repeats: int,
               batches: int, seed: int = 0) -> list[float]:
    """Seconds per batch of ``step`` (one optimizer step on the examples at the given indices), per repeat."""
    order = torch.randperm(n_examples, generator=torch.Generator().manual_seed(seed))
    per_epoch = math.ceil(n_examples / batch_size)
    cursor = 0

    def run(count: int) -> None:
        nonlocal cursor
        for _ in range(count):
            step(order[cursor * batch_size:(cursor + 1) * batch_size])
            cursor = (cursor + 1) % max(per_epoch - 1, 1)   # full batches only

    run(2)  # warm-up: allocator, first-call dispatch
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(batches)
        seconds.append((time.perf_counter() - start) / batches)
    return seconds


def paper_model_flops_per_batch(model, data, batch_size: int) -> float:
    """Floating-point operations of one training step of the paper's model on a full batch (forward and
    backward): torch's counter for every operation it sees, plus the LSTM counted from its sizes."""
    from rec_utils.training import TrainConfig, paper_model_batch_loss

    idx = torch.arange(batch_size)
    tensors = [torch.from_numpy(a)[idx] for a in (data.train.users, data.train.inputs, data.train.lengths,
                                                  data.train.targets)]
    config = TrainConfig(mask_seen=True)
    with FlopCounterMode(display=False) as counter:
        loss, _ = paper_model_batch_loss(model, *tensors, data.n_items, config, torch.Generator().manual_seed(0))
        loss.backward()
    model.zero_grad(set_to_none=True)
    lstm = model.lstm
    steps = data.train.inputs.shape[1]   # the LSTM runs over every (padded) position
    lstm_flops = 3 * 2 * 4 * lstm.hidden_size * (lstm.input_size + lstm.hidden_size) * steps * batch_size
    return counter.get_total_flops() + lstm_flops


def training_rows(dataset: str, repeats: int, batches: int, ceiling_gflops: float) -> list[dict]:
    """One row per model: seconds per batch and epoch, examples per second (and, for the paper's model,
    its floor and achieved fraction of the ceiling)."""
    from rec_utils.baselines import SPECS
    from rec_utils.datasets import MASK_SEEN_DEFAULT, load_dataset
    from rec_utils.examples import build_examples
    from rec_utils.models import MODELS, LSTMAttentionBPR
    from rec_utils.preprocessing import PreprocessParams, load_processed
    from rec_utils.training import OPTIMIZERS, TrainConfig, optimizer_step, paper_model_batch_loss, set_seed

    raw = load_dataset(dataset)
    processed = {}
    rows = []

    def data_for(max_len: int):
        if max_len not in processed:
            processed[max_len] = load_processed(raw, PreprocessParams(max_len=max_len))[0]
        return processed[max_len]

    # the paper's model, notebook 04's defaults
    data = data_for(8)
    set_seed(0)
    model = LSTMAttentionBPR.from_data(data)
    config = TrainConfig(mask_seen=MASK_SEEN_DEFAULT[dataset])
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config)
    generator = torch.Generator().manual_seed(0)
    tensors = [torch.from_numpy(a) for a in (data.train.users, data.train.inputs, data.train.lengths, data.train.targets)]
    model.train()

    def paper_step(idx: torch.Tensor) -> None:
        loss, _ = paper_model_batch_loss(model, *(t[idx] for t in tensors), data.n_items, config, generator)
        optimizer_step(model, optimizer, loss, config.grad_clip)

    seconds = time_steps(paper_step, len(data.train), config.batch_size, repeats, batches)
    flops = paper_model_flops_per_batch(LSTMAttentionBPR.from_data(data), data, config.batch_size)
    rows.append(_training_row(dataset, model.name, "windows", len(data.train), config.batch_size, seconds,
                              flops=flops, ceiling_gflops=ceiling_gflops))

    for spec in SPECS:
        if not spec.trained:
            continue
        data = data_for(spec.max_len)
        set_seed(0)
        model = MODELS[spec.model].from_data(data, **spec.hyperparameters)
        cfg = TrainConfig(mask_seen=MASK_SEEN_DEFAULT[dataset], **spec.training)
        opt = OPTIMIZERS[cfg.optimizer](model.parameters(), cfg)
        arrays = build_examples(data, model.examples, getattr(model, "max_len", None), getattr(model, "shift", True),
                                getattr(model, "stride", None))
        examples = {k: torch.from_numpy(np.array(v)) for k, v in arrays.items()}
        n = len(next(iter(examples.values())))
        gen = torch.Generator().manual_seed(0)
        model.train()

        def step(idx: torch.Tensor, model=model, opt=opt, cfg=cfg, examples=examples, gen=gen) -> None:
            optimizer_step(model, opt, model.loss({k: v[idx] for k, v in examples.items()}, gen), cfg.grad_clip)

        seconds = time_steps(step, n, cfg.batch_size, repeats, batches)
        rows.append(_training_row(dataset, spec.label, model.examples, n, cfg.batch_size, seconds))
        print(f"  {dataset} {spec.label}: {median(seconds) * 1e3:.1f} ms per batch", flush=True)
    return rows


def _training_row(dataset: str, label: str, examples: str, n: int, batch_size: int, seconds: list[float],
                  flops: float | None = None, ceiling_gflops: float | None = None) -> dict:
    per_batch = median(seconds)
    row = {"dataset": dataset, "model": label, "examples": examples, "n_examples": n, "batch_size": batch_size,
           "seconds_per_batch": per_batch, "seconds_per_batch_per_repeat": seconds,
           "examples_per_second": batch_size / per_batch,
           "seconds_per_epoch": math.ceil(n / batch_size) * per_batch}
    if flops is not None:
        epoch_flops = flops * math.ceil(n / batch_size)
        floor = epoch_flops / (ceiling_gflops * 1e9)
        row.update(flops_per_batch=flops, epoch_gflop=epoch_flops / 1e9, floor_seconds_per_epoch=floor,
                   achieved_over_floor=floor / row["seconds_per_epoch"],
                   achieved_gflops=flops / per_batch / 1e9)
    return row


# --------------------------------------------------------------------------- evaluation
def evaluation_child(n_items: int, repeats: int) -> dict:
    """Full ranking of ``EVAL_CASES`` cases by the paper's model (random weights) over ``n_items`` items."""
    from rec_utils.evaluation import rank_cases
    from rec_utils.results import peak_memory_mib
    from rec_utils.models import LSTMAttentionBPR
    from rec_utils.preprocessing import EvalCases

    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    n_users, max_len, seen_per_case = 943, 8, 20
    genres = torch.from_numpy((rng.random((n_items + 1, 19)) < 0.1).astype(np.float32))
    features = torch.from_numpy(rng.integers(0, 8, (n_users + 1, 3)))
    model = LSTMAttentionBPR(n_users, n_items, genres, features, [8, 8, 8])
    users = (np.arange(EVAL_CASES) % n_users + 1).astype(np.int64)
    seen = rng.integers(1, n_items + 1, (EVAL_CASES, seen_per_case))
    targets = rng.integers(1, n_items + 1, EVAL_CASES)
    seen[seen == targets[:, None]] = 0   # a target is never among the masked items (0, padding, is masked anyway)
    cases = EvalCases(users=users, inputs=seen[:, -max_len:].copy(), lengths=np.full(EVAL_CASES, max_len),
                      targets=targets, target_positions=np.zeros(EVAL_CASES, dtype=np.int64),
                      seen_indptr=np.arange(0, EVAL_CASES * seen_per_case + 1, seen_per_case),
                      seen_items=seen.reshape(-1))
    cases.inputs[cases.inputs == 0] = 1
    before = peak_memory_mib()
    rank_cases(model, cases, mask_seen=True)   # warm-up
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        rank_cases(model, cases, mask_seen=True)
        seconds.append(time.perf_counter() - start)
    return {"n_items": n_items, "cases": EVAL_CASES, "seconds_per_repeat": seconds,
            "cases_per_second": EVAL_CASES / median(seconds), "peak_rss_mib": peak_memory_mib(),
            "peak_rss_mib_before_ranking": before}


# --------------------------------------------------------------------------- loading
def loading_child(dataset: str) -> dict:
    """Seconds and peak memory of loading ``dataset`` from its official files and preprocessing it."""
    from rec_utils.datasets import load_dataset
    from rec_utils.preprocessing import preprocess
    from rec_utils.results import peak_memory_mib

    start = time.perf_counter()
    raw = load_dataset(dataset)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    data = preprocess(raw)
    return {"dataset": dataset, "load_seconds": loaded, "preprocess_seconds": time.perf_counter() - start,
            "peak_rss_mib": peak_memory_mib(), "events": int(len(data.sequences)), "users": data.n_users,
            "items": data.n_items}


def in_fresh_process(*arguments: str) -> dict:
    """Run this script's child mode with ``arguments`` and return the JSON it prints last."""
    from rec_utils.results import json_from_child

    return json_from_child([sys.executable, __file__, "--child", *arguments])


def lastfm1k_full(repeats: int) -> dict:
    """The full-size generated Last.fm-1K log through benchmarks/lastfm1k_load.py (its own JSON is the record)."""
    with tempfile.TemporaryDirectory(prefix="lastfm1k-") as folder:
        subprocess.run([sys.executable, str(HERE / "lastfm1k_load.py"), folder, "--repeats", str(repeats)], check=True)
    return json.loads((RESULTS / "lastfm1k_load.json").read_text())


# --------------------------------------------------------------------------- report
def markdown(report: dict) -> str:
    """The tables the README shows."""
    m, c = report["machine"], report["ceiling"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, torch {report['packages']['torch']} with "
             f"{m['torch_threads']} threads; commit {report['git']['commit'][:7]}; {report['recorded_at']}; "
             f"medians over {report['repeats']} repeats.", "",
             f"Ceiling (float32 {c['size']}x{c['size']} matrix products through torch): **{c['gflops_median']:.1f} GFLOP/s**.",
             "", "| dataset | model | examples | batch | ms/batch | examples/s | s/epoch | floor s/epoch | achieved/floor |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in report["training"]:
        floor = f"{r['floor_seconds_per_epoch']:.1f}" if "floor_seconds_per_epoch" in r else ""
        ratio = f"{r['achieved_over_floor']:.0%}" if "achieved_over_floor" in r else ""
        lines.append(f"| {r['dataset']} | {r['model']} | {r['examples']} | {r['batch_size']} | "
                     f"{r['seconds_per_batch'] * 1e3:.1f} | {r['examples_per_second']:,.0f} | "
                     f"{r['seconds_per_epoch']:.1f} | {floor} | {ratio} |")
    lines += ["", f"Full-ranking evaluation, paper's model, {EVAL_CASES:,} cases, seen items masked:", "",
              "| items | cases/s | peak RSS (MiB) |", "|---|---|---|"]
    for r in report["evaluation"]:
        lines.append(f"| {r['n_items']:,} | {r['cases_per_second']:,.0f} | {r['peak_rss_mib']:,.0f} |")
    lines += ["", "Loading + preprocessing (fresh process each):", "",
              "| dataset | events | load s | preprocess s | peak RSS (MiB) |", "|---|---|---|---|---|"]
    for r in report["loading"]:
        lines.append(f"| {r['dataset']} | {r['events']:,} | {r['load_seconds']:.1f} | {r['preprocess_seconds']:.1f} | "
                     f"{r['peak_rss_mib']:,.0f} |")
    full = report.get("lastfm1k_full")
    if full:
        lines.append(f"| lastfm-1k format, generated, {full['rows']:,} rows{full.get('note', '')} | "
                     f"{full['counts']['events']:,} | {full['median_seconds']['load']:.1f} | "
                     f"{full['median_seconds']['preprocess']:.1f} | {full['peak_rss_mib']['preprocess']:,.0f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, help="repeats per measurement (default 5, or 3 with --quick)")
    parser.add_argument("--batches", type=int, default=20, help="training batches timed per repeat")
    parser.add_argument("--quick", action="store_true",
                        help="3 repeats; the full-size Last.fm-1K numbers are read from its last recorded run")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, value, *rest = args.child
        result = evaluation_child(int(value), int(rest[0])) if kind == "eval" else loading_child(value)
        print(json.dumps(result))
        return
    from rec_utils.results import git_state, machine_description, package_versions, write_atomic, write_json

    repeats = args.repeats or (3 if args.quick else 5)
    started = time.perf_counter()
    print("ceiling ...", flush=True)
    ceiling = matmul_ceiling(repeats)
    print(f"  {ceiling['gflops_median']:.1f} GFLOP/s", flush=True)
    training = []
    for dataset in TRAIN_DATASETS:
        print(f"training {dataset} ...", flush=True)
        training += training_rows(dataset, repeats, args.batches, ceiling["gflops_median"])
    evaluation = []
    for n_items in CATALOGUES:
        print(f"evaluation at {n_items:,} items ...", flush=True)
        evaluation.append(in_fresh_process("eval", str(n_items), str(repeats)))
    loading = []
    for dataset in ("ml-100k", "ml-1m", "lastfm-2k"):
        runs = []
        for _ in range(repeats):
            try:
                runs.append(in_fresh_process("load", dataset))
            except RuntimeError as error:   # a dataset the mirror lacks (ml-1m has no ratings.dat there)
                print(f"  {dataset}: skipped ({str(error).strip().splitlines()[-1]})", flush=True)
                break
        if runs:
            loading.append({**runs[0], **{k: median(r[k] for r in runs) for k in ("load_seconds", "preprocess_seconds")},
                            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs)})
    if args.quick:
        full = json.loads((RESULTS / "lastfm1k_load.json").read_text())
        full["note"] = f" (recorded at {full['git']['commit'][:7]}, not re-run)"
    else:
        print("full-size Last.fm-1K log ...", flush=True)
        full = lastfm1k_full(3)
    report = {"recorded_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "repeats": repeats,
              "batches_per_repeat": args.batches, "machine": machine_description(), "git": git_state(),
              "packages": package_versions(), "ceiling": ceiling, "training": training, "evaluation": evaluation,
              "loading": loading, "lastfm1k_full": full, "wall_seconds": time.perf_counter() - started}
    write_json(RESULTS / "harness.json", report)
    write_atomic(RESULTS / "harness.md", markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
