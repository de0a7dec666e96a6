"""The rule every stored reading must pass: its metric is known and its value lies in the metric's range.

The metrics themselves (family, kind, unit and so the range) are declared in
the figure catalogue, :mod:`board.domain.figures`; they are importable from
here too, where connectors and the collector have always found them. Derived
figures (same-day and remote share, NPS) are computed, never stored, so they
cannot be out of range (a share 0-100 %, NPS -100...+100) unless a stored
count is: a reading outside its metric's range is refused as a data error,
never stored and never shown on a wall.
"""

from __future__ import annotations

import numpy as np

from board.domain.figures import KNOWN_FIGURES, MAX_AGE, MAX_COUNT, METRICS, Family, Kind, metrics_of
from board.domain.reasons import Reason

__all__ = ["KNOWN_FIGURES", "MAX_AGE", "MAX_COUNT", "METRICS", "Family", "Kind", "all_in_range", "columns_in_range",
           "metrics_of", "range_problem"]

#: Each metric's (minimum, maximum, whole) once: range_problem runs for every reading of every backfill.
_RANGES = {m.code: (m.minimum, m.maximum, m.whole) for m in METRICS.values()}


def range_problem(metric: str, value: float) -> Reason | None:
    """Why ``value`` cannot be a reading of ``metric`` (naming both and the allowed range), or None if it can.

    The one rule for every path into the store: the connectors' mapping
    applies it to each record (so a files source refuses the whole file) and
    the collector applies it again to every reading whatever its connector.
    """
    low, high, whole = _RANGES[metric]
    if low <= value <= high and not (whole and value != int(value)):
        return None
    figure = METRICS[metric]
    return Reason("out_of_range", f"{metric}: value {value:g} is out of range (allowed: {figure.allowed()})",
                  metric=metric, value=float(value), unit=figure.unit, low=figure.minimum, high=figure.maximum)


def all_in_range(metric: str, values: np.ndarray) -> bool:
    """True when every value of ``values`` could be a reading of ``metric`` (the rule of :func:`range_problem`).

    For a block of readings at once: one vectorized test instead of a call per
    reading. NaN and infinities fail it. When it says False, the caller checks
    the readings one by one to name each problem.
    """
    low, high, whole = _RANGES[metric]
    if values.size == 0:
        return True
    if not (values.min() >= low and values.max() <= high):  # NaN makes both comparisons False
        return False
    return not whole or bool((values == np.floor(values)).all())


def columns_in_range(metrics: tuple[str, ...], values: np.ndarray) -> bool:
    """:func:`all_in_range` for every column of ``values`` at once (column ``j`` a reading of ``metrics[j]``).

    The same rule with a handful of numpy calls per block instead of four per
    metric: a running collector's block has a few rows (36 readings at the
    demo's minute step), so per-call overhead was most of a cycle's checks.
    """
    if values.shape[0] == 0:
        return True
    low, high, whole = _bounds(metrics)
    if not (bool((values.min(axis=0) >= low).all()) and bool((values.max(axis=0) <= high).all())):  # NaN: False
        return False
    if not whole.any():
        return True
    part = values[:, whole]
    return bool((part == np.floor(part)).all())


_BOUNDS: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _bounds(metrics: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The low and high bounds and the whole-number flags of ``metrics``, as arrays (made once per tuple)."""
    bounds = _BOUNDS.get(metrics)
    if bounds is None:
        ranges = [_RANGES[m] for m in metrics]
        bounds = _BOUNDS[metrics] = (np.array([r[0] for r in ranges], dtype=np.float64),
                                     np.array([r[1] for r in ranges], dtype=np.float64),
                                     np.array([bool(r[2]) for r in ranges], dtype=bool))
    return bounds
