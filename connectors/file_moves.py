"""Moving a file out of the drop folder without overwriting anything, and counting what was moved."""

from __future__ import annotations

import itertools
import os
import shutil
from datetime import datetime
from pathlib import Path

from board.domain.privacy import redact_identity_codes
from board.domain.timeutil import HELSINKI
from connectors.file_messages import IDENTITY_CODE_REMOVED


def move(path: Path, directory: Path, companion: str = "") -> Path:
    """Move ``path`` into ``directory`` without overwriting: a taken name gets a stamp before its suffix, in
    Helsinki time with its UTC offset (``jono.20261202T074200+0200.csv``; it once was UTC, two hours off).

    ``companion`` is the suffix of a file that will sit next to the moved one
    (the reason file): its name must be free too.
    """
    directory.mkdir(parents=True, exist_ok=True)
    # a name holding an identity code is not kept either
    target = free_path(directory, redact_identity_codes(path.name, IDENTITY_CODE_REMOVED), companion)
    shutil.move(os.fspath(path), os.fspath(target))
    return target


def free_path(directory: Path, name: str, companion: str = "") -> Path:
    def taken(candidate: Path) -> bool:
        return candidate.exists() or (bool(companion) and candidate.with_name(candidate.name + companion).exists())

    first = directory / name
    if not taken(first):
        return first
    stem, suffix = Path(name).stem, Path(name).suffix
    # Helsinki time with its offset, as people count. "UTC" before the offset: a time and offset such as
    # 080717+0200 is a valid identity code (08.07.1817, '+'), and the name would be scrubbed in every message.
    now = datetime.now(HELSINKI)
    stamp = f"{now:%Y%m%dT%H%M%S}UTC{now:%z}"
    for n in itertools.count(1):
        candidate = directory / f"{stem}.{stamp}{'' if n == 1 else f'-{n}'}{suffix}"
        if not taken(candidate):
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def count_files(directory: Path, skip_suffix: str = "") -> int:
    try:
        return sum(1 for e in os.scandir(directory)
                   if e.is_file() and not (skip_suffix and e.name.lower().endswith(skip_suffix)))
    except OSError:
        return 0
