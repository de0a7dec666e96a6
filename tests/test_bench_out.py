"""``python -m bench --out``: a folder gets the default file name inside it instead of failing after the run."""

from __future__ import annotations

from pathlib import Path

from bench.__main__ import results_path


def test_an_existing_folder_gets_the_default_name_inside(tmp_path: Path) -> None:
    out = results_path(str(tmp_path), quick=True)
    assert out.parent == tmp_path
    assert out.name.startswith("bench-") and out.name.endswith("-quick.json")


def test_a_trailing_slash_names_a_folder_still_to_be_made(tmp_path: Path) -> None:
    out = results_path(f"{tmp_path}/later/", quick=False)
    assert out.parent == tmp_path / "later" and out.suffix == ".json" and not out.name.endswith("-quick.json")


def test_a_file_name_is_kept(tmp_path: Path) -> None:
    assert results_path(str(tmp_path / "x.json"), quick=False) == tmp_path / "x.json"


def test_no_out_writes_into_the_results_folder() -> None:
    from bench.common import RESULTS_DIR

    assert results_path(None, quick=False).parent == RESULTS_DIR
