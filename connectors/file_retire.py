"""Taking a refused file out of the drop folder, with ``NAME.reason.txt`` beside it, and never keeping a file
that holds a personal identity code, a name or free text as it came."""

from __future__ import annotations

import contextlib
import csv
import logging
import os
from pathlib import Path

from board.domain.privacy import redact_identity_codes
from board.domain.reasons import Reason
from board.source_settings import FilesSource
from connectors.file_encoding import codec_of
from connectors.file_excel import is_excel
from connectors.file_messages import IDENTITY_CODE_REMOVED, os_reason, scrub, short
from connectors.file_moves import free_path, move
from connectors.file_outcome import MAX_LISTED_PROBLEMS, Outcome
from connectors.file_private import blank_columns
from connectors.file_problems import BadFile
from connectors.file_reason_text import REASON_SUFFIX, local_now, reason_text
from connectors.file_safe_read import unsafe_reason
from connectors.mapping import quote_names

#: The connector's logger (the name operators filter on), whichever of its modules logs.
log = logging.getLogger("connectors.files")


def refuse_unread(path: Path, what: str, source: FilesSource, rejected: Path) -> str:
    """Move an entry that is not a plain file (never opened) to ``rejected/``; the reason for the run record.

    ``os.rename`` moves the link (or FIFO) itself, never what it points to.
    """
    reason = f"file {path.name} {unsafe_reason(what)}"
    try:
        rejected.mkdir(parents=True, exist_ok=True)
        target = free_path(rejected, path.name, REASON_SUFFIX)
        os.rename(path, target)
    except FileNotFoundError:
        return scrub(reason + "; it has gone from the folder")
    except OSError as e:
        log.warning("source %s: could not move refused %s to %s (%s)", source.name, scrub(path.name),
                    rejected, os_reason(e))
        return scrub(f"{reason}; could not move it to {source.rejected_folder}/ ({os_reason(e)}), "
                     "remove it from the drop folder")
    reason_file = target.with_name(target.name + REASON_SUFFIX)
    try:
        reason_file.write_text(scrub(
            f"The board refused {path.name} from source {source.name} at {local_now()} "
            f"without reading it: it {unsafe_reason(what)}.\n"), encoding="utf-8")
    except OSError as e:
        log.warning("source %s: could not write %s (%s)", source.name, scrub(reason_file.name), os_reason(e))
    log.warning("source %s: refused %s unread: %s", source.name, scrub(path.name), what)
    return scrub(f"{reason} (see {source.rejected_folder}/{reason_file.name})")


def write_reason(target: Path, text: str, source: FilesSource) -> Path:
    """``NAME.reason.txt`` next to a retired file (a failure to write it is logged, not fatal)."""
    reason_file = target.with_name(target.name + REASON_SUFFIX)
    try:
        reason_file.write_text(text, encoding="utf-8")
    except OSError as e:
        log.warning("source %s: could not write %s (%s)", source.name, scrub(reason_file.name), os_reason(e))
    return reason_file


def scrub_file(target: Path, outcome: Outcome, source: FilesSource) -> str:
    """A retired file that holds an identity code, or columns that may hold a name or free text
    (``outcome.private_columns``, never read), is not kept with them: a CSV is rewritten with every code removed
    and those columns' cells emptied, a workbook (or a file that cannot be rewritten) is deleted. The note for its
    reason file."""
    if not outcome.identity_lines and not outcome.private_columns:
        return ""
    lines = ", ".join(outcome.identity_lines[:MAX_LISTED_PROBLEMS])
    # The same as a word to translate ("line"/"row", one unit in a file) and the numbers, for the reason file in
    # the board's language.
    unit = outcome.identity_lines[0].partition(" ")[0] if outcome.identity_lines else "line"
    numbers = ", ".join(where.partition(" ")[2] for where in outcome.identity_lines[:MAX_LISTED_PROBLEMS])
    columns = quote_names(outcome.private_columns)
    try:
        if not is_excel(target.name):
            data = target.read_bytes()
            codec = codec_of(data, source.encoding)
            text = data.decode(codec)
            if outcome.private_at:
                text = blank_columns(text, outcome.private_at, outcome.header_number, outcome.delimiter)
            target.write_bytes(redact_identity_codes(text, IDENTITY_CODE_REMOVED).encode(codec))
            note = ""
            if outcome.identity_lines:
                log.warning("source %s: %s held a personal identity code (%s); the copy kept has it removed",
                            source.name, scrub(target.name), lines)
                note += _noted(outcome, Reason(
                    "note_codes_kept", f"Personal identity codes were found on {lines}: the copy of the file kept "
                    f"here has them replaced by {IDENTITY_CODE_REMOVED}; the original is not kept anywhere by the "
                    "board.", unit=unit, numbers=numbers, removed=IDENTITY_CODE_REMOVED))
            if outcome.private_columns:
                log.warning("source %s: %s has unmapped columns that may hold names or free text (%s); the copy "
                            "kept has their cells emptied", source.name, scrub(target.name), columns)
                note += _noted(outcome, Reason(
                    "note_columns_kept", f"Column{_s(outcome.private_columns)} {columns} may hold a person's name, "
                    "contact details or free text: never read by the board, and emptied in the copy of the file "
                    "kept here (the header is kept); the original is not kept anywhere by the board.",
                    columns=columns))
            return note
    except (OSError, ValueError, BadFile, csv.Error) as e:
        log.warning("source %s: could not rewrite %s without its personal data (%s); deleting it", source.name,
                    scrub(target.name), short(e))
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    note = ""
    if outcome.identity_lines:
        log.warning("source %s: %s held a personal identity code (%s) and was deleted", source.name,
                    scrub(target.name), lines)
        note += _noted(outcome, Reason(
            "note_codes_deleted", f"Personal identity codes were found on {lines}: the file was deleted, not kept (a "
            "workbook cannot be kept with the codes removed). Remove them from the export and drop it again.",
            unit=unit, numbers=numbers))
    if outcome.private_columns:
        log.warning("source %s: %s has unmapped columns that may hold names or free text (%s) and was deleted",
                    source.name, scrub(target.name), columns)
        note += _noted(outcome, Reason(
            "note_columns_deleted", f"Column{_s(outcome.private_columns)} {columns} may hold a person's name, "
            "contact details or free text: never read by the board, and the file was deleted after it was read, not "
            "kept (a workbook cannot be kept with those columns emptied). Its rows are accounted for above.",
            columns=columns))
    return note


def _noted(outcome: Outcome, note: Reason) -> str:
    """One note of the reason file: kept (worded in the board's language there), and its English as before."""
    outcome.notes.append(note)
    return f"\n{note}\n"


def _s(items: list[str]) -> str:
    return "s" if len(items) != 1 else ""


def refuse(path: Path, outcome: Outcome, source: FilesSource, rejected: Path) -> str:
    """Move a refused file to ``rejected/`` with its reason file; the reason for the run record."""
    try:
        target = move(path, rejected, companion=REASON_SUFFIX)
    except OSError as e:
        log.warning("source %s: could not move refused %s to %s (%s)", source.name, scrub(path.name),
                    rejected, os_reason(e))
        folder = source.rejected_folder
        return outcome.summary(Reason("not_moved", f"could not move it to {folder}/: {os_reason(e)}; it is read "
                                      "again next time", folder=folder, detail=os_reason(e)))
    note = scrub_file(target, outcome, source)
    reason_file = write_reason(target, reason_text(path.name, target.name, source.name, outcome,
                                                  source.reason_language or "en") + note, source)
    log.warning("source %s: refused %s: %s", source.name, scrub(path.name), outcome.summary())
    where = f"{source.rejected_folder}/{reason_file.name}"
    return outcome.summary(Reason("see_file", f"see {where}", path=where))
