"""The drop folder's waiting files: which names are taken, which files have settled, which entries are no files.

Nothing here opens a file or follows a link: every entry is looked at with ``lstat``, and what is not a plain file
with one name is handed back to be refused unread.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import time
from collections.abc import Sequence
from pathlib import Path

from board.domain.reasons import Reason
from board.source_settings import FilesSource
from connectors.errors import ConfigurationError, TransientError
from connectors.file_messages import os_reason
from connectors.file_reason_text import REASON_SUFFIX
from connectors.file_safe_read import not_regular

#: Files still being written by a copy or download tool.
UNFINISHED_SUFFIXES = (".tmp", ".part")


def waiting_files(folder: Path, source: FilesSource) -> tuple[list[Path], int, list[tuple[Path, str]]]:
    """Files to import (oldest first, then by name), how many more are too fresh to read yet, and the
    entries matching the patterns that are not plain files (links, FIFOs, devices), with what they are.

    Every entry is looked at with ``lstat``: nothing here follows a link or opens a file.
    """
    try:
        mode = folder.stat().st_mode
    except FileNotFoundError:
        raise ConfigurationError(Reason("folder_missing", f"drop folder {folder} does not exist (folder in "
                                        "sources.yaml)", folder=str(folder))) from None
    except OSError as e:
        raise TransientError(Reason("folder_unreachable", f"drop folder {folder} could not be reached "
                                    f"({os_reason(e)})", folder=str(folder), detail=os_reason(e))) from None
    if not stat.S_ISDIR(mode):
        raise ConfigurationError(f"drop folder {folder} is not a folder (folder in sources.yaml)")
    try:
        entries = list(os.scandir(folder))
    except OSError as e:
        raise TransientError(Reason("folder_unreachable", f"drop folder {folder} could not be listed "
                                    f"({os_reason(e)})", folder=str(folder), detail=os_reason(e))) from None
    now = time.time()
    found: list[tuple[int, str, Path]] = []
    unsafe: list[tuple[Path, str]] = []
    unsettled = 0
    for entry in entries:
        if not wanted(entry.name, source.patterns):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # vanished or unreadable between listing and looking: next pull sees it again
        if stat.S_ISDIR(st.st_mode):
            continue  # a folder (processed/, rejected/, or one named like a pattern) is never read
        what = not_regular(st)
        if what:
            unsafe.append((Path(entry.path), what))
            continue
        if getattr(st, "st_file_attributes", 0) & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0):
            continue  # hidden on Windows
        if now - st.st_mtime < source.settle_seconds:
            unsettled += 1
            continue
        found.append((st.st_mtime_ns, entry.name, Path(entry.path)))
    found.sort()
    unsafe.sort(key=lambda item: item[0].name)
    return [path for _mtime, _name, path in found], unsettled, unsafe


def wanted(name: str, patterns: Sequence[str]) -> bool:
    """Matches ``patterns`` (case-insensitively, as Windows users expect) and is not hidden, a lock or partial."""
    lower = name.lower()
    if lower.startswith((".", "~$")) or lower.endswith((*UNFINISHED_SUFFIXES, REASON_SUFFIX)):
        return False
    return any(fnmatch.fnmatchcase(lower, pattern.lower()) for pattern in patterns)

