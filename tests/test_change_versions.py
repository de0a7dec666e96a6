"""Per-station change versions (board/store/changes.py): every write a wall shows moves its station's version, in
the same transaction, and nothing else does. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from board.domain.projection import StationProjection
from board.domain.reading import Reading, ReadingBlock
from board.store import Store

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_a_readings_write_moves_the_written_stations_only(store: Store) -> None:
    assert store.change_versions() == {}
    store.write_readings([Reading("kajaani", "queue_waiting", NOW, 3.0)], "jono", NOW)
    assert store.change_versions() == {"kajaani": 1}
    # Many readings of two stations in one write: one step each (a write, not a reading, is the unit).
    block = ReadingBlock("sotkamo", ("queue_waiting", "contacts_phone"),
                         [NOW + timedelta(minutes=i) for i in range(50)],
                         np.array([[i, i] for i in range(50)], dtype=float))
    store.write_readings([Reading("kajaani", "queue_waiting", NOW + timedelta(minutes=1), 4.0), block], "jono", NOW)
    assert store.change_versions() == {"kajaani": 2, "sotkamo": 1}
    store.write_readings([], "jono", NOW)  # nothing written: nothing moves
    assert store.change_versions() == {"kajaani": 2, "sotkamo": 1}


def test_notices_projections_and_figures_typed_by_hand_move_their_stations(store: Store) -> None:
    one = store.add_notice("Huolto klo 12", ["kajaani"], NOW, NOW + timedelta(hours=2), "vuoro", NOW)
    assert store.change_versions() == {"kajaani": 1}
    store.add_notice("Kaikille", ["*"], NOW, NOW + timedelta(hours=2), "vuoro", NOW)
    assert store.change_versions() == {"kajaani": 1, "*": 1}
    assert store.withdraw_notice(one.id, "vuoro", NOW)
    assert store.change_versions() == {"kajaani": 2, "*": 1}
    assert not store.withdraw_notice(one.id, "vuoro", NOW)  # already withdrawn: no change, no step
    assert store.change_versions() == {"kajaani": 2, "*": 1}
    store.save_projections([StationProjection("sotkamo", NOW, queue=4.0), StationProjection("kuhmo", NOW)])
    assert store.change_versions() == {"kajaani": 2, "*": 1, "sotkamo": 1, "kuhmo": 1}
    typed = store.add_manual_entry("kuhmo", "queue_waiting", 7.0, NOW + timedelta(hours=1), "vuoro", NOW)
    assert store.change_versions() == {"kajaani": 2, "*": 1, "sotkamo": 1, "kuhmo": 2}
    assert store.withdraw_manual_entry(typed.id, "vuoro", NOW)
    assert store.change_versions() == {"kajaani": 2, "*": 1, "sotkamo": 1, "kuhmo": 3}


def test_a_failed_write_moves_nothing(store: Store) -> None:
    """The bump is inside the write's transaction: a write that fails half way leaves the versions alone."""
    store.write_readings([Reading("kajaani", "queue_waiting", NOW, 3.0)], "jono", NOW)

    def failing():  # type: ignore[no-untyped-def]
        yield Reading("sotkamo", "queue_waiting", NOW, 1.0)
        raise RuntimeError("the source broke off")

    with pytest.raises(RuntimeError):
        store.write_readings(failing(), "jono", NOW)
    assert store.change_versions() == {"kajaani": 1}


def test_the_versions_of_some_stations_are_theirs_and_every_stations(store: Store) -> None:
    """What a web server reads twice a second: only the stations its walls show, and ``*`` (a notice on every
    station moves every wall); the same numbers as the whole table's."""
    store.write_readings([Reading(code, "queue_waiting", NOW, 1.0) for code in ("kajaani", "sotkamo", "kuhmo")],
                         "jono", NOW)
    store.add_notice("Kaikille", ["*"], NOW, NOW + timedelta(hours=2), "vuoro", NOW)
    store.write_readings([Reading("kajaani", "queue_waiting", NOW + timedelta(minutes=1), 2.0)], "jono", NOW)
    whole = store.change_versions()
    assert store.change_versions(stations=["kajaani"]) == {"kajaani": 2, "*": 1}
    assert store.change_versions(stations={"kuhmo", "suomussalmi"}) == {"kuhmo": 1, "*": 1}  # never written: absent
    assert store.change_versions(stations=[]) == {"*": 1}
    assert store.change_versions(stations=list(whole)) == whole
