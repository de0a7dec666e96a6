"""A CSV file's text: its encoding given, or told from a BOM, else UTF-8, else Windows-1252.

UTF-16 without a BOM (SQL Server's ``bcp -w``, some Windows tools' "Unicode" exports) is told by its zero bytes:
text of Latin letters, digits and separators is every other byte zero, which UTF-8 and Windows-1252 text never is.
"""

from __future__ import annotations

import codecs

from board.domain.reasons import Reason
from connectors.file_problems import Undecodable


def utf16_codec(data: bytes) -> str | None:
    """``utf-16`` (a BOM), ``utf-16-le`` or ``utf-16-be`` (no BOM: every other byte of its start zero), or None
    when ``data`` is not UTF-16 text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        return "utf-16"
    sample = data[:512]
    sample = sample[:len(sample) - len(sample) % 2]
    units = len(sample) // 2
    if units < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.7 * units and even <= 0.05 * units:
        return "utf-16-le"
    if even >= 0.7 * units and odd <= 0.05 * units:
        return "utf-16-be"
    return None


def decode(name: str, data: bytes, encoding: str) -> str:
    """The file's text. ``auto``: a BOM decides, else UTF-8, else cp1252 (Excel's "CSV" on Finnish Windows)."""
    if encoding != "auto":
        return _decode_as(name, data, encoding)
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(name, data, "utf-8-sig")
    wide = utf16_codec(data)
    if wide is not None:  # Excel's "Unicode text" (a BOM), bcp -w (none)
        return _decode_as(name, data, wide)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as e:
        line = _line_of(data, e.start)
        raise Undecodable(Reason("bad_encoding", f"file {name} is neither UTF-8 nor Windows-1252 (cp1252) text "
                                 f"(line {line}); save it again as CSV UTF-8", file=name, line=line), data,
                          "utf-8") from None


def codec_of(data: bytes, encoding: str) -> str:
    """The codec :func:`decode` reads ``data`` with (to write a file back in its own encoding)."""
    if encoding != "auto":
        return encoding
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    wide = utf16_codec(data)
    if wide is not None:
        return wide
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _decode_as(name: str, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = _line_of(data, e.start)
        raise Undecodable(Reason("bad_encoding_set", f"file {name} is not valid {encoding} text (line {line}); save "
                                 "it again as CSV UTF-8, or set encoding in sources.yaml", file=name, line=line,
                                 encoding=encoding), data, encoding) from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
