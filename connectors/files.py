"""The files connector: CSV and Excel exports dropped in a folder.

This is the bridge from today's manual routine (someone exports a report and
saves it somewhere) to the board: a person or an export job drops files in
the drop folder and the collector imports them. The *file* is the unit, not
a time window:

* every waiting file is read whole, whatever window the collector asks for:
  a file has no "since", it is imported once and then retired;
* a file is imported **all or nothing**. One unusable row, a missing column,
  a column that looks like a person's name or identity code, or an identity
  code in any cell refuses the whole file. Half a file on the wall would look
  right and be wrong; a refused file is moved to ``rejected/`` at once with a
  ``NAME.reason.txt`` next to it, so whoever made it can fix it and drop it
  again;
* a good file moves to ``processed/`` only when the collector has committed
  its readings (:meth:`FilesConnector.acknowledge`). If the process dies in
  between, the file is read again next time, which the store's key makes
  harmless. A file that changed after it was read stays to be read again.

Only files that have not changed for ``settle_seconds`` are read, and a file
that changes while it is being read is left for the next pull, so a
half-copied export is never imported.

The drop folder is untrusted: anyone who can save a file there can also save
a symbolic link (``env.csv -> /proc/self/environ``), a FIFO or a hard link to
a file elsewhere. Only regular files with a single link are opened, and they
are opened without following links (``O_NOFOLLOW``) and checked again on the
open descriptor, so a swap between listing and reading is caught too.
Anything else that matches the patterns is refused unread and moved to
``rejected/`` with its reason.
"""

from __future__ import annotations

import codecs
import csv
import errno
import fnmatch
import io
import itertools
import logging
import os
import re
import shutil
import stat
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from board.domain.privacy import HETU
from board.domain.reading import PullItem, Reading, Rejected, RowsRead
from board.domain.timeutil import ensure_utc
from board.secrets import redact
from board.settings import PROJECT_DIR
from board.source_settings import FilesSource
from connectors.base import CheckResult
from connectors.errors import ConfigurationError, ConnectorError, TransientError
from connectors.mapping import RecordError, RecordMapper, quote

log = logging.getLogger(__name__)

#: How many problems a reason file lists (the count covers them all).
MAX_LISTED_PROBLEMS = 100
#: Separators ``delimiter: auto`` chooses from; a tie goes to the first (Finnish Excel writes ``;``).
DELIMITERS = (";", ",", "\t", "|")
#: Files still being written by a copy or download tool.
UNFINISHED_SUFFIXES = (".tmp", ".part")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
REASON_SUFFIX = ".reason.txt"
IDENTITY_CODE_REMOVED = "(identity code removed)"


class BadFile(Exception):
    """The file as a whole cannot be read: its encoding, its CSV syntax, not a workbook, no such sheet."""


class TooLarge(BadFile):
    """A file over ``max_file_mb``: refused having read at most the limit and one byte of it."""

    def __init__(self, name: str, size: int, limit_mb: float) -> None:
        super().__init__(f"file {name} is {_mb(size)}, more than max_file_mb ({limit_mb:g} MB): it was not read "
                         "(split the export into smaller files, or raise max_file_mb in sources.yaml)")


@dataclass(frozen=True)
class Stamp:
    """Size and modification time: enough to tell that a file changed since it was read."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Stamp:
        st = path.lstat()  # of the entry itself: a file swapped for a link has changed
        return cls(st.st_size, st.st_mtime_ns)


@dataclass
class Table:
    """A file's header and non-empty rows, each with the number its author sees in an editor or Excel."""

    header: list[str]
    rows: list[tuple[int, list[Any]]]
    unit: str  # "line" (CSV, as a text editor counts) or "row" (Excel)


@dataclass
class Outcome:
    """What one file holds: its readings, or the problems that refuse it."""

    name: str
    rows: int = 0
    readings: list[Reading] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the first MAX_LISTED_PROBLEMS, as listed in the reason file
    problem_count: int = 0
    kind: str = "data"  # of the first problem: "data" or "configuration"
    first: str = ""  # the first problem as a sentence naming the file

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, message: str, where: str | None = None, kind: str = "data") -> None:
        """One problem; ``where`` is "line 40" / "row 40", or None for the file as a whole (message names it)."""
        if self.problem_count == 0:
            self.first = f"file {self.name} {where}: {message}" if where else message
            self.kind = kind
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(f"{where}: {message}" if where else message)

    def summary(self, note: str | None = None) -> str:
        """One line for the run record: the first problem, how many more, and ``note``."""
        notes = []
        more = self.problem_count - 1
        if more > 0:
            notes.append(f"and {more} more problem{'s' if more > 1 else ''}")
        if note:
            notes.append(note)
        return scrub(self.first + (f" ({'; '.join(notes)})" if notes else ""))


# ------------------------------------------------------------------ the connector
class FilesConnector:
    """Imports the CSV and Excel files waiting in one drop folder."""

    def __init__(self, source: FilesSource, stations: list[str]) -> None:
        self.name = source.name
        self.source = source
        self.stations = list(stations)
        folder = Path(source.folder)
        self.folder = folder if folder.is_absolute() else PROJECT_DIR / folder
        self.processed = self.folder / source.processed_folder
        self.rejected = self.folder / source.rejected_folder
        #: Files the last pull read whole and yielded, to retire once the collector has committed them.
        self._pending: list[tuple[Path, Stamp]] = []

    # -- the contract
    def pull(self, since: datetime | None, until: datetime) -> Iterator[PullItem]:
        """The readings of every waiting file, oldest first; one Rejected per refused file; after each file
        read, ``RowsRead`` with its data rows (the run ledger).

        ``since`` is ignored: the file is the unit, and every waiting file is
        read whole (it leaves the folder once imported, so nothing is read
        twice). Refused files move to ``rejected/`` at once; good files wait
        for :meth:`acknowledge`. A new pull (a retry) forgets what an
        unacknowledged one read, as that run was not committed.
        """
        self._pending = []
        mapper = RecordMapper(self.source.mapping, self.stations, ensure_utc(until), what="column")
        waiting, _unsettled, unsafe = self._waiting()
        for path, what in unsafe:
            yield Rejected(self._refuse_unread(path, what), rows=0)
        for path in waiting:
            yield from self._import(path, mapper)

    def acknowledge(self) -> None:
        """The last pull is committed: move its files to ``processed/``, unless one changed since it was read.

        A changed file stays in the folder and is read again by the next pull:
        its new content is what counts. A move that fails leaves the file to be
        read again too (harmless: the store's key de-duplicates).
        """
        pending, self._pending = self._pending, []
        for path, stamp in pending:
            try:
                if Stamp.of(path) != stamp:
                    log.info("source %s: %s changed after it was read; it stays and is read again", self.name,
                             scrub(path.name))
                    continue
                target = _move(path, self.processed)
            except FileNotFoundError:
                continue  # someone took it away: nothing to retire
            except OSError as e:
                log.warning("source %s: could not move %s to %s (%s); it will be read again", self.name,
                            scrub(path.name), self.processed, _os_reason(e))
                continue
            log.info("source %s: imported %s (now %s)", self.name, scrub(path.name), scrub(target.name))

    def check(self, until: datetime) -> CheckResult:
        """Is the folder there, and would the oldest waiting file be imported? Moves nothing; never raises."""
        try:
            return self._check(ensure_utc(until))
        except ConnectorError as e:
            return CheckResult(False, e.kind, scrub(str(e)))
        except Exception as e:  # a check must answer, whatever happens
            return CheckResult(False, "error", scrub(f"{type(e).__name__}: {e}"))

    # -- pieces
    def _check(self, until: datetime) -> CheckResult:
        waiting, unsettled, unsafe = self._waiting()
        if unsafe:
            path, what = unsafe[0]
            more = f" (and {_files(len(unsafe) - 1)} more)" if len(unsafe) > 1 else ""
            return CheckResult(False, "data", scrub(f"file {path.name} {unsafe_reason(what)}{more}"))
        if not waiting:
            message = (f"drop folder {self.folder} reachable; no files waiting ({_count_files(self.processed)} "
                       f"processed, {_count_files(self.rejected, skip_suffix=REASON_SUFFIX)} refused so far)")
            if unsettled:
                message += (f"; {_files(unsettled)} changed less than {self.source.settle_seconds:g} s ago "
                            "(still being written?)")
            return CheckResult(True, "ok", message)
        oldest = waiting[0]
        try:
            data, _stamp = read_regular_file(oldest, self.source.max_file_mb)
        except TooLarge as e:
            return CheckResult(False, "data", scrub(str(e)))
        except NotRegular as e:
            return CheckResult(False, "data", scrub(f"file {oldest.name} {unsafe_reason(e.what)}"))
        except OSError as e:
            return CheckResult(False, "transient", scrub(f"file {oldest.name} could not be read ({_os_reason(e)})"))
        mapper = RecordMapper(self.source.mapping, self.stations, until, what="column")
        outcome = read_file(oldest.name, data, self.source, mapper)
        if not outcome.ok:
            return CheckResult(False, outcome.kind, outcome.summary())
        return CheckResult(True, "ok", scrub(f"{_files(len(waiting))} waiting; oldest {oldest.name}: "
                                             f"{outcome.rows} rows → {len(outcome.readings)} readings"))

    def _waiting(self) -> tuple[list[Path], int, list[tuple[Path, str]]]:
        """Files to import (oldest first, then by name), how many more are too fresh to read yet, and the
        entries matching the patterns that are not plain files (links, FIFOs, devices), with what they are.

        Every entry is looked at with ``lstat``: nothing here follows a link or opens a file.
        """
        try:
            mode = self.folder.stat().st_mode
        except FileNotFoundError:
            raise ConfigurationError(f"drop folder {self.folder} does not exist (folder in sources.yaml)") from None
        except OSError as e:
            raise TransientError(f"drop folder {self.folder} could not be reached ({_os_reason(e)})") from None
        if not stat.S_ISDIR(mode):
            raise ConfigurationError(f"drop folder {self.folder} is not a folder (folder in sources.yaml)")
        try:
            entries = list(os.scandir(self.folder))
        except OSError as e:
            raise TransientError(f"drop folder {self.folder} could not be listed ({_os_reason(e)})") from None
        now = time.time()
        found: list[tuple[int, str, Path]] = []
        unsafe: list[tuple[Path, str]] = []
        unsettled = 0
        for entry in entries:
            if not self._wanted(entry.name):
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
            if now - st.st_mtime < self.source.settle_seconds:
                unsettled += 1
                continue
            found.append((st.st_mtime_ns, entry.name, Path(entry.path)))
        found.sort()
        unsafe.sort(key=lambda item: item[0].name)
        return [path for _mtime, _name, path in found], unsettled, unsafe

    def _wanted(self, name: str) -> bool:
        """Matches ``patterns`` (case-insensitively, as Windows users expect) and is not hidden, a lock or partial."""
        lower = name.lower()
        if lower.startswith((".", "~$")) or lower.endswith((*UNFINISHED_SUFFIXES, REASON_SUFFIX)):
            return False
        return any(fnmatch.fnmatchcase(lower, pattern.lower()) for pattern in self.source.patterns)

    def _import(self, path: Path, mapper: RecordMapper) -> Iterator[PullItem]:
        """One file: all its readings (and remember it for acknowledge), or one Rejected (and move it away)."""
        try:
            read = _read_unchanged(path, self.source.max_file_mb)
        except FileNotFoundError:
            return  # taken away since the listing
        except TooLarge as e:  # refused whole, like any other bad file; the others still load
            (outcome := Outcome(path.name)).add(str(e))
            yield Rejected(self._refuse(path, outcome), rows=0)  # refused unread: no row was read
            return
        except NotRegular as e:  # swapped for a link or a FIFO since the listing: refuse it unread
            yield Rejected(self._refuse_unread(path, e.what), rows=0)
            return
        except OSError as e:  # e.g. still open in Excel on Windows: not the file's fault, try again later
            yield Rejected(scrub(f"file {path.name} could not be read ({_os_reason(e)}); it stays in the folder "
                                 "and is tried again"), rows=0)
            return
        if read is None:
            log.info("source %s: %s changed while being read; it is read next time", self.name, scrub(path.name))
            return
        data, stamp = read
        outcome = read_file(path.name, data, self.source, mapper)
        if outcome.ok:
            yield from outcome.readings
            self._pending.append((path, stamp))
        else:
            yield Rejected(self._refuse(path, outcome), rows=outcome.rows)  # all or nothing: every row refused
        yield RowsRead(outcome.rows)

    def _refuse_unread(self, path: Path, what: str) -> str:
        """Move an entry that is not a plain file (never opened) to ``rejected/``; the reason for the run record.

        ``os.rename`` moves the link (or FIFO) itself, never what it points to.
        """
        reason = f"file {path.name} {unsafe_reason(what)}"
        try:
            self.rejected.mkdir(parents=True, exist_ok=True)
            target = _free_path(self.rejected, path.name, REASON_SUFFIX)
            os.rename(path, target)
        except FileNotFoundError:
            return scrub(reason + "; it has gone from the folder")
        except OSError as e:
            log.warning("source %s: could not move refused %s to %s (%s)", self.name, scrub(path.name),
                        self.rejected, _os_reason(e))
            return scrub(f"{reason}; could not move it to {self.source.rejected_folder}/ ({_os_reason(e)}), "
                         "remove it from the drop folder")
        reason_file = target.with_name(target.name + REASON_SUFFIX)
        try:
            reason_file.write_text(scrub(
                f"The board refused {path.name} from source {self.name} at {datetime.now(UTC):%Y-%m-%d %H:%M} "
                f"UTC without reading it: it {unsafe_reason(what)}.\n"), encoding="utf-8")
        except OSError as e:
            log.warning("source %s: could not write %s (%s)", self.name, scrub(reason_file.name), _os_reason(e))
        log.warning("source %s: refused %s unread: %s", self.name, scrub(path.name), what)
        return scrub(f"{reason} (see {self.source.rejected_folder}/{reason_file.name})")

    def _refuse(self, path: Path, outcome: Outcome) -> str:
        """Move a refused file to ``rejected/`` with its reason file; the reason for the run record."""
        try:
            target = _move(path, self.rejected, companion=REASON_SUFFIX)
        except OSError as e:
            log.warning("source %s: could not move refused %s to %s (%s)", self.name, scrub(path.name),
                        self.rejected, _os_reason(e))
            return outcome.summary(f"could not move it to {self.source.rejected_folder}/: {_os_reason(e)}; "
                                   "it is read again next time")
        reason_file = target.with_name(target.name + REASON_SUFFIX)
        try:
            reason_file.write_text(_reason_text(path.name, target.name, self.name, outcome), encoding="utf-8")
        except OSError as e:
            log.warning("source %s: could not write %s (%s)", self.name, scrub(reason_file.name), _os_reason(e))
        log.warning("source %s: refused %s: %s", self.name, scrub(path.name), outcome.summary())
        return outcome.summary(f"see {self.source.rejected_folder}/{reason_file.name}")


# ------------------------------------------------------------------ one file
def read_file(name: str, data: bytes, source: FilesSource, mapper: RecordMapper) -> Outcome:
    """Every row of one file mapped to readings; any problem empties ``readings`` (all or nothing)."""
    outcome = Outcome(name)
    try:
        table = _excel_table(name, data, source.sheet) if _is_excel(name) else _csv_table(name, data, source)
    except BadFile as e:
        outcome.add(str(e))
        return outcome
    if not table.header:
        return outcome  # an empty file: nothing to import, nothing wrong
    keys, repeated = _column_keys(table.header)
    ambiguous = sorted(set(repeated) & mapper.mapped_fields())
    if ambiguous:
        outcome.add(f"column {', '.join(quote(c) for c in ambiguous)} appears more than once in file {name}; "
                    "give each column its own name", kind="configuration")
        return outcome
    try:
        mapper.check_columns(keys, source_name=f"file {name}")
    except ConnectorError as e:
        outcome.add(str(e), kind=e.kind)
        return outcome
    mapper.begin(rows_in_order=True)  # a file is read whole, in its own order
    for number, values in table.rows:
        outcome.rows += 1
        try:
            outcome.readings.extend(mapper.map(_record(keys, values, table.unit)))
        except RecordError as e:
            outcome.add(str(e), f"{table.unit} {number}")
    if not outcome.ok:
        outcome.readings.clear()
    return outcome


def _is_excel(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(".xls"):  # a binary format openpyxl cannot read; read as CSV it would be gibberish
        raise BadFile(f"file {name} is in the old Excel format (.xls); save it as .xlsx or CSV")
    return lower.endswith(EXCEL_SUFFIXES)


def _column_keys(header: Sequence[str]) -> tuple[list[str], list[str]]:
    """Unique record keys for the header, and the names that repeat.

    An unnamed column becomes ``(column N)`` and a repeated name
    ``Name (column N)``: they cannot be mapped, but their cells are still
    checked for identity codes.
    """
    keys: list[str] = []
    repeated: list[str] = []
    for number, name in enumerate(header, start=1):
        key = name or f"(column {number})"
        if key in keys:
            repeated.append(name)
            key = f"{name} (column {number})"
        keys.append(key)
    return keys, repeated


def _record(keys: list[str], values: list[Any], unit: str) -> dict[str, Any]:
    """A row as a mapping; values beyond the header are an error (in a CSV, usually an unquoted separator)."""
    used = len(values)
    while used > len(keys) and _blank(values[used - 1]):
        used -= 1
    if used > len(keys):
        if unit == "line":
            raise RecordError(f"{used} fields but the header has {len(keys)} (is a value containing the separator "
                              "not quoted, or a decimal comma in a comma-separated file?)")
        raise RecordError(f"a value in column {used}, which has no header (the header has {len(keys)} columns)")
    return {key: values[i] if i < len(values) else None for i, key in enumerate(keys)}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ------------------------------------------------------------------ CSV
def _csv_table(name: str, data: bytes, source: FilesSource) -> Table:
    """Header and rows of a CSV file; line numbers as a text editor shows them (the header is line 1)."""
    text = _decode(name, data, source.encoding)
    delimiter = _delimiter(text) if source.delimiter == "auto" else source.delimiter
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    last_line = 0
    try:
        for fields in reader:
            line, last_line = last_line + 1, reader.line_num  # a quoted value may span lines: number its first
            if all(not f.strip() for f in fields):
                continue  # an empty line, or Excel's ';;;' for an empty row
            if header is None:
                header = [f.replace("\ufeff", "").strip() for f in fields]
            else:
                rows.append((line, list(fields)))
    except csv.Error as e:
        raise BadFile(f"file {name} is not valid CSV at line {reader.line_num}: {e}") from None
    return Table(header or [], rows, "line")


def _decode(name: str, data: bytes, encoding: str) -> str:
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
        raise BadFile(f"file {name} is neither UTF-8 nor Windows-1252 (cp1252) text (line "
                      f"{_line_of(data, e.start)}); save it again as CSV UTF-8") from None


def _decode_as(name: str, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise BadFile(f"file {name} is not valid {encoding} text (line {_line_of(data, e.start)}); save it again "
                      "as CSV UTF-8, or set encoding in sources.yaml") from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _delimiter(text: str) -> str:
    """The separator that splits the header line into the most fields (a tie goes to ``;``)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals


# ------------------------------------------------------------------ Excel
def _excel_table(name: str, data: bytes, sheet: str | int) -> Table:
    """Header (first non-empty row) and rows of one sheet; row numbers as Excel shows them."""
    import openpyxl  # only a source with Excel files pays for the import

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # zipfile, XML and openpyxl errors alike mean: not a workbook we can read
        raise BadFile(f"file {name} is not a readable Excel workbook ({_short(e)}); save it again as .xlsx "
                      "or CSV") from None
    try:
        worksheet = _sheet(name, workbook, sheet)
        worksheet.reset_dimensions()  # some exporters write a wrong used range; read every row there is
        header: list[str] | None = None
        rows: list[tuple[int, list[Any]]] = []
        for number, cells in enumerate(worksheet.iter_rows(), start=1):
            values = [_cell_value(c) for c in cells]
            if all(_blank(v) for v in values):
                continue
            if header is None:
                header = ["" if v is None else str(v).replace("\ufeff", "").strip() for v in values]
            else:
                rows.append((number, values))
    except BadFile:
        raise
    except Exception as e:
        raise BadFile(f"file {name}: the sheet could not be read ({_short(e)})") from None
    finally:
        workbook.close()
    return Table(header or [], rows, "row")


def _sheet(name: str, workbook: Any, sheet: str | int) -> Any:
    names = list(workbook.sheetnames)
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise BadFile(f"file {name} has no sheet number {sheet} (counted from 0); its sheets are: "
                          f"{', '.join(repr(n) for n in names)} (sheet in sources.yaml)")
        chosen = workbook[names[sheet]]
    elif sheet in names:
        chosen = workbook[sheet]
    else:
        raise BadFile(f"file {name} has no sheet {sheet!r}; its sheets are: {', '.join(repr(n) for n in names)} "
                      "(sheet in sources.yaml)")
    if not hasattr(chosen, "iter_rows"):
        raise BadFile(f"sheet {chosen.title!r} in file {name} is a chart, not a table")
    return chosen


_QUOTED_OR_LOCALE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _cell_value(cell: Any) -> Any:
    """A cell's value; a date cell formatted without a time is a date (a daily total), as in a CSV."""
    value = cell.value
    if isinstance(value, datetime) and not (value.hour or value.minute or value.second or value.microsecond):
        shown = _QUOTED_OR_LOCALE.sub("", cell.number_format or "").lower()
        if "h" not in shown and "s" not in shown:
            return value.date()
    return value


# ------------------------------------------------------------------ files on disk
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


def _read_unchanged(path: Path, max_mb: float | None = None) -> tuple[bytes, Stamp] | None:
    """The file's bytes and stamp, or None when it changed while being read (still being written)."""
    data, before = read_regular_file(path, max_mb)
    return (data, before) if Stamp.of(path) == before else None


def _move(path: Path, directory: Path, companion: str = "") -> Path:
    """Move ``path`` into ``directory`` without overwriting: a taken name gets a UTC timestamp before its suffix.

    ``companion`` is the suffix of a file that will sit next to the moved one
    (the reason file): its name must be free too.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = _free_path(directory, path.name, companion)
    shutil.move(os.fspath(path), os.fspath(target))
    return target


def _free_path(directory: Path, name: str, companion: str = "") -> Path:
    def taken(candidate: Path) -> bool:
        return candidate.exists() or (bool(companion) and candidate.with_name(candidate.name + companion).exists())

    first = directory / name
    if not taken(first):
        return first
    stem, suffix = Path(name).stem, Path(name).suffix
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in itertools.count(1):
        candidate = directory / f"{stem}.{stamp}{'' if n == 1 else f'-{n}'}{suffix}"
        if not taken(candidate):
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def _count_files(directory: Path, skip_suffix: str = "") -> int:
    try:
        return sum(1 for e in os.scandir(directory)
                   if e.is_file() and not (skip_suffix and e.name.lower().endswith(skip_suffix)))
    except OSError:
        return 0


def _reason_text(original: str, stored: str, source: str, outcome: Outcome) -> str:
    """The reason file: written for whoever made the export, who may not see the board's run log."""
    listed = "\n".join(outcome.problems)
    unlisted = outcome.problem_count - len(outcome.problems)
    more = f"\n… and {unlisted} more problems not listed here" if unlisted > 0 else ""
    moved = f" (stored here as {stored})" if stored != original else ""
    count = f"{outcome.problem_count} problem{'s' if outcome.problem_count != 1 else ''}"
    return scrub(
        f"The board refused the file {original}{moved} from source {source} at "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n"
        "Nothing in it was imported: a file is taken whole or not at all.\n\n"
        f"{count}:\n{listed}{more}\n\n"
        "Fix the file and save it in the drop folder again; it is then read from the start.\n")


# ------------------------------------------------------------------ messages
def scrub(text: str) -> str:
    """A message with anything that looks like a personal identity code removed (file names can hold one too),
    and every known secret masked (a file's content may quote one)."""
    return redact(HETU.sub(IDENTITY_CODE_REMOVED, text))


def _os_reason(error: OSError) -> str:
    return f"{type(error).__name__}: {error.strerror or error}"


def _short(error: BaseException, limit: int = 120) -> str:
    text = redact(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB".replace(",", " ")


def _files(n: int) -> str:
    return f"{n} file{'s' if n != 1 else ''}"


__all__ = ["FilesConnector", "read_file"]
