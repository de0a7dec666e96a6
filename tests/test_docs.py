"""The examples in the docs and the commented examples in config/sources.yaml stay valid configuration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from board.environment import read_environment
from board.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {"DW_PASSWORD": "x" * 8, "CALLBACK_API_TOKEN": "y" * 8, "API_PASSWORD": "z" * 8, "API_KEY": "k" * 8,
           "BOARD_ITEM_KEY": "i" * 32, "JONOPALVELU_PUSH_TOKEN": "p" * 32}


def doc_sources() -> list[tuple[str, str]]:
    """Every ```yaml block of docs/CONNECTORS.md and the README that is a source entry."""
    out = []
    for doc in ("docs/CONNECTORS.md", "README.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", text, re.S)):
            lines = [ln for ln in block.splitlines() if not ln.strip().startswith("#")]
            body = "\n".join(lines)
            if re.search(r"^\s*- name:", body, re.M):
                out.append((f"{doc}#{i}", body))
    return out


@pytest.mark.parametrize(("where", "block"), doc_sources(), ids=[w for w, _ in doc_sources()])
def test_documented_sources_are_valid(where: str, block: str, config_dir: Path) -> None:
    entry = yaml.safe_load(block)
    entry = entry if isinstance(entry, list) else entry["sources"]
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": entry}), encoding="utf-8")
    settings = load_settings(config_dir, "sqlite://", read_environment(SECRETS))
    assert settings.sources and all(s.name for s in settings.sources)


def test_the_commented_examples_in_sources_yaml_are_valid(config_dir: Path) -> None:
    text = (ROOT / "config" / "sources.yaml").read_text(encoding="utf-8")
    uncommented = re.sub(r"^  # (- |  )", r"  \1", text, flags=re.M)
    (config_dir / "sources.yaml").write_text(uncommented, encoding="utf-8")
    kinds = {s.type for s in load_settings(config_dir, "sqlite://", read_environment(SECRETS)).sources}
    assert kinds == {"demo", "sql", "rest", "files", "push"}


def test_the_documented_opening_hours_are_valid_and_mean_what_the_readme_says(config_dir: Path) -> None:
    """README "Opening hours": the stations.yaml example loads, and its comments hold."""
    from datetime import UTC, datetime

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("# config/stations.yaml"))
    example = yaml.safe_load(block)
    shipped = yaml.safe_load((config_dir / "stations.yaml").read_text(encoding="utf-8"))
    known = {s["code"] for s in example["stations"]}
    example["stations"] += [s for s in shipped["stations"] if s["code"] not in known]  # metrics.yaml names them
    (config_dir / "stations.yaml").write_text(yaml.safe_dump(example, allow_unicode=True), encoding="utf-8")
    settings = load_settings(config_dir, "sqlite://", read_environment(SECRETS))
    kajaani, unit = settings.opening_hours("kajaani"), settings.opening_hours("paivystys")
    assert not kajaani.is_open(datetime(2026, 11, 23, 10, 30, tzinfo=UTC))  # Monday 12.30: lunch
    assert kajaani.is_open(datetime(2026, 11, 24, 10, 30, tzinfo=UTC))  # Tuesday: 8-16
    assert kajaani.is_open(datetime(2026, 12, 23, 9, 59, tzinfo=UTC))  # Wednesday 23.12: 8-12 for everyone
    assert not kajaani.is_open(datetime(2026, 12, 23, 10, 0, tzinfo=UTC))
    assert not kajaani.is_open(datetime(2027, 6, 24, 6, 0, tzinfo=UTC))  # Thursday 24.6.2027: its own closed date
    assert settings.opening_hours("sotkamo").is_open(datetime(2027, 6, 24, 6, 0, tzinfo=UTC))
    assert not settings.opening_hours("sotkamo").is_open(datetime(2027, 1, 6, 8, 0, tzinfo=UTC))  # loppiainen
    assert unit.is_open(datetime(2026, 12, 25, 3, 0, tzinfo=UTC))  # Christmas night
    assert unit.is_open(datetime(2026, 12, 23, 12, 0, tzinfo=UTC))  # its own date wins over the common one
    assert unit.next_opening(datetime(2026, 12, 22, 12, 0, tzinfo=UTC)) is None
