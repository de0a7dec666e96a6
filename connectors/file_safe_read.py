"""Reading a file from the untrusted drop folder: plain files with one name only, never through a link or a FIFO,
never more than ``max_file_mb``, and never one that changes while it is read."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from connectors.file_problems import TooLarge


@dataclass(frozen=True)
class Stamp:
    """Size and modification time: enough to tell that a file changed since it was read."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Stamp:
        st = path.lstat()  # of the entry itself: a file swapped for a link has changed
        return cls(st.st_size, st.st_mtime_ns)


class NotRegular(OSError):
    """An entry in the drop folder that is not a plain file with one name: it is never read."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def not_regular(st: os.stat_result) -> str:
    """What an entry is when it must not be read ("" for a plain file with a single link)."""
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    if st.st_nlink > 1:
        return "a hard link (the same file also has another name)"
    return ""


def unsafe_reason(what: str) -> str:
    return (f"is {what}, not a plain file: the drop folder takes plain files only, and it was not read "
            "(save the export itself in the folder)")


def read_regular_file(path: Path, max_mb: float | None = None) -> tuple[bytes, Stamp]:
    """The bytes of a plain file, opened without following a link and without blocking on a FIFO.

    The checks are made on the open descriptor, so an entry swapped for a
    link or a FIFO after the listing is refused (:class:`NotRegular`) unread.
    A file over ``max_mb`` is refused (:class:`TooLarge`) by its size on the
    descriptor, and at most the limit and one byte are read in any case (a
    file growing while it is read is caught too): a 200 MB CSV once took
    5.4 GB of the collector's memory.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as e:
        if e.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise NotRegular("a symbolic link") from None
        raise
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        what = not_regular(st)
        if what:
            raise NotRegular(what)
        if max_mb is None:
            return f.read(), Stamp(st.st_size, st.st_mtime_ns)
        limit = int(max_mb * 1024 * 1024)
        if st.st_size > limit:
            raise TooLarge(path.name, st.st_size, max_mb)
        data = f.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(path.name, len(data), max_mb)
        return data, Stamp(st.st_size, st.st_mtime_ns)


def read_unchanged(path: Path, max_mb: float | None = None) -> tuple[bytes, Stamp] | None:
    """The file's bytes and stamp, or None when it changed while being read (still being written)."""
    data, before = read_regular_file(path, max_mb)
    return (data, before) if Stamp.of(path) == before else None
