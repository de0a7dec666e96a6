"""The files connector: CSV and Excel exports dropped in a folder.

This is the bridge from today's manual routine (someone exports a report and
saves it somewhere) to the board: a person or an export job drops files in
the drop folder and the collector imports them. The *file* is the unit, not
a time window:

* every waiting file is read whole, whatever window the collector asks for:
  a file has no "since", it is imported once and then retired;
* a file's good rows load and each bad row is refused alone, with its line
  and reason (``on_bad_row: refuse_row``); ``refuse_file`` keeps the old
  all-or-nothing rule (half a file on the wall can look right and be
  wrong: some sites prefer nothing). A problem with the file as a whole (not
  decodable, a mapped column missing, a column that looks like a person's
  name or identity code) refuses the file whole, and so does a file whose
  every row is refused: it is moved to ``rejected/`` at once with a
  ``NAME.reason.txt`` next to it, so whoever made it can fix it and drop it
  again. Two rows with the same station, metric and time never let the last
  one win silently: an identical repeat is taken once, different values
  refuse both;
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
import contextlib
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
import sys
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from board.domain.privacy import HETU, redact_identity_codes
from board.domain.reading import ONE_ROW, Duplicate, Ignored, PullItem, Reading, Rejected, RowsRead
from board.domain.reasons import Reason, map_text, reason_of
from board.domain.timeutil import HELSINKI, ensure_utc
from board.secrets import redact
from board.settings import PROJECT_DIR
from board.source_settings import FilesSource
from connectors.base import CheckResult
from connectors.errors import ConfigurationError, ConnectorError, TransientError
from connectors.items import ItemMapper, mapper_for
from connectors.mapping import IDENTITY_CODE_REASON, RecordError, RecordMapper, any_identity_code, quote
from connectors.repeats import DUPLICATE_NOTE, RepeatGuard, both_refused_reason, where_words
from connectors.table_shape import cell_text, find_header, trailer_reasons
from connectors.xlsx_guard import check_workbook

log = logging.getLogger(__name__)

#: How many problems a reason file lists (the count covers them all).
MAX_LISTED_PROBLEMS = 100
#: Separators ``delimiter: auto`` chooses from; a tie goes to the first (Finnish Excel writes ``;``).
DELIMITERS = (";", ",", "\t", "|")
#: Files still being written by a copy or download tool.
UNFINISHED_SUFFIXES = (".tmp", ".part")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
REASON_SUFFIX = ".reason.txt"
#: A file whose last line has no line end is taken as possibly half-written for this many times settle_seconds.
UNTERMINATED_GRACE_FACTOR = 10
#: How long a file moved to processed/ is watched for a writer that goes on writing into it (seconds).
RETIRED_WATCH_SECONDS = 900
IDENTITY_CODE_REMOVED = "(identity code removed)"


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
        super().__init__(Reason("file_too_big", f"file {name} is {_mb(size)}, more than max_file_mb ({limit_mb:g} "
                                "MB): it was not read (split the export into smaller files, or raise max_file_mb in "
                                "sources.yaml)", file=name, size=_mb(size), limit=limit_mb))


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
    #: Non-empty lines above the header (a title, report parameters): not data, but checked for identity codes.
    above: list[tuple[int, list[Any]]] = field(default_factory=list)


@dataclass
class Outcome:
    """What one file holds: its readings, or the problems that refuse it."""

    name: str
    rows: int = 0
    readings: list[Reading] = field(default_factory=list)
    #: How many of ``readings`` each stored row gave, in order (the ledger counts rows one by one).
    row_sizes: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the first MAX_LISTED_PROBLEMS, as listed in the reason file
    problem_count: int = 0
    kind: str = "data"  # of the first problem: "data" or "configuration"
    first: str = ""  # the first problem as a sentence naming the file
    #: Rows refused one by one (``on_bad_row: refuse_row``): (where, reason), in the file's order.
    refused: list[tuple[str, str]] = field(default_factory=list)
    #: Rows deliberately left out (a totals row, a note, a repeat of an identical row): (where, reason).
    ignored: list[tuple[str, str]] = field(default_factory=list)
    #: Rows that repeat an identical row already read (a subset of ``ignored``).
    duplicates: int = 0
    #: Where the file holds a personal identity code: it is never kept on disk with it (see _scrub_file).
    identity_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No problem with the file as a whole (its good rows load; refused rows are listed apart)."""
        return self.problem_count == 0

    @property
    def all_rows_refused(self) -> bool:
        """Every data row was refused and none stored: the file goes back whole, like a refused file."""
        return bool(self.refused) and not self.readings

    def add(self, message: str, where: str | None = None, kind: str = "data") -> None:
        """One problem; ``where`` is "line 40" / "row 40", or None for the file as a whole (message names it)."""
        if self.problem_count == 0:
            self.first = at_line(self.name, where, message) if where else message
            self.kind = kind
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(f"{where}: {message}" if where else message)

    def summary(self, note: str | None = None) -> str:
        """One line for the run record: the first problem, how many more, and ``note``."""
        if self.problem_count == 0 and self.refused:  # every row refused one by one
            where, reason = self.refused[0]
            n = len(self.refused)
            rows = f"{n} row{'s' if n != 1 else ''}"
            said = Reason("every_row_refused", f"file {self.name}: every row refused ({rows}), first {where}: {reason}",
                          file=self.name, rows=n, unit=_unit_of(where), line=_number_of(where), reason=reason)
            return map_text(_with_note(said, note) if note else said, scrub)
        said = self.first
        more = self.problem_count - 1
        if more > 0 and note:
            said = Reason("more_problems_note", f"{said} (and {more} more problem{'s' if more > 1 else ''}; {note})",
                          reason=said, n=more, note=note)
        elif more > 0:
            said = Reason("more_problems", f"{said} (and {more} more problem{'s' if more > 1 else ''})",
                          reason=said, n=more)
        elif note:
            said = _with_note(said, note)
        return map_text(said, scrub)


# ------------------------------------------------------------------ the connector
class FilesConnector:
    """Imports the CSV and Excel files waiting in one drop folder."""

    def __init__(self, source: FilesSource, stations: list[str] | Mapping[str, Sequence[str]]) -> None:
        self.name = source.name
        self.source = source
        #: The codes, or code -> (name, municipality) so that names as people write them match too.
        self.stations = stations if isinstance(stations, Mapping) else list(stations)
        folder = Path(source.folder)
        self.folder = folder if folder.is_absolute() else PROJECT_DIR / folder
        self.processed = self.folder / source.processed_folder
        self.rejected = self.folder / source.rejected_folder
        #: Files the last pull read whole and yielded, to retire once the collector has committed them.
        self._pending: list[tuple[Path, Stamp, Outcome]] = []
        #: Files moved to processed/ lately: (where now, name it came with, its stamp then, when moved, monotonic).
        #: A writer that paused longer than settle_seconds may still be writing into one (see _reclaim_grown).
        self._retired: list[tuple[Path, str, Stamp, float]] = []

    # -- the contract
    def pull(self, since: datetime | None, until: datetime) -> Iterator[PullItem]:
        """The readings of every waiting file, oldest first; one Rejected per refused file; ``ONE_ROW`` after
        each stored row's readings and one ``RowsRead`` for a file's other rows (the run ledger, row by row).

        ``since`` is ignored: the file is the unit, and every waiting file is
        read whole (it leaves the folder once imported, so nothing is read
        twice). Refused files move to ``rejected/`` at once; good files wait
        for :meth:`acknowledge`. A new pull (a retry) forgets what an
        unacknowledged one read, as that run was not committed.
        """
        self._pending = []
        self._reclaim_grown()
        mapper = mapper_for(self.source, self.stations, ensure_utc(until), what="column")
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
        for path, stamp, outcome in pending:
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
            note = self._scrub_file(target, outcome)
            if outcome.refused or outcome.ignored:
                self._write_reason(target, _rows_text(path.name, target.name, self.name, outcome) + note)
            if not outcome.identity_lines:  # (a copy rewritten without its identity codes is not the writer's)
                with contextlib.suppress(OSError):
                    self._retired.append((target, path.name, Stamp.of(target), time.monotonic()))

    def carried(self) -> list[tuple[Path, str, Stamp, float]]:
        """What the next pull must remember when pulls run in worker processes (:mod:`connectors.isolated`):
        the files retired lately, watched for a writer that goes on writing (``time.monotonic`` is the
        machine's, so the times stay right in another process)."""
        return list(self._retired)

    def carry_on(self, retired: list[tuple[Path, str, Stamp, float]]) -> None:
        """Take over what the previous pull's worker remembered (see :meth:`carried`)."""
        self._retired = list(retired)

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
        mapper = mapper_for(self.source, self.stations, until, what="column")
        outcome = read_file(oldest.name, data, self.source, mapper)
        if not outcome.ok:
            return CheckResult(False, outcome.kind, outcome.summary())
        message = (f"{_files(len(waiting))} waiting; oldest {oldest.name}: {outcome.rows} rows → "
                   f"{len(outcome.readings)} readings")
        if outcome.refused:
            where, reason = outcome.refused[0]
            return CheckResult(False, "data", scrub(
                f"file {oldest.name} {where}: {reason} ({len(outcome.refused)} of {outcome.rows} rows would be "
                f"refused, {len(outcome.readings)} readings otherwise; {_files(len(waiting))} waiting)"))
        if outcome.ignored:
            message += f"; {len(outcome.ignored)} rows ignored (first {outcome.ignored[0][0]}: {outcome.ignored[0][1]})"
        return CheckResult(True, "ok", scrub(message))

    def _waiting(self) -> tuple[list[Path], int, list[tuple[Path, str]]]:
        """Files to import (oldest first, then by name), how many more are too fresh to read yet, and the
        entries matching the patterns that are not plain files (links, FIFOs, devices), with what they are.

        Every entry is looked at with ``lstat``: nothing here follows a link or opens a file.
        """
        try:
            mode = self.folder.stat().st_mode
        except FileNotFoundError:
            raise ConfigurationError(Reason("folder_missing", f"drop folder {self.folder} does not exist (folder in "
                                            "sources.yaml)", folder=str(self.folder))) from None
        except OSError as e:
            raise TransientError(Reason("folder_unreachable", f"drop folder {self.folder} could not be reached "
                                        f"({_os_reason(e)})", folder=str(self.folder), detail=_os_reason(e))) from None
        if not stat.S_ISDIR(mode):
            raise ConfigurationError(f"drop folder {self.folder} is not a folder (folder in sources.yaml)")
        try:
            entries = list(os.scandir(self.folder))
        except OSError as e:
            raise TransientError(Reason("folder_unreachable", f"drop folder {self.folder} could not be listed "
                                        f"({_os_reason(e)})", folder=str(self.folder), detail=_os_reason(e))) from None
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

    def _import(self, path: Path, mapper: RecordMapper | ItemMapper) -> Iterator[PullItem]:
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
            yield Rejected(map_text(Reason("file_unreadable", f"file {path.name} could not be read ({_os_reason(e)}); "
                                           "it stays in the folder and is tried again", file=path.name,
                                           detail=_os_reason(e)), scrub), rows=0)
            return
        if read is None:
            log.info("source %s: %s changed while being read; it is read next time", self.name, scrub(path.name))
            return
        data, stamp = read
        held = _unterminated_tail(data) if self._young(stamp) else None
        if held is not None:  # the last line may be half-written: read the lines before it, keep the file
            data, line = held
        outcome = read_file(path.name, data, self.source, mapper)
        if not outcome.ok and outcome.rows == 0 and data.startswith(b"PK") and self._young(stamp):
            # A workbook is a zip with its directory at the end: one cut short by a writer that paused is not
            # readable yet. Left for the next pull, not refused, until it is older than the grace.
            log.info("source %s: %s cannot be read as a workbook yet (still being written?); it is read again",
                     self.name, scrub(path.name))
            return
        if held is not None and outcome.ok:
            yield from _row_events(path.name, outcome, Rejected(map_text(Reason(
                "unterminated_last_line",
                f"file {path.name} line {line}: the last line has no line end and the file changed less than "
                f"{self._grace():g} s ago: it may be half-written, so it was not read; the file stays in the folder "
                "and is read again (a writer still at work, or paused for longer than settle_seconds)",
                file=path.name, line=line, seconds=self._grace()), scrub)))
            return  # not retired: read again whole once it is complete (or older than the grace)
        if not outcome.ok:  # the file as a whole: every data row of it refused
            yield Rejected(self._refuse(path, outcome), rows=outcome.rows)
            yield RowsRead(outcome.rows)
            return
        yield from _row_events(path.name, outcome)
        if outcome.all_rows_refused:  # nothing of it could be used: back to whoever made it, whole
            self._refuse(path, outcome)
        else:
            self._pending.append((path, stamp, outcome))

    def _grace(self) -> float:
        """How long after its last change a file whose last line has no line end is taken as possibly half-written:
        ten times ``settle_seconds`` (50 s by default; 0 turns it off with settle_seconds: 0)."""
        return UNTERMINATED_GRACE_FACTOR * self.source.settle_seconds

    def _young(self, stamp: Stamp) -> bool:
        return time.time() - stamp.mtime_ns / 1e9 < self._grace()

    def _reclaim_grown(self) -> None:
        """Move a file that changed in ``processed/`` after it was retired back into the folder, to be read again.

        Why: a writer that pauses longer than ``settle_seconds`` (a report job between two queries) leaves a file
        that looks finished; it is imported and moved, and the writer, still holding it open, goes on writing
        into ``processed/`` where nothing reads. Watching what was retired lately and taking back what grew loses
        none of those rows (the store's key makes re-reading the first part harmless). Kept in memory for
        :data:`RETIRED_WATCH_SECONDS`: a collector restart forgets it.
        """
        keep: list[tuple[Path, str, Stamp, float]] = []
        now = time.monotonic()
        for target, name, stamp, moved in self._retired:
            if now - moved > RETIRED_WATCH_SECONDS:
                continue
            try:
                if Stamp.of(target) == stamp:
                    keep.append((target, name, stamp, moved))
                    continue
                back = _free_path(self.folder, name)
                os.rename(target, back)
            except FileNotFoundError:
                continue  # taken away: nothing to watch
            except OSError as e:
                log.warning("source %s: %s changed after it was imported, but could not be moved back (%s)",
                            self.name, scrub(target.name), _os_reason(e))
                keep.append((target, name, Stamp.of(target) if target.exists() else stamp, moved))
                continue
            log.warning("source %s: %s changed after it was imported (its writer had paused); moved back as %s "
                        "and read again", self.name, scrub(target.name), scrub(back.name))
        self._retired = keep

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
                f"The board refused {path.name} from source {self.name} at {_local_now()} "
                f"without reading it: it {unsafe_reason(what)}.\n"), encoding="utf-8")
        except OSError as e:
            log.warning("source %s: could not write %s (%s)", self.name, scrub(reason_file.name), _os_reason(e))
        log.warning("source %s: refused %s unread: %s", self.name, scrub(path.name), what)
        return scrub(f"{reason} (see {self.source.rejected_folder}/{reason_file.name})")

    def _write_reason(self, target: Path, text: str) -> Path:
        """``NAME.reason.txt`` next to a retired file (a failure to write it is logged, not fatal)."""
        reason_file = target.with_name(target.name + REASON_SUFFIX)
        try:
            reason_file.write_text(text, encoding="utf-8")
        except OSError as e:
            log.warning("source %s: could not write %s (%s)", self.name, scrub(reason_file.name), _os_reason(e))
        return reason_file

    def _scrub_file(self, target: Path, outcome: Outcome) -> str:
        """A retired file that holds an identity code is not kept with it: a CSV is rewritten with every code
        removed, a workbook (or a file that cannot be rewritten) is deleted. The note for its reason file."""
        if not outcome.identity_lines:
            return ""
        lines = ", ".join(outcome.identity_lines[:MAX_LISTED_PROBLEMS])
        try:
            if not _is_excel(target.name):
                data = target.read_bytes()
                codec = _codec_of(data, self.source.encoding)
                text = data.decode(codec)
                target.write_bytes(redact_identity_codes(text, IDENTITY_CODE_REMOVED).encode(codec))
                log.warning("source %s: %s held a personal identity code (%s); the copy kept has it removed",
                            self.name, scrub(target.name), lines)
                return (f"\nPersonal identity codes were found on {lines}: the copy of the file kept here has them "
                        f"replaced by {IDENTITY_CODE_REMOVED}; the original is not kept anywhere by the board.\n")
        except (OSError, ValueError, BadFile) as e:
            log.warning("source %s: could not rewrite %s without its identity codes (%s); deleting it", self.name,
                        scrub(target.name), _short(e))
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        log.warning("source %s: %s held a personal identity code (%s) and was deleted", self.name,
                    scrub(target.name), lines)
        return (f"\nPersonal identity codes were found on {lines}: the file was deleted, not kept (a workbook "
                "cannot be kept with the codes removed). Remove them from the export and drop it again.\n")

    def _refuse(self, path: Path, outcome: Outcome) -> str:
        """Move a refused file to ``rejected/`` with its reason file; the reason for the run record."""
        try:
            target = _move(path, self.rejected, companion=REASON_SUFFIX)
        except OSError as e:
            log.warning("source %s: could not move refused %s to %s (%s)", self.name, scrub(path.name),
                        self.rejected, _os_reason(e))
            folder = self.source.rejected_folder
            return outcome.summary(Reason("not_moved", f"could not move it to {folder}/: {_os_reason(e)}; it is read "
                                          "again next time", folder=folder, detail=_os_reason(e)))
        note = self._scrub_file(target, outcome)
        reason_file = self._write_reason(target, _reason_text(path.name, target.name, self.name, outcome) + note)
        log.warning("source %s: refused %s: %s", self.name, scrub(path.name), outcome.summary())
        where = f"{self.source.rejected_folder}/{reason_file.name}"
        return outcome.summary(Reason("see_file", f"see {where}", path=where))


def _row_events(name: str, outcome: Outcome, last: Rejected | None = None) -> Iterator[PullItem]:
    """A file read (its rows not refused as a whole) as the run ledger's events: each stored row's readings
    followed by ``ONE_ROW``, then the refused and ignored rows (``last``: a half-written last line, refused).

    Row by row, not one ``RowsRead`` per file: a row the collector's checks refuse whole (an unknown station, every
    value out of range) then counts as refused, not as stored beside the file's other rows' readings.
    """
    readings = iter(outcome.readings)  # one pass (islice over the list from its start each row was quadratic)
    for size in outcome.row_sizes:
        yield from itertools.islice(readings, size)
        yield ONE_ROW
    for where, reason in outcome.refused:
        yield Rejected(map_text(at_line(name, where, reason), scrub))
    for where, reason in outcome.ignored:
        event = Duplicate if reason.endswith(DUPLICATE_NOTE) else Ignored
        yield event(scrub(f"file {name} {where}"), reason)
    if last is not None:
        yield last
    yield RowsRead(outcome.rows - len(outcome.row_sizes) + (last is not None))


# ------------------------------------------------------------------ one file
def read_file(name: str, data: bytes, source: FilesSource, mapper: RecordMapper | ItemMapper) -> Outcome:
    """Every row of one file mapped to readings.

    A problem with the file as a whole (unreadable, a mapped column missing,
    a personal column) refuses it whole. A bad row is refused alone with its
    line and reason (``on_bad_row: refuse_row``, the default), or refuses the
    whole file (``refuse_file``: any problem empties ``readings``).
    """
    outcome = Outcome(name)
    wanted = mapper.required_fields()
    try:
        if _is_excel(name):
            table = _excel_table(name, data, source.sheet, wanted)
        else:
            table = _csv_table(name, data, source, wanted)
    except BadFile as e:
        outcome.add(reason_of(e))
        if isinstance(e, Undecodable):
            outcome.rows = e.rows  # read (as lines) and refused with the file: the ledger adds up
        return outcome
    except Exception as e:  # anything else while finding the table: this file's problem, not the pull's
        outcome.add(Reason("not_a_table", f"file {name} could not be read as a table ({_short(e)})", file=name,
                           detail=_short(e)))
        return outcome
    if not table.header:
        return outcome  # an empty file: nothing to import, nothing wrong
    keys, repeated = _column_keys(table.header)
    ambiguous = sorted(set(repeated) & mapper.mapped_fields())
    if ambiguous:
        columns = ", ".join(quote(c) for c in ambiguous)
        outcome.add(Reason("repeated_column", f"column {columns} appears more than once in file {name}; give each "
                           "column its own name", columns=columns, file=name), kind="configuration")
        return outcome
    try:
        if isinstance(mapper, RecordMapper):
            mapper.check_columns(keys, source_name=Reason("in_file", f"file {name}", file=name), every_metric=True)
        else:  # an item source: its own check (every mapped field)
            mapper.check_columns(keys, source_name=Reason("in_file", f"file {name}", file=name))
    except ConnectorError as e:
        outcome.add(reason_of(e), kind=e.kind)
        return outcome
    mapper.begin(rows_in_order=True)  # a file is read whole, in its own order
    rows: list[tuple[str, list[Reading], bool]] = []  # (where, readings, time was a date alone)
    named = [bool(h) for h in table.header]
    for number, values in table.above:
        if any_identity_code(values):
            outcome.identity_lines.append(f"{table.unit} {number}")
            outcome.add(Reason("identity_code_above_header", "a value above the header looks like a personal "
                               "identity code (henkilötunnus); the board takes aggregates only"),
                        f"{table.unit} {number}")
    if not outcome.ok:
        return outcome
    station_field = mapper.mapping.station if isinstance(mapper, RecordMapper) else mapper.fields.station
    station_column = keys.index(station_field) if station_field in keys else None
    not_data = trailer_reasons([values for _number, values in table.rows], station_column)
    for index, (number, values) in enumerate(table.rows):
        outcome.rows += 1
        where = f"{table.unit} {number}"
        if index in not_data:
            if any_identity_code(values):  # a note with a code is personal data, not a note to ignore
                outcome.identity_lines.append(where)
                _bad_row(outcome, source, where, IDENTITY_CODE_REASON)
            else:
                outcome.ignored.append((where, not_data[index]))
            continue
        try:
            mapped = mapper.map(_record(keys, values, table.unit, named))
            rows.append((where, mapped, getattr(mapper, "last_date_only", False)))
        except RecordError as e:
            if str(e) == IDENTITY_CODE_REASON:
                outcome.identity_lines.append(where)
            _bad_row(outcome, source, where, reason_of(e))
        except ConnectorError as e:  # e.g. a station name that matches two stations: the mapping must say
            outcome.add(reason_of(e), where, kind=e.kind)
    for where, readings, problem in _one_value_per_key(rows):
        if problem is None and not readings:
            outcome.ignored.append((where, "nothing to store (its values are empty or mapped to ignore)"))
        elif problem is None:
            outcome.readings.extend(readings)
            outcome.row_sizes.append(len(readings))
        elif readings is _DUPLICATE:
            outcome.duplicates += 1
            outcome.ignored.append((where, problem))
        else:
            _bad_row(outcome, source, where, problem)
    if not outcome.ok:
        outcome.readings.clear()
        outcome.row_sizes.clear()
    return outcome


def _bad_row(outcome: Outcome, source: FilesSource, where: str, reason: str) -> None:
    """One bad row: refused alone, or (``on_bad_row: refuse_file``) a problem that refuses the file."""
    if source.on_bad_row == "refuse_file":
        outcome.add(reason, where)
    else:
        outcome.refused.append((where, reason))


_DUPLICATE: list[Reading] = []  # a marker: the row repeats an identical one


def _one_value_per_key(rows: list[tuple[str, list[Reading], bool]]
                       ) -> Iterator[tuple[str, list[Reading], str | None]]:
    """Each row with its readings and None, or with the reason it cannot be stored as it is.

    Two rows giving the same station, metric and time (found by the same :class:`RepeatGuard` the sql and rest
    sources use): the same value is a repeat (the later row is a duplicate, taken once); another value refuses
    both rows (the whole file is at hand, and which one is right cannot be told). Several rows of a station on a
    date with no time of day get a reason that says to map the time. No bound on the keys: a file is read whole
    into memory anyway (``max_file_mb``), and the guard holds less than its readings.
    """
    guard = RepeatGuard(lambda index: rows[index][0], limit=sys.maxsize)
    conflicts: dict[int, tuple[int, float, Reading]] = {}  # row -> (other row, its value, this row's reading)
    repeats: dict[int, int] = {}
    for index, (_where, readings, _date_only) in enumerate(rows):
        clashes, repeated = guard.look(readings)
        for clash in clashes:
            ours = clash.reading
            conflicts.setdefault(index, (clash.first, clash.earlier, ours))
            conflicts.setdefault(clash.first, (index, ours.value, replace(ours, value=clash.earlier)))
        if repeated is not None:  # every reading of the row repeats one already read
            repeats[index] = repeated
        guard.remember(readings, index)
    for index, (where, readings, date_only) in enumerate(rows):
        if index in conflicts:
            other, theirs, ours = conflicts[index]
            yield where, readings, both_refused_reason(rows[other][0], theirs, ours, date_only or rows[other][2])
        elif index in repeats:
            other = rows[repeats[index]][0]
            yield where, _DUPLICATE, Reason("duplicate_row", f"repeats {other} exactly {DUPLICATE_NOTE}",
                                            other=where_words(other))
        else:
            yield where, readings, None


def _is_excel(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(".xls"):  # a binary format openpyxl cannot read; read as CSV it would be gibberish
        raise BadFile(Reason("old_excel", f"file {name} is in the old Excel format (.xls); save it as .xlsx or CSV",
                             file=name))
    return lower.endswith(EXCEL_SUFFIXES)


def _column_keys(header: Sequence[str]) -> tuple[list[str], list[str]]:
    """Unique record keys for the header, and the names that repeat.

    An unnamed column becomes ``(column N)`` and a repeated name
    ``Name (column N)``: they cannot be mapped, but their cells are still
    checked for identity codes.
    """
    keys: list[str] = []
    seen: set[str] = set()  # a set: a header of 30 000 columns is checked in linear time
    repeated: list[str] = []
    for number, name in enumerate(header, start=1):
        key = name or f"(column {number})"
        if key in seen:
            repeated.append(name)
            key = f"{name} (column {number})"
        keys.append(key)
        seen.add(key)
    return keys, repeated


def _record(keys: list[str], values: list[Any], unit: str, named: list[bool] | None = None) -> dict[str, Any]:
    """A row as a mapping; values beyond the header are an error (in a CSV, usually an unquoted separator),
    and so is a CSV line with fewer fields than the header has named columns (never read as empty cells)."""
    if unit == "line" and len(values) < len(keys) and named is not None and any(named[len(values):]):
        raise RecordError(Reason("short_row", f"{len(values)} field{'s' if len(values) != 1 else ''} but the header "
                                 f"has {len(keys)} (a field is missing, or the line was cut short)",
                                 fields=len(values), header=len(keys)))
    used = len(values)
    while used > len(keys) and _blank(values[used - 1]):
        used -= 1
    if used > len(keys):
        if unit == "line":
            raise RecordError(Reason("long_row", f"{used} fields but the header has {len(keys)} (is a value "
                                     "containing the separator not quoted, or a decimal comma in a comma-separated "
                                     "file?)", fields=used, header=len(keys)))
        raise RecordError(Reason("value_without_header", f"a value in column {used}, which has no header (the header "
                                 f"has {len(keys)} columns)", column=used, header=len(keys)))
    return {key: values[i] if i < len(values) else None for i, key in enumerate(keys)}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ------------------------------------------------------------------ CSV
def _csv_table(name: str, data: bytes, source: FilesSource, wanted: Sequence[str] = ()) -> Table:
    """Header and rows of a CSV file; line numbers as a text editor shows them (line 1 is the file's first).

    The header is the first line holding every ``wanted`` column (title lines
    and report parameters above it are skipped), else the first non-empty line.
    """
    text = _decode(name, data, source.encoding)
    delimiter = _delimiter(text, wanted) if source.delimiter == "auto" else source.delimiter
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    found: list[tuple[int, list[Any]]] = []
    last_line = 0
    try:
        for fields in reader:
            line, last_line = last_line + 1, reader.line_num  # a quoted value may span lines: number its first
            if all(not f.strip() for f in fields):
                continue  # an empty line, or Excel's ';;;' for an empty row
            found.append((line, list(fields)))
    except csv.Error as e:
        raise BadFile(Reason("bad_csv", f"file {name} is not valid CSV at line {reader.line_num}: {e}", file=name,
                             line=reader.line_num, detail=str(e))) from None
    return _table(found, wanted, "line")


def _table(found: list[tuple[int, list[Any]]], wanted: Sequence[str], unit: str) -> Table:
    if not found:
        return Table([], [], unit)
    at = find_header([values for _number, values in found], wanted)
    header = [cell_text(v) for v in found[at][1]]
    return Table(header, found[at + 1:], unit, found[:at])


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
        line = _line_of(data, e.start)
        raise Undecodable(Reason("bad_encoding", f"file {name} is neither UTF-8 nor Windows-1252 (cp1252) text "
                                 f"(line {line}); save it again as CSV UTF-8", file=name, line=line), data,
                          "utf-8") from None


def _codec_of(data: bytes, encoding: str) -> str:
    """The codec :func:`_decode` reads ``data`` with (to write a file back in its own encoding)."""
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


#: How many non-empty lines from the top may hold title lines and report parameters above the header.
HEADER_SEARCH_LINES = 50


def _delimiter(text: str, wanted: Sequence[str] = ()) -> str:
    """The separator: the one that splits a line near the top into all ``wanted`` column names, else the one
    that splits the first non-empty line into the most fields (a tie goes to ``;``).

    A line that one separator cannot split (a field over the csv module's
    limit, a stray quote) counts as a single field for it, never an error.
    """
    lines = [line for line in itertools.islice(
        (ln for ln in text.splitlines() if ln.strip()), HEADER_SEARCH_LINES)]
    needed = {w for w in wanted if w}
    if needed:
        for line in lines:
            for d in DELIMITERS:
                if needed <= {cell_text(f) for f in _split(line, d)}:
                    return d
    first = lines[0] if lines else ""
    counts = {d: len(_split(first, d)) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter not in line:
        return [line]
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return [line]


# ------------------------------------------------------------------ Excel
def _excel_table(name: str, data: bytes, sheet: str | int, wanted: Sequence[str] = ()) -> Table:
    """Header (the first row holding every ``wanted`` column, else the first non-empty row) and rows of one
    sheet; row numbers as Excel shows them."""
    import openpyxl  # only a source with Excel files pays for the import

    check_workbook(name, data)  # a bomb (huge shared text, cells, ratio) is refused before openpyxl expands it
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
        found: list[tuple[int, list[Any]]] = []
        for number, cells in enumerate(worksheet.iter_rows(), start=1):
            values = [_cell_value(c) for c in cells]
            if all(_blank(v) for v in values):
                continue
            found.append((number, values))
    except BadFile:
        raise
    except Exception as e:
        raise BadFile(f"file {name}: the sheet could not be read ({_short(e)})") from None
    finally:
        workbook.close()
    return _table(found, wanted, "row")


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


def _unterminated_tail(data: bytes) -> tuple[bytes, int] | None:
    """``(the bytes before the last line, that line's number)`` when a text file's last line has no line end and
    holds something; None otherwise (an Excel workbook, an empty file, a file ending in a line end)."""
    if not data or data.startswith(b"PK"):  # empty, or a workbook (a zip): not lines
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        newline = "\n".encode("utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be")
        if data.endswith(newline) or len(data) % 2:
            return None
        cut = max((i for i in range(len(data) - 2, 1, -2) if data[i:i + 2] == newline), default=0)
        start = cut + 2 if cut else 2  # after the BOM when there is no line end at all
        tail = data[start:].decode("utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be", "replace")
        return (data[:start], data[:start].count(newline) + 1) if tail.strip() else None
    if data.endswith((b"\n", b"\r")):
        return None
    cut = data.rfind(b"\n") + 1  # UTF-8 and cp1252 never hold the byte 0x0A inside a character
    if not data[cut:].strip() or data[cut:].strip() == codecs.BOM_UTF8:
        return None
    return data[:cut], data[:cut].count(b"\n") + 1


def _move(path: Path, directory: Path, companion: str = "") -> Path:
    """Move ``path`` into ``directory`` without overwriting: a taken name gets a stamp before its suffix, in
    Helsinki time with its UTC offset (``jono.20261202T074200+0200.csv``; it once was UTC, two hours off).

    ``companion`` is the suffix of a file that will sit next to the moved one
    (the reason file): its name must be free too.
    """
    directory.mkdir(parents=True, exist_ok=True)
    # a name holding an identity code is not kept either
    target = _free_path(directory, redact_identity_codes(path.name, IDENTITY_CODE_REMOVED), companion)
    shutil.move(os.fspath(path), os.fspath(target))
    return target


def _free_path(directory: Path, name: str, companion: str = "") -> Path:
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


def _count_files(directory: Path, skip_suffix: str = "") -> int:
    try:
        return sum(1 for e in os.scandir(directory)
                   if e.is_file() and not (skip_suffix and e.name.lower().endswith(skip_suffix)))
    except OSError:
        return 0


def _reason_text(original: str, stored: str, source: str, outcome: Outcome) -> str:
    """The reason file: written for whoever made the export, who may not see the board's run log."""
    if outcome.ok:  # every row refused one by one
        return _rows_text(original, stored, source, outcome)
    listed = "\n".join(outcome.problems)
    unlisted = outcome.problem_count - len(outcome.problems)
    more = f"\n… and {unlisted} more problems not listed here" if unlisted > 0 else ""
    moved = f" (stored here as {stored})" if stored != original else ""
    count = f"{outcome.problem_count} problem{'s' if outcome.problem_count != 1 else ''}"
    return scrub(
        f"The board refused the file {original}{moved} from source {source} at "
        f"{_local_now()}.\n"
        "Nothing in it was imported: a file is taken whole or not at all.\n\n"
        f"{count}:\n{listed}{more}\n\n"
        "Fix the file and save it in the drop folder again; it is then read from the start.\n")


def _local_now() -> str:
    """When, in a reason file: Helsinki time with its zone ("2026-12-02 10:42 EET"), as the people who read the
    file and the board's pages count the day (it once said UTC, two or three hours off)."""
    return f"{datetime.now(HELSINKI):%Y-%m-%d %H:%M %Z}"


def _rows_text(original: str, stored: str, source: str, outcome: Outcome) -> str:
    """The reason file of a file read row by row: which rows were refused or left out, and why."""
    moved = f" (stored here as {stored})" if stored != original else ""
    parts = [f"The board read the file {original}{moved} from source {source} at "
             f"{_local_now()}: {outcome.rows} data rows, {len(outcome.readings)} readings "
             f"stored, {len(outcome.refused)} rows refused, {len(outcome.ignored)} rows ignored."]
    for title, rows in (("Refused rows (fix them and drop a file with just these rows again):", outcome.refused),
                        ("Ignored rows (not data, or repeats):", outcome.ignored)):
        if rows:
            listed = "\n".join(f"{where}: {reason}" for where, reason in rows[:MAX_LISTED_PROBLEMS])
            more = f"\n… and {len(rows) - MAX_LISTED_PROBLEMS} more" if len(rows) > MAX_LISTED_PROBLEMS else ""
            parts.append(f"{title}\n{listed}{more}")
    return scrub("\n\n".join(parts) + "\n")


# ------------------------------------------------------------------ messages
def at_line(name: str, where: str, reason: str) -> Reason:
    """A row's reason in its file: ``file jono.csv line 3: unknown station 'X'`` (``where``: "line 3", "row 3")."""
    return Reason("at_line", f"file {name} {where}: {reason}", file=name, unit=_unit_of(where),
                  line=_number_of(where), reason=reason)


def _unit_of(where: str) -> str:
    return where.split(" ", 1)[0]


def _number_of(where: str) -> str:
    return where.split(" ", 1)[-1]


def _with_note(said: str, note: str) -> Reason:
    return Reason("with_note", f"{said} ({note})", reason=said, note=note)


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
