"""Refuse ``.xlsx`` bombs before openpyxl expands them (issue 19, item 3).

An ``.xlsx`` file is a zip of XML. A small one can hold far more than it
seems: a 617 kB workbook with one huge shared string took the collector to
1.3 GB (openpyxl keeps every shared string in memory), and 40 kB of rows
that each have a cell in column XFD took it to 713 MB in 69 s (openpyxl
pads every row to its last cell, and the board keeps the rows). So before
openpyxl opens a workbook, this looks at it with :mod:`zipfile` only:

* the members' declared uncompressed sizes, one by one and in total, and
  ``xl/sharedStrings.xml`` on its own. The declared size is a real bound:
  :mod:`zipfile`, which openpyxl reads through, never yields more than it
  and fails on the checksum if the data was longer;
* the compression ratio of every member larger than 1 MB (a bomb's XML is
  the same bytes over and over; a real export's sheet compresses about 5–30×);
* the cells each sheet really has: the sheet's XML is streamed in 1 MB
  pieces (never held whole) and every row's width counted as openpyxl will
  pad it, which must stay under :data:`MAX_CELLS`. The sheet's declared
  ``<dimension ref>`` is not judged: the board reads with the declaration
  reset (:mod:`connectors.file_excel`), so it costs nothing, and Excel
  declares the whole height (``A1:F1048576``) whenever a formatted cell sits
  in the last row, as in real exports of a few rows.

The limits are far above real exports (a few MB, a few sheets, tens of
thousands of rows) and well below what would fill ``max_memory_mb``.
"""

from __future__ import annotations

import io
import re
import zipfile

from connectors.file_problems import BadFile

#: A workbook from Excel or a reporting tool has 10–40 members.
MAX_MEMBERS = 1000
#: All members together, uncompressed.
MAX_UNCOMPRESSED_MB = 200
#: ``xl/sharedStrings.xml``, uncompressed: openpyxl holds every shared string in memory at once.
MAX_SHARED_STRINGS_MB = 20
#: Highest compression ratio of a member over :data:`RATIO_FROM_MB` (a real sheet: about 5–30×).
MAX_RATIO = 100
RATIO_FROM_MB = 1
#: Cells of one sheet as openpyxl would make them (rows × their width): 100 000 rows × 50 columns.
MAX_CELLS = 5_000_000

_MB = 1024 * 1024
_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
#: A cell's reference (``r="XFD7"``): its column letters. (Any other element with such an ``r`` only makes the
#: count stricter.)
_COLUMN = re.compile(rb'\sr="([A-Za-z]{1,3})\d')


def check_workbook(name: str, data: bytes) -> None:
    """Raise the files connector's ``BadFile`` naming what is too large, or return when the workbook is safe to open.

    A file that is not a zip at all is left to openpyxl, whose error says so.
    """
    problem = workbook_problem(data)
    if problem:
        raise BadFile(f"file {name} {problem}: it was not opened (a real export is far smaller; save it again "
                      "from the reporting tool, or as CSV)")


def workbook_problem(data: bytes) -> str | None:
    """What makes the workbook too large to open, in words, or None."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            return f"has {len(members)} parts, more than {MAX_MEMBERS}"
        total = sum(m.file_size for m in members)
        if total > MAX_UNCOMPRESSED_MB * _MB:
            return f"would unpack to {_mb(total)}, more than {MAX_UNCOMPRESSED_MB} MB"
        for member in members:
            problem = _member_problem(archive, member)
            if problem:
                return problem
    return None


def _member_problem(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> str | None:
    name = member.filename
    if name.lower() == "xl/sharedstrings.xml" and member.file_size > MAX_SHARED_STRINGS_MB * _MB:
        return f"holds {_mb(member.file_size)} of shared text, more than {MAX_SHARED_STRINGS_MB} MB"
    if member.file_size > RATIO_FROM_MB * _MB:
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_RATIO:
            return (f"has a part ({_short(name)}) packed {_n(round(ratio))} times smaller than it unpacks "
                    f"({_mb(member.file_size)}), more than {MAX_RATIO} times")
    if name.lower().startswith("xl/worksheets/") and name.lower().endswith(".xml"):
        try:
            return _sheet_problem(archive, member)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
            return None  # a broken part: openpyxl says what is wrong
    return None


def _sheet_problem(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> str | None:
    """The cells the sheet's rows really make, streamed in 1 MB pieces.

    openpyxl pads every row to its last cell, so the cells it makes are at most the rows times the highest
    column referenced, plus the cells written without a reference (each takes the next column). Counted over
    each piece with ``bytes.count`` and one regular expression, never a Python step per cell.
    """
    rows = unreferenced = 0
    widest = b""
    tags: tuple[bytes, bytes] | None = None  # "<row" and "<c", with the sheet's XML prefix
    rest = b""
    with archive.open(member) as stream:
        while chunk := stream.read(_MB):
            text = rest + chunk
            cut = text.rfind(b"<")  # a tag may straddle two pieces: keep the last one for the next
            text, rest = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
            if tags is None:
                root = _ROOT.search(text)
                prefix = root.group(1) or b"" if root else b""
                tags = (b"<" + prefix + b"row", b"<" + prefix + b"c")
            # (``<rowBreaks``, ``<cols``, ``<cfRule`` … are counted too: a few, and only ever stricter.)
            rows += text.count(tags[0])
            letters = _COLUMN.findall(text)
            unreferenced += max(text.count(tags[1]) - len(letters), 0)
            if letters:
                widest = max(set(letters) | {widest}, key=lambda c: (len(c), c.upper()))
            if rows * _column(widest) + unreferenced > MAX_CELLS:
                return f"has a sheet ({_short(member.filename)}) of more than {_n(MAX_CELLS)} cells"
    return None


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + (letter - 64)
    return number


def _n(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _mb(size: int) -> str:
    return f"{size / _MB:,.1f} MB".replace(",", " ")


def _short(text: str, limit: int = 40) -> str:
    """A part's name or a reference as the workbook gives it: untrusted, so short and printable only."""
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
