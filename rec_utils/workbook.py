"""The main job: execute the numbered notebooks in order for one dataset with papermill.

    python -m rec_utils.workbook --dataset ml-100k            # all notebooks, params/ml-100k.yaml
    python -m rec_utils.workbook --dataset ml-100k --only 01 02 -p SEEDS '[0]'

Executed notebooks go to ``reports/<dataset>/`` (written to a temporary name, renamed when the
notebook finished), and the run's timings go to ``results/<dataset>/manifest.json``: a run of every
notebook replaces ``main_run``; a run of some (``--only``) is appended to ``partial_runs`` and leaves the
record of the last full run as it was.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import yaml

from rec_utils import paths
from rec_utils.results import git_state, machine_description, package_versions, write_json

NOTEBOOK_DIR = paths.REPO_ROOT / "notebooks"
PARAMS_DIR = paths.REPO_ROOT / "params"


def notebooks(only: Sequence[str] | None = None) -> list[Path]:
    """The numbered notebooks in order, optionally only those whose number or name is in ``only``."""
    found = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if only:
        selected = [nb for nb in found if nb.name[:2] in only or nb.stem in only]
        unknown = set(only) - {nb.name[:2] for nb in selected} - {nb.stem for nb in selected}
        if unknown:
            raise ValueError(f"no notebook matches {sorted(unknown)}; have {[nb.stem for nb in found]}")
        return selected
    return found


def load_params(dataset: str, params_file: str | Path | None = None) -> dict[str, Any]:
    """Parameters for ``dataset`` from ``params/<dataset>.yaml`` (or the given file)."""
    from rec_utils.datasets import check_dataset_name
    check_dataset_name(dataset)
    path = Path(params_file) if params_file else PARAMS_DIR / f"{dataset}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no parameter file for dataset {dataset!r}")
    params = yaml.safe_load(path.read_text()) or {}
    if not isinstance(params, dict):
        raise ValueError(f"{path}: expected a mapping of NAME: value")
    params["DATASET"] = params.get("DATASET", dataset)
    if params["DATASET"] != dataset:
        raise ValueError(f"{path}: DATASET is {params['DATASET']!r} but the run is for {dataset!r}")
    return params


def notebook_parameters(notebook: Path) -> set[str]:
    """Names declared in the notebook's ``parameters`` cell."""
    import papermill
    return set(papermill.inspect_notebook(str(notebook)).keys())


def run(dataset: str, params: dict[str, Any], only: Sequence[str] | None = None,
        output_root: str | Path | None = None, kernel: str = "python3") -> dict[str, Any]:
    """Execute the notebooks in order; stop at the first failure (its partial report is kept)."""
    import papermill
    reports = paths.reports_dir(dataset, output_root)
    started = time.time()
    timings: dict[str, float] = {}
    declared = {nb: notebook_parameters(nb) for nb in notebooks()}
    unused = set(params) - set().union(*declared.values())
    if unused:  # most likely a typo: no notebook reads them
        print(f"warning: no notebook declares {', '.join(sorted(unused))}; they have no effect", flush=True)
    for notebook in notebooks(only):
        accepted = declared[notebook]
        given = {k: v for k, v in params.items() if k in accepted}
        target = reports / notebook.name
        partial = target.with_name(f".{notebook.stem}.running.ipynb")
        print(f"[{time.strftime('%H:%M:%S')}] {notebook.name} ({dataset}) -> {target}", flush=True)
        t0 = time.perf_counter()
        papermill.execute_notebook(str(notebook), str(partial), parameters=given, kernel_name=kernel,
                                   cwd=str(NOTEBOOK_DIR), progress_bar=False, log_output=True)
        partial.replace(target)
        timings[notebook.stem] = round(time.perf_counter() - t0, 1)
        print(f"  done in {timings[notebook.stem]:.0f} s", flush=True)
    manifest_path = paths.results_dir(dataset, output_root) / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {"dataset": dataset}
    record = {
        "command": " ".join(["python -m rec_utils.workbook", *sys.argv[1:]]), "parameters": params, "notebooks_seconds": timings,
        "wall_seconds": round(time.time() - started, 1),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "git": git_state(), "packages": package_versions(), "machine": machine_description(),
    }
    if set(timings) == {nb.stem for nb in notebooks()}:
        manifest["main_run"] = record
    else:
        manifest.setdefault("partial_runs", []).append(record)
    write_json(manifest_path, manifest)
    return record


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="ml-100k", help="dataset name (default ml-100k)")
    parser.add_argument("--params", help="parameter file (default params/<dataset>.yaml)")
    parser.add_argument("--only", nargs="+", help="notebook numbers or names to run, e.g. 01 04")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "YAML_VALUE"),
                        help="override one parameter, e.g. -p SEEDS '[0]'")
    args = parser.parse_args(argv)
    try:
        params = load_params(args.dataset, args.params)
        notebooks(args.only)
    except (ValueError, FileNotFoundError) as error:
        parser.error(str(error))
    for name, value in args.parameter:
        params[name] = yaml.safe_load(value)
    summary = run(args.dataset, params, args.only)
    print(f"finished {args.dataset} in {summary['wall_seconds']:.0f} s: {summary['notebooks_seconds']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
