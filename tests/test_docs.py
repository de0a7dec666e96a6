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
           "BOARD_ITEM_KEY": "i" * 32}


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
    assert kinds == {"demo", "sql", "rest", "files"}
