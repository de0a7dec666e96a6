"""A CSV file's text: its encoding given, or told from a BOM, else UTF-8, else Windows-1252."""

from __future__ import annotations

import codecs

from board.domain.reasons import Reason
from connectors.file_problems import Undecodable


def decode(name: str, data: bytes, encoding: str) -> str:
    """The file's text. ``auto``: a BOM decides, else UTF-8, else cp1252 (Excel's "CSV" on Finnish Windows)."""
    if encoding != "auto":
        return _decode_as(name, data, encoding)
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(name, data, "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        return _decode_as(name, data, "utf-16")
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
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
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
