"""``python -m board demo --items``: the demo on items instead of ready-made figures.

Why a command and not only a config file: an item source needs a secret key
for its ids, and the demo has nobody to make one. This writes, once, under
``data/demo-items/``:

* ``config/``: the configuration in use (``BOARD_CONFIG_DIR`` or ``config/``)
  with ``sources.yaml`` replaced by one demo source with ``deliver: items``;
* ``item.key``: a random key (file mode 600) for ``${BOARD_ITEM_KEY}``, unless
  the variable is set;
* ``board.sqlite``: a store of its own (unless ``BOARD_DATABASE_URL`` is set),
  so the items demo never mixes with the figures demo.

The simulator then tells its callbacks, messages, contacts and feedback
answers as items (connectors/demo_items.py) and the board counts the same
numbers the ordinary demo shows (tests/test_demo_items.py).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

import yaml

from board.settings import DEFAULT_CONFIG_DIR, DEFAULT_DATA_DIR

#: The items demo's one source (the figures demo's settings otherwise).
ITEMS_SOURCE = {"name": "demo-items", "type": "demo", "deliver": "items", "id_key": "${BOARD_ITEM_KEY}",
                "interval_seconds": 20, "stale_after_seconds": 300, "seed": 2026, "backfill_days": 14}


def prepare(environ: Mapping[str, str], data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, str]:
    """The environment for the items demo: ``environ`` with its configuration, store and key."""
    home = data_dir / "demo-items"
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    source_dir = Path(environ.get("BOARD_CONFIG_DIR") or DEFAULT_CONFIG_DIR)
    for path in source_dir.glob("*.yaml"):
        if path.name != "sources.yaml":
            shutil.copy(path, config / path.name)
    (config / "sources.yaml").write_text(
        "# Written by `python -m board demo --items` (board/demo_items_setup.py); rewritten at each start.\n"
        + yaml.safe_dump({"sources": [ITEMS_SOURCE]}, sort_keys=False), encoding="utf-8")
    out = dict(environ)
    out["BOARD_CONFIG_DIR"] = str(config)
    out.setdefault("BOARD_DATABASE_URL", f"sqlite:///{home / 'board.sqlite'}")
    if not out.get("BOARD_ITEM_KEY"):
        out["BOARD_ITEM_KEY"] = _key(home / "item.key")
    return out


def _key(path: Path) -> str:
    """The demo's item key: made once, kept (a new key would make every stored item new)."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()
