"""Key figures derived from stored counts.

All functions return ``None`` when the figure is undefined (nothing handled,
no answers) so the UI can say "no data" instead of showing a misleading 0 %.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

REMOTE_CHANNELS = ("phone", "chat", "omasote")
ALL_CHANNELS = ("phone", "omasote", "chat", "visit")


def nps_counts(scores: Iterable[int]) -> tuple[int, int, int]:
    """Group 0-10 answers into (promoters 9-10, passives 7-8, detractors 0-6).

    A score outside 0..10 is a data error, not something to round away.
    """
    promoters = passives = detractors = 0
    for score in scores:
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
            raise ValueError(f"NPS answer must be an integer 0-10, got {score!r}")
        if score >= 9:
            promoters += 1
        elif score >= 7:
            passives += 1
        else:
            detractors += 1
    return promoters, passives, detractors


def nps(promoters: float, passives: float, detractors: float) -> float | None:
    """Net Promoter Score -100..100: % promoters minus % detractors."""
    total = promoters + passives + detractors
    if total <= 0:
        return None
    return 100.0 * (promoters - detractors) / total


def share(part: float | None, whole: float | None) -> float | None:
    """part / whole as a fraction 0..1, or None when whole is 0 or unknown."""
    if part is None or whole is None or whole <= 0:
        return None
    return min(1.0, max(0.0, part / whole))


def same_day_share(handled_same_day: float | None, handled: float | None) -> float | None:
    """Share of today's handled contacts that were handled the day they came.

    Contacts carried over from an earlier day and handled today count as
    handled, but not as same-day. This is the live, intraday form of Kainuu's
    "callbacks made the same day" indicator.
    """
    return share(handled_same_day, handled)


def remote_share(by_channel: Mapping[str, float | None]) -> float | None:
    """Remote contacts (phone + chat + Omasote e-service) over all contacts."""
    values = {c: by_channel.get(c) for c in ALL_CHANNELS}
    if any(v is None for v in values.values()):
        return None
    total = sum(values.values())  # type: ignore[arg-type]
    remote = sum(values[c] for c in REMOTE_CHANNELS)  # type: ignore[misc]
    return share(remote, total)
