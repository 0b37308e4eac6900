"""The README's result tables are the committed results, not numbers typed by hand."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLES = sorted((ROOT / "results").glob("*/table[13].md"))  # Table 1 (notebook 04) and Table 3 (notebook 06)
BENCHMARKS = sorted((ROOT / "benchmarks" / "results").glob("*.md"))  # the harness and the RecBole side-by-side


def test_every_committed_run_has_a_table():
    assert {path.parent.name for path in TABLES} >= {"ml-100k"}


def test_every_benchmark_has_a_table():
    assert {path.stem for path in BENCHMARKS} >= {"harness", "recbole_side_by_side"}


@pytest.mark.parametrize("table", TABLES + BENCHMARKS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_readme_shows_each_committed_table_verbatim(table: Path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert table.read_text(encoding="utf-8").strip() in readme, (
        f"README.md does not show {table.relative_to(ROOT)} as committed; copy the file's table into the README")
