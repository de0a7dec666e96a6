"""What refuses a file whole before any row is read: not decodable, not a table or workbook, too large."""

from __future__ import annotations

from board.domain.reasons import Reason
from connectors.file_messages import mb


class BadFile(Exception):
    """The file as a whole cannot be read: its encoding, its CSV syntax, not a workbook, no such sheet."""


class Undecodable(BadFile):
    """A file that is not text in its encoding: refused whole, its lines counted as read and refused.

    Why count them: the run ledger adds up rows read = stored + refused + ignored, and a file refused for its
    encoding counted 0 rows read, so its rows left no trace in the run's counts. The rows cannot be told apart
    without the text, so :func:`undecoded_rows` counts what a readable file would have had.
    """

    def __init__(self, reason: Reason, data: bytes, codec: str) -> None:
        super().__init__(reason)
        self.rows = undecoded_rows(data, codec)


def undecoded_rows(data: bytes, codec: str) -> int:
    """The data rows of a file that cannot be decoded, as near as can be told: its non-empty lines (read with the
    bad bytes replaced; a line of only separators is empty, as in a table) but the first, the header."""
    text = data.decode(codec, errors="replace")
    lines = sum(1 for line in text.splitlines() if line.strip(" \t;,|\ufeff\x00"))
    return max(lines - 1, 0)


class TooLarge(BadFile):
    """A file over ``max_file_mb``: refused having read at most the limit and one byte of it."""

    def __init__(self, name: str, size: int, limit_mb: float) -> None:
        super().__init__(Reason("file_too_big", f"file {name} is {mb(size)}, more than max_file_mb ({limit_mb:g} "
                                "MB): it was not read (split the export into smaller files, or raise max_file_mb in "
                                "sources.yaml)", file=name, size=mb(size), limit=limit_mb))

