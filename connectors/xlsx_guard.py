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
  pad it, which must stay under :data:`MAX_CELLS` — up to the sheet's last
  row holding a value. Below it, formatted empty cells (Excel writes a cell
  for each when rows were formatted down to row 1 048 576) are not counted
  and never read: :func:`check_workbook` returns each sheet's last row with
  a value, and :mod:`connectors.file_excel` stops there. The sheet's declared
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

from board.domain.reasons import Reason
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
#: A row's number (``<row r="12"``), read from the last row tag before a sheet's last value.
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')

#: What an administrator can do about a workbook refused for its size: most often the data is a few rows and the
#: rest is formatting Excel saved cell by cell (a border or a colour applied to whole columns down to row 1 048 576).
SIZE_ADVICE = ("if the data itself is only a few rows, the sheet has formatted empty rows or columns around it, "
               "which Excel saves cell by cell: delete the empty rows below the data and the empty columns after "
               "it (select them, right-click, Delete), save, and drop the file again; or save it as CSV")


def check_workbook(name: str, data: bytes) -> dict[str, int]:
    """Raise the files connector's ``BadFile`` naming what is too large, or return when the workbook is safe to open:
    then each sheet part's last row that holds a value (``xl/worksheets/sheet1.xml`` → 12), below which nothing is
    to be read.

    A file that is not a zip at all is left to openpyxl, whose error says so.
    """
    problem, last_rows = _inspect(data)
    if problem:
        raise BadFile(Reason("workbook_too_large", f"file {name} {problem}: it was not opened ({SIZE_ADVICE})",
                             file=name, problem=problem))
    return last_rows


def workbook_problem(data: bytes) -> str | None:
    """What makes the workbook too large to open, in words, or None."""
    return _inspect(data)[0]


def _inspect(data: bytes) -> tuple[Reason | None, dict[str, int]]:
    last_rows: dict[str, int] = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, last_rows
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            return Reason("workbook_parts", f"has {len(members)} parts, more than {MAX_MEMBERS}",
                          parts=len(members), limit=MAX_MEMBERS), last_rows
        total = sum(m.file_size for m in members)
        if total > MAX_UNCOMPRESSED_MB * _MB:
            return Reason("workbook_unpacks_to", f"would unpack to {_mb(total)}, more than {MAX_UNCOMPRESSED_MB} MB",
                          size=_mb(total), limit=MAX_UNCOMPRESSED_MB), last_rows
        for member in members:
            problem = _member_problem(archive, member, last_rows)
            if problem:
                return problem, last_rows
    return None, last_rows


def _member_problem(archive: zipfile.ZipFile, member: zipfile.ZipInfo, last_rows: dict[str, int]) -> Reason | None:
    name = member.filename
    if name.lower() == "xl/sharedstrings.xml" and member.file_size > MAX_SHARED_STRINGS_MB * _MB:
        return Reason("workbook_shared_text", f"holds {_mb(member.file_size)} of shared text, more than "
                      f"{MAX_SHARED_STRINGS_MB} MB", size=_mb(member.file_size), limit=MAX_SHARED_STRINGS_MB)
    if member.file_size > RATIO_FROM_MB * _MB:
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_RATIO:
            return Reason("workbook_ratio", f"has a part ({_short(name)}) packed {_n(round(ratio))} times smaller "
                          f"than it unpacks ({_mb(member.file_size)}), more than {MAX_RATIO} times",
                          part=_short(name), ratio=_n(round(ratio)), size=_mb(member.file_size), limit=MAX_RATIO)
    if name.lower().startswith("xl/worksheets/") and name.lower().endswith(".xml"):
        try:
            return _sheet_problem(archive, member, last_rows)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
            return None  # a broken part: openpyxl says what is wrong
    return None


class _Stretch:
    """Rows, cells without a reference and the widest column of a stretch of a sheet's XML."""

    def __init__(self) -> None:
        self.rows = self.unreferenced = 0
        self.widest = b""

    def add(self, text: bytes, tags: tuple[bytes, bytes]) -> None:
        # (``<rowBreaks``, ``<cols``, ``<cfRule`` … are counted too: a few, and only ever stricter.)
        self.rows += text.count(tags[0])
        letters = _COLUMN.findall(text)
        self.unreferenced += max(text.count(tags[1]) - len(letters), 0)
        if letters:
            self.widest = _wider(self.widest, *letters)

    def take(self, other: _Stretch) -> None:
        self.rows += other.rows
        self.unreferenced += other.unreferenced
        self.widest = _wider(self.widest, other.widest)

    def cells(self) -> int:
        return self.rows * _column(self.widest) + self.unreferenced


def _wider(*letters: bytes) -> bytes:
    return max(set(letters), key=lambda c: (len(c), c.upper()))


def _sheet_problem(archive: zipfile.ZipFile, member: zipfile.ZipInfo, last_rows: dict[str, int]) -> Reason | None:
    """The cells the sheet's rows really make up to its last value, streamed in 1 MB pieces.

    openpyxl pads every row to its last cell, so the cells it makes are at most the rows times the highest
    column referenced, plus the cells written without a reference (each takes the next column). Counted over
    each piece with ``bytes.count`` and one regular expression, never a Python step per cell. What follows the
    sheet's last value (``<v>`` or an inline string's ``<is>``) — formatted empty cells, however many — is
    counted apart and only ever joins the count when a value follows it; the sheet's last row with a value goes
    to ``last_rows``, and the board reads no further (:mod:`connectors.file_excel`).
    """
    done, pending = _Stretch(), _Stretch()  # up to the last value seen, and after it
    last_row = 0  # the row holding the last value seen
    row_now = 0  # the last row tag's number so far (or its count, for rows written without r="…")
    tags: tuple[bytes, bytes] | None = None  # "<row" and "<c", with the sheet's XML prefix
    values: tuple[bytes, ...] = ()
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
                values = (b"<" + prefix + b"v>", b"<" + prefix + b"v ", b"<" + prefix + b"is>")
            at = max(text.rfind(tag) for tag in values)
            if at < 0:
                pending.add(text, tags)
                row_now = _row_number(text, tags[0], row_now, done.rows + pending.rows)
                continue
            head, tail = text[:at], text[at:]
            done.take(pending)
            done.add(head, tags)
            last_row = row_now = _row_number(head, tags[0], row_now, done.rows)
            pending = _Stretch()
            pending.add(tail, tags)
            row_now = _row_number(tail, tags[0], row_now, done.rows + pending.rows)
            if done.cells() > MAX_CELLS:
                return Reason("sheet_too_many_cells", f"has a sheet ({_short(member.filename)}) of more than "
                              f"{_n(MAX_CELLS)} cells", sheet=_short(member.filename), limit=_n(MAX_CELLS))
    last_rows[member.filename] = last_row
    return None


def _row_number(text: bytes, tag: bytes, before: int, counted: int) -> int:
    """The number of the last row begun in ``text`` (``before`` when none is); a row tag without its ``r``
    counts as the next row (``counted`` tags so far)."""
    at = text.rfind(tag + b" ")
    if at < 0:
        at = text.rfind(tag + b">")
        return before if at < 0 else max(counted, before + 1)
    end = text.find(b">", at)
    found = _ROW_NUMBER.search(text, at, end if end > 0 else len(text))
    return int(found.group(1)) if found else max(counted, before + 1)


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
