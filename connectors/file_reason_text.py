"""The text of ``NAME.reason.txt``, written beside a refused or partly refused file for whoever made it."""

from __future__ import annotations

from datetime import datetime

from board.domain.timeutil import HELSINKI
from connectors.file_messages import scrub
from connectors.file_outcome import MAX_LISTED_PROBLEMS, Outcome

REASON_SUFFIX = ".reason.txt"


def reason_text(original: str, stored: str, source: str, outcome: Outcome) -> str:
    """The reason file: written for whoever made the export, who may not see the board's run log."""
    if outcome.ok:  # every row refused one by one
        return rows_text(original, stored, source, outcome)
    listed = "\n".join(outcome.problems)
    unlisted = outcome.problem_count - len(outcome.problems)
    more = f"\n… and {unlisted} more problems not listed here" if unlisted > 0 else ""
    moved = f" (stored here as {stored})" if stored != original else ""
    count = f"{outcome.problem_count} problem{'s' if outcome.problem_count != 1 else ''}"
    return scrub(
        f"The board refused the file {original}{moved} from source {source} at "
        f"{local_now()}.\n"
        "Nothing in it was imported: a file is taken whole or not at all.\n\n"
        f"{count}:\n{listed}{more}\n\n"
        "Fix the file and save it in the drop folder again; it is then read from the start.\n")


def local_now() -> str:
    """When, in a reason file: Helsinki time with its zone ("2026-12-02 10:42 EET"), as the people who read the
    file and the board's pages count the day (it once said UTC, two or three hours off)."""
    return f"{datetime.now(HELSINKI):%Y-%m-%d %H:%M %Z}"


def rows_text(original: str, stored: str, source: str, outcome: Outcome) -> str:
    """The reason file of a file read row by row: which rows were refused or left out, and why."""
    moved = f" (stored here as {stored})" if stored != original else ""
    parts = [f"The board read the file {original}{moved} from source {source} at "
             f"{local_now()}: {outcome.rows} data rows, {len(outcome.readings)} {outcome.noun} "
             f"stored, {len(outcome.refused)} rows refused, {len(outcome.ignored)} rows ignored."]
    for title, rows in (("Refused rows (fix them and drop a file with just these rows again):", outcome.refused),
                        ("Ignored rows (not data, or repeats):", outcome.ignored)):
        if rows:
            listed = "\n".join(f"{where}: {reason}" for where, reason in rows[:MAX_LISTED_PROBLEMS])
            more = f"\n… and {len(rows) - MAX_LISTED_PROBLEMS} more" if len(rows) > MAX_LISTED_PROBLEMS else ""
            parts.append(f"{title}\n{listed}{more}")
    return scrub("\n\n".join(parts) + "\n")
