"""A text file whose last line has no line end may still be being written: what to read of it meanwhile."""

from __future__ import annotations

import codecs
import csv
import io

from connectors.file_encoding import utf16_codec


def unterminated_tail(data: bytes) -> tuple[bytes, int] | None:
    """``(the bytes before the last line, that line's number)`` when a text file's last line has no line end and
    holds something; None otherwise (an Excel workbook, an empty file, a file ending in a line end)."""
    if not data or data.startswith(b"PK"):  # empty, or a workbook (a zip): not lines
        return None
    wide = utf16_codec(data)
    if wide is not None:  # with a BOM (Excel's "Unicode text") or without (bcp -w): line ends are two bytes
        order = wide if wide != "utf-16" else "utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
        newline = "\n".encode(order)
        if data.endswith(newline) or len(data) % 2:
            return None
        first = 2 if wide == "utf-16" else 0  # after the BOM
        cut = max((i for i in range(len(data) - 2, first - 1, -2) if data[i:i + 2] == newline), default=-1)
        start = cut + 2 if cut >= 0 else first  # the text's start when there is no line end at all
        tail = data[start:].decode(order, "replace")
        return (data[:start], data[:start].count(newline) + 1) if tail.strip() else None
    if data.endswith((b"\n", b"\r")):
        return None
    cut = data.rfind(b"\n") + 1  # UTF-8 and cp1252 never hold the byte 0x0A inside a character
    if not data[cut:].strip() or data[cut:].strip() == codecs.BOM_UTF8:
        return None
    return data[:cut], data[:cut].count(b"\n") + 1


def closes_a_quoted_field(text: str, delimiter: str) -> bool:
    """Whether ``text`` (a CSV file's whole text) ends with the closing quote of a quoted field.

    Then nothing of its last field was cut: a writer stopped inside it leaves the quote open (not valid CSV), and
    one stopped after it has written the whole record but its line end. Told apart from a quote that merely ends
    an unquoted field (``5"``) or an escaped quote inside a field still open (``"a""``) by the parser itself: the
    text parses, and one more character after it does not (strict CSV wants a separator after a closing quote).
    An unquoted last field (``…;1``) proves nothing: it may be the ``1`` of ``12``."""
    if not text.endswith('"'):
        return False

    def parses(candidate: str) -> bool:
        try:
            for _ in csv.reader(io.StringIO(candidate, newline=""), delimiter=delimiter, strict=True):
                pass
        except csv.Error:
            return False
        return True

    return parses(text) and not parses(text + "x")
