"""The text of ``NAME.reason.txt``, written beside a refused or partly refused file for whoever made it.

In the board's language (``reason_language`` of the source, by default board.yaml's ``language``): the
administrator who reads it is Finnish (or Swedish). Each reason is worded as the Sources page words it
(:mod:`board.reason_words`); the English text follows, as the logs and the command line say it, for whoever
compares the two or asks a vendor's support.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from board.domain.timeutil import HELSINKI
from board.i18n import TEXTS, count, t
from board.reason_words import reason_text as worded
from connectors.file_messages import scrub
from connectors.file_outcome import MAX_LISTED_PROBLEMS, Outcome

REASON_SUFFIX = ".reason.txt"


def reason_text(original: str, stored: str, source: str, outcome: Outcome, lang: str = "en") -> str:
    """The reason file: written for whoever made the export, who may not see the board's run log."""
    if outcome.ok:  # every row refused one by one
        return rows_text(original, stored, source, outcome, lang)
    return scrub(_bilingual(lambda language: _refused(original, stored, source, outcome, language), lang,
                            outcome.notes))


def rows_text(original: str, stored: str, source: str, outcome: Outcome, lang: str = "en") -> str:
    """The reason file of a file read row by row: which rows were refused or left out, and why."""
    return scrub(_bilingual(lambda language: _rows(original, stored, source, outcome, language), lang, outcome.notes))


def local_now() -> str:
    """When, in a reason file: Helsinki time with its zone ("2026-12-02 10:42 EET"), as the people who read the
    file and the board's pages count the day (it once said UTC, two or three hours off)."""
    return f"{datetime.now(HELSINKI):%Y-%m-%d %H:%M %Z}"


def _bilingual(text: Callable[[str], str], lang: str, notes: Sequence[str] = ()) -> str:
    """``text`` in ``lang`` with ``notes`` worded in it, then in English; the caller adds the English notes."""
    english = text("en")
    if lang == "en":
        return english
    own = text(lang) + "".join(f"\n{worded(note, lang)}\n" for note in notes)
    return f"{own}\n{t('reasonfile.in_english', lang)}\n\n{english}"


def _moved(original: str, stored: str, lang: str) -> str:
    return t("reasonfile.moved", lang, stored=stored) if stored != original else ""


def _refused(original: str, stored: str, source: str, outcome: Outcome, lang: str) -> str:
    listed = "\n".join(_listed(outcome.problem_parts, lang))
    unlisted = outcome.problem_count - len(outcome.problems)
    when = local_now()
    if lang == "en":
        more = f"\n{count('reasonfile.more_problems', 'en', unlisted)}" if unlisted > 0 else ""
        moved = f" (stored here as {stored})" if stored != original else ""
        return (f"The board refused the file {original}{moved} from source {source} at {when}.\n"
                "Nothing in it was imported: a file is taken whole or not at all.\n\n"
                f"{count('reasonfile.count.problems', 'en', outcome.problem_count)}:\n{listed}{more}\n\n"
                "Fix the file and save it in the drop folder again; it is then read from the start.\n")
    more = "\n" + count("reasonfile.more_problems", lang, unlisted) if unlisted > 0 else ""
    head = t("reasonfile.refused", lang, original=original, moved=_moved(original, stored, lang), source=source,
             when=when)
    problems = t("reasonfile.problems", lang, count=count("reasonfile.count.problems", lang, outcome.problem_count))
    return f"{head}\n\n{problems}\n{listed}{more}\n\n{t('reasonfile.fix', lang)}\n"


def counts(outcome: Outcome, lang: str) -> dict[str, str]:
    """The reason file's counts, each in agreement with its number in ``lang`` (``1 row ignored``, not
    ``1 rows ignored``; ``1 hylätty rivi``, ``2 hylättyä riviä``)."""
    return {"rows": count("reasonfile.count.rows", lang, outcome.rows),
            "stored": count(f"reasonfile.count.stored_{outcome.noun}", lang, len(outcome.readings)),
            "refused": count("reasonfile.count.refused", lang, len(outcome.refused)),
            "ignored": count("reasonfile.count.ignored", lang, len(outcome.ignored))}


def _rows(original: str, stored: str, source: str, outcome: Outcome, lang: str) -> str:
    when = local_now()
    head = t("reasonfile.read", lang, original=original, moved=_moved(original, stored, lang), source=source,
             when=when, **counts(outcome, lang))
    if lang == "en":
        titles = ("Refused rows (fix them and drop a file with just these rows again):",
                  "Ignored rows (not data, or repeats):")
    else:
        titles = (t("reasonfile.refused_rows", lang), t("reasonfile.ignored_rows", lang))
    parts = [head]
    for title, rows in zip(titles, (outcome.refused, outcome.ignored), strict=True):
        if rows:
            listed = "\n".join(_listed(rows[:MAX_LISTED_PROBLEMS], lang))
            n = len(rows) - MAX_LISTED_PROBLEMS
            more = "\n" + count("reasonfile.more", lang, n) if n > 0 else ""
            parts.append(f"{title}\n{listed}{more}")
    return "\n\n".join(parts) + "\n"


def _listed(rows: Sequence[tuple[str | None, str]], lang: str) -> list[str]:
    """Each (where, reason) as a line: ``line 5: …`` in English, ``rivi 5: …`` in Finnish."""
    if lang == "en":
        return [f"{where}: {reason}" if where else str(reason) for where, reason in rows]
    return [f"{_where(where, lang)}: {worded(reason, lang)}" if where else worded(reason, lang)
            for where, reason in rows]


def _where(where: str, lang: str) -> str:
    unit, _, number = where.partition(" ")
    key = f"reason.unit.{unit}"
    return f"{t(key, lang)} {number}" if key in TEXTS and number else where
