"""Every alerts.yaml setting is documented (docs/ALERTS.md), and the README points there."""

from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel

from board.alerts import settings as alert_settings

ROOT = Path(__file__).resolve().parent.parent


def models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    """``model`` and every model its fields hold (lists, dicts, unions)."""
    if model in seen:
        return
    seen.add(model)
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                models(tp, seen)
            stack.extend(typing.get_args(tp))


def test_every_alerts_setting_is_documented() -> None:
    found: set[type[BaseModel]] = set()
    models(alert_settings.AlertsFile, found)
    assert alert_settings.EmailChannelModel in found and alert_settings.WindowModel in found
    doc = (ROOT / "docs" / "ALERTS.md").read_text(encoding="utf-8")
    missing = sorted({f"{m.__name__}.{name}" for m in found for name, f in m.model_fields.items()
                      if f"`{f.alias or name}`" not in doc and f"].{f.alias or name}`" not in doc
                      and f".{f.alias or name}`" not in doc and f"{f.alias or name}:" not in doc})
    assert missing == [], f"alerts.yaml settings missing from docs/ALERTS.md: {', '.join(missing)}"


def test_the_readme_names_the_alerts_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`alerts.yaml`" in readme and "docs/ALERTS.md" in readme
