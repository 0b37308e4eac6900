"""Does training the Transformer baselines on overlapping windows help? One training per setting on ml-100k.

    python benchmarks/window_stride.py BERT4Rec:50:10 SASRec:10:10      # LABEL:STRIDE:PATIENCE ...

Each argument trains notebook 06's baseline LABEL (its defaults, no search, seed 0) with training windows
STRIDE items apart and early-stopping PATIENCE, and prints one JSON line: best and last epoch, training
seconds, validation NDCG@10, test NDCG@10 with seen items masked (Table 3's rule on MovieLens) and unmasked
(RecBole's rule for sequential models), and the validation curve. Seconds depend on what else the machine
runs: the committed log, benchmarks/results/window_stride_2026-12-04.jsonl, ran with one torch thread
beside two other single-threaded jobs on the 2-core AMD EPYC machine (code of commit 1354f69).
"""
import json
import sys
from dataclasses import replace

from rec_utils.baselines import fit_once, spec_by_label
from rec_utils.datasets import load_dataset
from rec_utils.evaluation import evaluate
from rec_utils.preprocessing import PreprocessParams, load_processed

data, _ = load_processed(load_dataset("ml-100k"), PreprocessParams(max_len=50))
for arg in sys.argv[1:]:
    label, stride, patience = arg.split(":")
    spec = spec_by_label(label)
    spec = replace(spec, hyperparameters={**spec.hyperparameters, "stride": int(stride)},
                   training={**spec.training, "patience": int(patience)})
    model, sec, ep, hist, valid = fit_once(spec, data, {}, 0, True, progress=False)
    t_m = evaluate(model, data.test, True, ks=(10,)).metrics["NDCG@10"]
    t_u = evaluate(model, data.test, False, ks=(10,)).metrics["NDCG@10"]
    print(json.dumps({"run": arg, "best_epoch": ep, "epochs": len(hist), "seconds": round(sec), "valid": round(valid, 4),
                      "test_masked": round(t_m, 4), "test_unmasked": round(t_u, 4),
                      "curve": [round(x, 4) for x in hist["valid_NDCG@10"].tolist()]}), flush=True)
