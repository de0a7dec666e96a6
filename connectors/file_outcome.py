"""What reading one file came to: its readings, its refused and ignored rows, the problems that refuse it."""

from __future__ import annotations

from dataclasses import dataclass, field

from board.domain.reading import Reading
from board.domain.reasons import Reason, map_text
from connectors.file_messages import at_line, number_of, scrub, unit_of, with_note

#: How many problems a reason file lists (the count covers them all).
MAX_LISTED_PROBLEMS = 100


@dataclass
class Outcome:
    """What one file holds: its readings, or the problems that refuse it."""

    name: str
    rows: int = 0
    readings: list[Reading] = field(default_factory=list)
    #: How many of ``readings`` each stored row gave, in order (the ledger counts rows one by one).
    row_sizes: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the first MAX_LISTED_PROBLEMS, as listed in the reason file
    #: The same problems as (where or None, reason), for a reason file in the board's language.
    problem_parts: list[tuple[str | None, str]] = field(default_factory=list)
    problem_count: int = 0
    kind: str = "data"  # of the first problem: "data" or "configuration"
    first: str = ""  # the first problem as a sentence naming the file
    #: Rows refused one by one (``on_bad_row: refuse_row``): (where, reason), in the file's order.
    refused: list[tuple[str, str]] = field(default_factory=list)
    #: Rows deliberately left out (a totals row, a note, a repeat of an identical row): (where, reason).
    ignored: list[tuple[str, str]] = field(default_factory=list)
    #: Rows that repeat an identical row already read (a subset of ``ignored``).
    duplicates: int = 0
    #: Where the file holds a personal identity code: it is never kept on disk with it (see file_retire.scrub_file).
    identity_lines: list[str] = field(default_factory=list)
    #: Unmapped columns that may hold a name, contact details or free text (connectors.private_columns): their
    #: headers, positions, the header's line and the CSV separator. Never read; the kept copy goes without them.
    private_columns: list[str] = field(default_factory=list)
    private_at: list[int] = field(default_factory=list)
    header_number: int = 0
    delimiter: str = ""
    #: What ``readings`` holds, in words: "readings", or "items" for a source of items (``deliver: items``),
    #: whose rows are callbacks or messages the board counts itself, not readings (`check` said "rows →
    #: readings" of them, and the reason file "12 readings stored" where the run stored 340).
    noun: str = "readings"
    #: What the reason file says of the copy kept (identity codes removed, name or free-text columns emptied, or the
    #: file deleted): worded in the board's language there, and in English after it (connectors/file_retire.py).
    notes: list[Reason] = field(default_factory=list)

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
            self.problem_parts.append((where, message))

    def summary(self, note: str | None = None) -> str:
        """One line for the run record: the first problem, how many more, and ``note``."""
        if self.problem_count == 0 and self.refused:  # every row refused one by one
            where, reason = self.refused[0]
            n = len(self.refused)
            rows = f"{n} row{'s' if n != 1 else ''}"
            said = Reason("every_row_refused", f"file {self.name}: every row refused ({rows}), first {where}: {reason}",
                          file=self.name, rows=n, unit=unit_of(where), line=number_of(where), reason=reason)
            return map_text(with_note(said, note) if note else said, scrub)
        said = self.first
        more = self.problem_count - 1
        if more > 0 and note:
            said = Reason("more_problems_note", f"{said} (and {more} more problem{'s' if more > 1 else ''}; {note})",
                          reason=said, n=more, note=note)
        elif more > 0:
            said = Reason("more_problems", f"{said} (and {more} more problem{'s' if more > 1 else ''})",
                          reason=said, n=more)
        elif note:
            said = with_note(said, note)
        return map_text(said, scrub)
