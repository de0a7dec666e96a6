"""The weekly view's figures of a period are what the catalogue's ``derive`` gives over a period.

:func:`board.domain.periods.week_figures` computes only the week's figures, straight into its result (it
runs per station and day: 8 100 times at 900 stations); ``derive`` is the one definition of every figure.
Checked on raw values of all kinds: every input present, some missing (no data is never 0), zero counts,
NPS classes missing on some days (zero-filled over a period), and nothing at all.
"""

from __future__ import annotations

import random

import pytest

from board.domain.figures import WEEK, derive
from board.domain.periods import DAILY_METRICS, END_GAUGES, PEAK_KEY, Raw, week_figures

KEYS = (*DAILY_METRICS, *END_GAUGES, PEAK_KEY)


def raws() -> list[Raw]:
    rng = random.Random(900)
    out: list[Raw] = [{}, {k: 0.0 for k in KEYS}, {k: float(rng.randrange(1, 400)) for k in KEYS}]
    for _ in range(400):
        keep = rng.random()
        out.append({k: float(rng.choice([0, 0, rng.randrange(0, 500)])) for k in KEYS if rng.random() < keep})
    return out


@pytest.mark.parametrize("raw", raws())
def test_week_figures_are_derive_over_a_period(raw: Raw):
    expected = derive(raw, period=True)
    got = week_figures(raw)
    assert list(got) == list(WEEK)
    assert got == {name: expected.get(f.code) for name, f in WEEK.items()}


def test_the_check_sees_figures_computed_from_counts():
    """Not vacuous: the random cases include computed shares and scores, and figures left undefined."""
    cases = [week_figures(r) for r in raws()]
    for name in ("contacts_remote_share", "queue_same_day_share", "feedback_nps", "queue_failure_demand_share"):
        assert any(c[name] is not None for c in cases), name
        assert any(c[name] is None for c in cases), name


def test_has_data_without_computing_is_has_data():
    """``read.week._has_data`` (the page's count of days with data, without each day's figures) says what
    ``DayFigures.has_data`` says, also for days holding only counts that figures are computed from."""
    from datetime import date

    from board.read.week import _PLAIN, DayFigures, _has_data

    only_inputs = [k for k in KEYS if k not in _PLAIN]
    rng = random.Random(17)
    cases = raws() + [{k: float(rng.choice([0, 3, 40]))} for k in only_inputs] + [
        {k: float(rng.randrange(0, 9)) for k in only_inputs if rng.random() < 0.5} for _ in range(200)]
    seen = set()
    for raw in cases:
        expected = DayFigures(date(2026, 11, 16), week_figures(raw)).has_data
        assert _has_data(raw) == expected, raw
        if raw and not _PLAIN & set(raw):
            seen.add(expected)
    assert seen == {True} and not _has_data({})  # not vacuous: days of inputs alone took the computing path


# ----------------------------------------------------- over stations against a loop over them
def loop_over_stations(raws: list[Raw]) -> Raw:
    """What ``over_stations`` was before a metric at a time: a Python step per station and metric, the
    catalogue's rule looked up per step."""
    from board.domain.figures import METRICS

    out: Raw = {}
    for raw in raws:
        for metric, value in raw.items():
            how = "sum" if metric in DAILY_METRICS else METRICS[metric].over_stations if metric in END_GAUGES \
                else None
            if how == "sum":
                out[metric] = out.get(metric, 0.0) + value
            elif how == "max":
                out[metric] = max(out.get(metric, value), value)
    return out


def groups(seed: int, size: int, count: int) -> list[list[Raw]]:
    """Groups of raw days or stations as the roll-up gives them: keys in shuffled orders, some missing, values
    with fractions (so the order of additions shows in the last bits) as well as whole counts, ints too."""
    rng = random.Random(seed)
    out = [[], [{}], [{}, {}]]
    for _ in range(count):
        group = []
        for _ in range(rng.randrange(1, size + 1)):
            keys = [k for k in KEYS if rng.random() < rng.choice([0.2, 0.8, 1.0])]
            rng.shuffle(keys)
            group.append({k: rng.choice([0.0, float(rng.randrange(500)), rng.uniform(0, 1e6) / 7,
                                         rng.randrange(50)]) for k in keys})
        out.append(group)
    return out


def test_over_stations_is_the_loop_over_stations():
    from board.domain.periods import over_stations

    cases = [*groups(900, 60, 300), [{k: float(i) for k in KEYS} for i in range(900)]]
    order_shows = 0
    for raws_ in cases:
        got, expected = over_stations(raws_), loop_over_stations(raws_)
        assert list(got.items()) == list(expected.items()), raws_
        assert PEAK_KEY not in got  # the combined peak is the caller's
        order_shows += got != loop_over_stations(raws_[::-1])
    assert order_shows > 100  # not vacuous: adding in another order (or keys in another) would be seen
