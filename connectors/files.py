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
  decodable, a mapped column missing, a column named for an identity code)
  refuses the file whole, and so does a file whose every row is refused: it
  is moved to ``rejected/`` at once with a ``NAME.reason.txt`` next to it, so
  whoever made it can fix it and drop it again. An unmapped column that may
  hold a name or free text is never read, and the copy kept goes without it
  (``private_columns``, ``file_private``). Two rows with the same station,
  metric and time never let the last one win silently: an identical repeat
  is taken once, different values refuse both;
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

This module is the connector's contract (pull, acknowledge, check); each job
it hands out has a module of its own, in the order a file meets them:

* ``file_folder`` — which entries of the drop folder wait to be read;
* ``file_safe_read`` — reading one without following a link, within
  ``max_file_mb``, unchanged while read; ``file_half_written`` — a last line
  with no line end, perhaps still being written;
* ``file_encoding`` and ``file_dialect`` — a CSV file's text and separator;
  ``file_csv`` and ``file_excel`` — the file as a table (``file_table``:
  header, numbered rows, a row as a record);
* ``file_read`` — the rows mapped to readings, into an ``Outcome``
  (``file_outcome``); ``file_ledger`` — the outcome as the run ledger's events;
* ``file_retire``, ``file_moves`` and ``file_reason_text`` — a refused file out
  to ``rejected/`` with its reason, a done one to ``processed/``; ``file_private``
  — a kept CSV without its name and free-text columns;
* ``file_problems`` and ``file_messages`` — what refuses a file whole, and the
  words of every message (nothing personal or secret in them).

The public names of those modules stay importable from here, as they were
when this was one module of 1 163 lines.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from board.domain.reading import Held, PullItem, Rejected, RowsRead
from board.domain.reasons import Reason, map_text
from board.domain.timeutil import ensure_utc
from board.settings import PROJECT_DIR
from board.source_settings import FilesSource
from connectors.base import CheckResult
from connectors.errors import ConnectorError
from connectors.file_csv import csv_table
from connectors.file_dialect import DELIMITERS, HEADER_SEARCH_LINES
from connectors.file_encoding import decode
from connectors.file_excel import EXCEL_SUFFIXES
from connectors.file_folder import UNFINISHED_SUFFIXES, waiting_files
from connectors.file_half_written import closes_a_quoted_field, unterminated_tail
from connectors.file_ledger import row_events
from connectors.file_messages import IDENTITY_CODE_REMOVED, at_line, n_files, os_reason, scrub
from connectors.file_moves import count_files, free_path, move
from connectors.file_outcome import MAX_LISTED_PROBLEMS, Outcome
from connectors.file_problems import BadFile, TooLarge, Undecodable, undecoded_rows
from connectors.file_read import read_file
from connectors.file_reason_text import REASON_SUFFIX, rows_text
from connectors.file_retire import refuse, refuse_unread, scrub_file, write_reason
from connectors.file_safe_read import NotRegular, Stamp, not_regular, read_regular_file, read_unchanged, unsafe_reason
from connectors.file_table import Table
from connectors.items import ItemMapper, mapper_for
from connectors.mapping import RecordMapper, quote_names

log = logging.getLogger(__name__)

#: A file whose last line has no line end is taken as possibly half-written for this many times settle_seconds.
UNTERMINATED_GRACE_FACTOR = 10
#: How long a file moved to processed/ is watched for a writer that goes on writing into it (seconds).
RETIRED_WATCH_SECONDS = 900


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
        waiting, _unsettled, unsafe = waiting_files(self.folder, self.source)
        for path, what in unsafe:
            yield Rejected(refuse_unread(path, what, self.source, self.rejected), rows=0)
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
                target = move(path, self.processed)
            except FileNotFoundError:
                continue  # someone took it away: nothing to retire
            except OSError as e:
                log.warning("source %s: could not move %s to %s (%s); it will be read again", self.name,
                            scrub(path.name), self.processed, os_reason(e))
                continue
            log.info("source %s: imported %s (now %s)", self.name, scrub(path.name), scrub(target.name))
            note = scrub_file(target, outcome, self.source)
            if outcome.refused or outcome.ignored or note:  # (a note: what was left out of the copy, or why deleted)
                write_reason(target, rows_text(path.name, target.name, self.name, outcome,
                                                   self.source.reason_language or "en") + note, self.source)
            if not outcome.identity_lines and not outcome.private_columns:  # (a rewritten copy is not the writer's)
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
        waiting, unsettled, unsafe = waiting_files(self.folder, self.source)
        if unsafe:
            path, what = unsafe[0]
            more = f" (and {n_files(len(unsafe) - 1)} more)" if len(unsafe) > 1 else ""
            return CheckResult(False, "data", scrub(f"file {path.name} {unsafe_reason(what)}{more}"))
        if not waiting:
            message = (f"drop folder {self.folder} reachable; no files waiting ({count_files(self.processed)} "
                       f"processed, {count_files(self.rejected, skip_suffix=REASON_SUFFIX)} refused so far)")
            if unsettled:
                message += (f"; {n_files(unsettled)} changed less than {self.source.settle_seconds:g} s ago "
                            "(still being written?)")
            return CheckResult(True, "ok", message)
        oldest = waiting[0]
        try:
            data, stamp = read_regular_file(oldest, self.source.max_file_mb)
        except TooLarge as e:
            return CheckResult(False, "data", scrub(str(e)))
        except NotRegular as e:
            return CheckResult(False, "data", scrub(f"file {oldest.name} {unsafe_reason(e.what)}"))
        except OSError as e:
            return CheckResult(False, "transient", scrub(f"file {oldest.name} could not be read ({os_reason(e)})"))
        mapper = mapper_for(self.source, self.stations, until, what="column")
        held = self._held(oldest.name, data, stamp, mapper)
        if held is not None:  # as a pull reads it: the lines before a last line that may be half-written
            data = held[0]
        outcome = read_file(oldest.name, data, self.source, mapper)
        if held is not None and not outcome.ok:  # cut inside a multi-line record: a pull reads it again, whole
            return CheckResult(True, "ok", scrub(
                f"{n_files(len(waiting))} waiting; oldest {oldest.name} ends without a line end inside a record and "
                f"changed less than {self._grace():g} s ago: it may be half-written and is read once complete"))
        if not outcome.ok:
            return CheckResult(False, outcome.kind, outcome.summary())
        message = (f"{n_files(len(waiting))} waiting; oldest {oldest.name}: {outcome.rows} rows → "
                   f"{len(outcome.readings)} {outcome.noun}")
        if outcome.refused:
            where, reason = outcome.refused[0]
            return CheckResult(False, "data", scrub(
                f"file {oldest.name} {where}: {reason} ({len(outcome.refused)} of {outcome.rows} rows would be "
                f"refused, {len(outcome.readings)} {outcome.noun} otherwise; {n_files(len(waiting))} waiting)"))
        if outcome.ignored:
            ignored = len(outcome.ignored)
            first, why = outcome.ignored[0]
            message += f"; {ignored} row{'s' if ignored != 1 else ''} ignored (first {first}: {why})"
        if outcome.private_columns:
            message += (f"; not read, and left out of the copy kept (may hold names or free text): "
                        f"{quote_names(outcome.private_columns)}")
        if held is not None:
            message += (f"; line {held[1]} has no line end and the file changed less than {self._grace():g} s ago: "
                        "it may be half-written and is not read yet")
            if self._snapshot():
                message += " (a snapshot: nothing is closed from this file until it is complete)"
        return CheckResult(True, "ok", scrub(message))

    def _snapshot(self) -> bool:
        """Whether the source's files are snapshots of the open items (``items.mode: snapshot``)."""
        items = getattr(self.source, "items", None)
        return self.source.delivers_items() and getattr(items, "mode", None) == "snapshot"

    def _import(self, path: Path, mapper: RecordMapper | ItemMapper) -> Iterator[PullItem]:
        """One file: all its readings (and remember it for acknowledge), or one Rejected (and move it away)."""
        try:
            read = read_unchanged(path, self.source.max_file_mb)
        except FileNotFoundError:
            return  # taken away since the listing
        except TooLarge as e:  # refused whole, like any other bad file; the others still load
            (outcome := Outcome(path.name)).add(str(e))
            yield Rejected(refuse(path, outcome, self.source, self.rejected), rows=0)  # refused unread: no row was read
            return
        except NotRegular as e:  # swapped for a link or a FIFO since the listing: refuse it unread
            yield Rejected(refuse_unread(path, e.what, self.source, self.rejected), rows=0)
            return
        except OSError as e:  # e.g. still open in Excel on Windows: not the file's fault, try again later
            yield Rejected(map_text(Reason("file_unreadable", f"file {path.name} could not be read ({os_reason(e)}); "
                                           "it stays in the folder and is tried again", file=path.name,
                                           detail=os_reason(e)), scrub), rows=0)
            return
        if read is None:
            log.info("source %s: %s changed while being read; it is read next time", self.name, scrub(path.name))
            return
        data, stamp = read
        held = self._held(path.name, data, stamp, mapper)
        if held is not None:  # the last line may be half-written: read the lines before it, keep the file
            data, line = held
        outcome = read_file(path.name, data, self.source, mapper)
        if not outcome.ok and outcome.rows == 0 and data.startswith(b"PK") and self._young(stamp):
            # A workbook is a zip with its directory at the end: one cut short by a writer that paused is not
            # readable yet. Left for the next pull, not refused, until it is older than the grace.
            log.info("source %s: %s cannot be read as a workbook yet (still being written?); it is read again",
                     self.name, scrub(path.name))
            return
        if held is not None and not outcome.ok:
            # Cut at its last physical line the file is not valid (that line ends a quoted field begun above it:
            # a multi-line record). Refused, a whole good export went to rejected/ with "not valid CSV"; it may
            # still be half-written, so it is read again, whole, once it is complete or older than the grace.
            log.info("source %s: %s ends without a line end inside a record and changed less than %g s ago; it is "
                     "read again", self.name, scrub(path.name), self._grace())
            return
        if held is not None and outcome.ok:
            reason = map_text(Reason(
                "unterminated_last_line",
                f"file {path.name} line {line}: the last line has no line end and the file changed less than "
                f"{self._grace():g} s ago: it may be half-written, so it was not read; the file stays in the folder "
                "and is read again (a writer still at work, or paused for longer than settle_seconds)",
                file=path.name, line=line, seconds=self._grace()), scrub)
            log.info("source %s: %s", self.name, reason)
            # Ignored for now, not refused: the next pull reads the file again, and a refusal each time counted one
            # half-written line once per pull. Final, the line is stored or refused once (file_ledger.row_events).
            yield from row_events(path.name, outcome, Held(scrub(f"file {path.name} line {line}"), reason))
            return  # not retired: read again whole once it is complete (or older than the grace)
        if not outcome.ok:  # the file as a whole: every data row of it refused
            yield Rejected(refuse(path, outcome, self.source, self.rejected), rows=outcome.rows)
            yield RowsRead(outcome.rows)
            return
        yield from row_events(path.name, outcome)
        if outcome.all_rows_refused:  # nothing of it could be used: back to whoever made it, whole
            refuse(path, outcome, self.source, self.rejected)
        else:
            self._pending.append((path, stamp, outcome))

    def _held(self, name: str, data: bytes, stamp: Stamp, mapper: RecordMapper | ItemMapper,
              ) -> tuple[bytes, int] | None:
        """The lines before a last line that may still be being written, and its number; None to read it all.

        A last line with no line end is held while the file changed within the grace, unless it is provably
        whole: as many fields as the header and its last field quoted and closed (:func:`closes_a_quoted_field`).
        Reporting tools that quote their fields and write no line end after the last record (many on Windows)
        had every export held at its first pull, and a snapshot source's run PARTIAL ("snapshot not applied")
        until the next. An unquoted last value may be cut (the ``1`` of ``12``) and is held as before."""
        held = unterminated_tail(data) if self._young(stamp) else None
        if held is None or not self._whole_last_record(name, data, mapper):
            return held
        log.info("source %s: %s ends without a line end, but its last record is whole (its quoted last field is "
                 "closed); read now", self.name, scrub(name))
        return None

    def _whole_last_record(self, name: str, data: bytes, mapper: RecordMapper | ItemMapper) -> bool:
        try:
            table = csv_table(name, data, self.source, mapper.required_fields())
            text = decode(name, data, self.source.encoding)
        except BadFile:  # a quote left open (cut inside a field), or not text at all
            return False
        if not table.header or not table.rows or len(table.rows[-1][1]) != len(table.header):
            return False
        return closes_a_quoted_field(text, table.delimiter)

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
                back = free_path(self.folder, name)
                os.rename(target, back)
            except FileNotFoundError:
                continue  # taken away: nothing to watch
            except OSError as e:
                log.warning("source %s: %s changed after it was imported, but could not be moved back (%s)",
                            self.name, scrub(target.name), os_reason(e))
                keep.append((target, name, Stamp.of(target) if target.exists() else stamp, moved))
                continue
            log.warning("source %s: %s changed after it was imported (its writer had paused); moved back as %s "
                        "and read again", self.name, scrub(target.name), scrub(back.name))
        self._retired = keep


#: The connector, and the names of its modules that were importable from here when it was one module.
__all__ = [
    "DELIMITERS",
    "EXCEL_SUFFIXES",
    "HEADER_SEARCH_LINES",
    "IDENTITY_CODE_REMOVED",
    "MAX_LISTED_PROBLEMS",
    "REASON_SUFFIX",
    "RETIRED_WATCH_SECONDS",
    "UNFINISHED_SUFFIXES",
    "UNTERMINATED_GRACE_FACTOR",
    "BadFile",
    "FilesConnector",
    "NotRegular",
    "Outcome",
    "Stamp",
    "Table",
    "TooLarge",
    "Undecodable",
    "at_line",
    "not_regular",
    "read_file",
    "read_regular_file",
    "scrub",
    "undecoded_rows",
    "unsafe_reason",
]
