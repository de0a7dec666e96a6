"""Issue 14's evidence cannot rot: the data part of scripts/evidence_items.py, at fixed clocks, gives the NPS
of its 100 answers as counted here, on the wall and in the weekly view, and accounts for every row it read.

The script's screenshots need a browser and minutes; this runs what they show the figures of (the items demo's
configuration, the documented feedback drop folder, the export as a feedback service writes it, one collector
cycle) in a second or two per clock, and counts the answers' classes itself rather than trusting the script's
own count. The clocks cover an afternoon, a minute after midnight (every answer squeezed into four minutes)
and both DST days (23 and 25 hours).
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from board.domain.timeutil import HELSINKI

ROOT = Path(__file__).resolve().parent.parent


def script() -> ModuleType:
    """scripts/evidence_items.py as a module (scripts/ is a folder of tools, imported by path)."""
    name = "evidence_items_under_test"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "evidence_items.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def helsinki(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=HELSINKI).astimezone(UTC)


@pytest.mark.parametrize("now", [
    helsinki(2026, 11, 23, 16, 30),  # a Monday afternoon
    helsinki(2026, 12, 3, 0, 4),  # four minutes after midnight: 100 answers in four minutes
    helsinki(2026, 3, 29, 23, 50),  # spring forward: a 23-hour day
    helsinki(2026, 10, 25, 23, 50),  # fall back: a 25-hour day, 3.00-3.59 twice in the export's local times
], ids=["afternoon", "after-midnight", "dst-spring", "dst-autumn"])
def test_the_board_shows_the_nps_of_the_scripts_100_answers_and_accounts_for_every_row(tmp_path, now):
    evidence = script()
    loaded = evidence.load(tmp_path, now, backfill_days=1, environ={})
    scores = [a.score for a in loaded.answers]
    assert (len(scores), *classes(scores)) == (100, 62, 29, 9)  # the answers
    day = now.astimezone(HELSINKI).date()
    assert all(a.at <= now and a.at.astimezone(HELSINKI).date() == day for a in loaded.answers)  # today, none ahead
    assert loaded.nps_by_hand == round(nps(scores))

    # The truth, counted here from the export's rows: the 100 answers, less those whose local times, read as
    # docs/CONNECTORS.md says (the repeated autumn hour's first pass, the second for an end that would otherwise
    # come before its start), react before the answer. On the autumn night "3.58" answered and "3.28" reacted
    # is 30 minutes later, in winter time: kept, no longer refused.
    refused = [a for a in loaded.answers if a.reacted_at is not None
               and max(as_written(a.reacted_at), as_written(a.reacted_at, fold=1)) < as_written(a.at)]
    kept = [a.score for a in loaded.answers if a not in refused]
    if hours_in(day) == 25:  # the autumn night's case is really exercised: a reaction written before its answer
        assert any(a.reacted_at is not None and as_written(a.reacted_at) < as_written(a.at) for a in loaded.answers)
    assert not refused  # every answer the script makes reacts after it: nothing may be refused
    truth = pytest.approx(nps(kept))

    # The board: the wall's big number, today's column of the weekly view and the week
    assert loaded.board_nps == {"wall": truth, "week_day": truth, "week_day_answers": len(kept), "week": truth}

    # No silent loss: every answer stored or refused with a reason, the totals row ignored, nothing unexplained
    runs = {o.source: o for o in loaded.outcomes}
    assert set(runs) == {"demo-items", "palaute"}
    feedback = runs["palaute"]
    assert feedback.ok, (feedback.error, feedback.rejects)
    assert (feedback.run.rows_read, feedback.run.rows_stored, feedback.run.rows_refused, feedback.run.rows_ignored,
            feedback.run.unaccounted) == (len(scores) + 1, len(kept), len(refused), 1, 0)
    assert sum(feedback.rejects.values()) == len(refused)
    demo = runs["demo-items"]
    assert demo.ok and demo.run.rows_read and demo.run.unaccounted == 0 and demo.run.rows_refused == 0


def classes(scores: list[int]) -> tuple[int, int, int]:
    """Promoters (9-10), passives (7-8), detractors (0-6): counted here, not by the board."""
    return (sum(1 for s in scores if 9 <= s <= 10), sum(1 for s in scores if 7 <= s <= 8),
            sum(1 for s in scores if 0 <= s <= 6))


def nps(scores: list[int]) -> float:
    """% of promoters less % of detractors, unrounded (the wall rounds only when it writes the number)."""
    promoters, _, detractors = classes(scores)
    return 100 * (promoters - detractors) / len(scores)


def as_written(at: datetime, fold: int = 0) -> datetime:
    """The instant a Finnish export's local ``d.m.yyyy h.mm`` stands for when read back without an offset: in the
    repeated autumn hour, the first of the two (zoneinfo's ``fold=0``), or with ``fold=1`` the second."""
    wall = at.astimezone(HELSINKI).replace(tzinfo=None, second=0, microsecond=0, fold=fold)
    return wall.replace(tzinfo=HELSINKI).astimezone(UTC)


def hours_in(day: date) -> float:
    start = datetime(day.year, day.month, day.day, tzinfo=HELSINKI)
    return ((start + timedelta(days=1)).astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600


def test_the_export_is_written_as_a_feedback_service_writes_it(tmp_path):
    """Windows-1252, CRLF, a title line, Finnish headers and times, blank cells, free text, a totals row."""
    evidence = script()
    now = helsinki(2026, 11, 23, 16, 30)
    answers = evidence.make_answers(now)
    raw = evidence.write_export(tmp_path, answers, now).read_bytes()
    text = raw.decode("cp1252")
    lines = text.split("\r\n")
    assert lines[0].startswith("Palautteet, ajettu 23.11.2026 16.30") and lines[1] == ""
    assert lines[2] == "Vastaus-ID;Yksikkö;Päivämäärä;Suositteluhalukkuus;Vaatii reagointia;Reagoitu;Vapaa palaute"
    rows = [line.split(";") for line in lines[3:-2]]
    assert lines[-2] == "Yhteensä;100;;;;;" and lines[-1] == ""
    assert len(rows) == 100 and {r[1] for r in rows} == {"Sotkamon terveysasema"}
    assert rows[0][2] == "23.11.2026 0.00"  # d.m.yyyy h.mm, no leading zero on the hour
    assert sorted(int(r[3]) for r in rows) == sorted(a.score for a in answers)
    assert any(r[5] == "" for r in rows) and any(r[5] for r in rows)  # blank cells and reacted times
    assert "Yksikkö".encode("cp1252") in raw  # not UTF-8
