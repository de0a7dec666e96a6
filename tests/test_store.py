"""The store on SQLite and on the PostgreSQL server (same code, same tests)."""

from datetime import UTC, datetime, timedelta, timezone

from board.domain.reading import Reading
from board.domain.runs import Run
from board.store import Store

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def write(store: Store, readings: list[Reading], source: str = "demo") -> int:
    return store.write_readings(readings, source=source, now=T0)


def test_upserting_the_same_window_twice_never_double_counts(store: Store):
    window = [Reading("kajaani", "queue_waiting", T0 + timedelta(minutes=i), float(i)) for i in range(10)]
    write(store, window)
    write(store, window)
    assert store.count_readings() == 10
    # An overlapping window with a corrected value replaces, not adds.
    write(store, [Reading("kajaani", "queue_waiting", T0 + timedelta(minutes=9), 42.0),
                  Reading("kajaani", "queue_waiting", T0 + timedelta(minutes=10), 43.0)])
    assert store.count_readings() == 11
    latest = store.latest_values("kajaani")["queue_waiting"]
    assert (latest.ts, latest.value) == (T0 + timedelta(minutes=10), 43.0)


def test_a_reading_read_again_keeps_when_it_was_first_collected(store: Store):
    """Pulls overlap on purpose (lookback_seconds): a re-read is not news, a changed value is."""
    from sqlalchemy import select

    from board.store import ReadingRow

    def collected() -> dict[int, datetime]:
        with store.sessions() as s:
            return {ts.minute: at for ts, at in s.execute(select(ReadingRow.ts, ReadingRow.collected_at))}

    first = [Reading("kajaani", "queue_waiting", T0, 1.0),
             Reading("kajaani", "queue_waiting", T0 + timedelta(minutes=1), 2.0)]
    write(store, first)
    later = T0 + timedelta(minutes=5)
    store.write_readings([first[0], Reading("kajaani", "queue_waiting", first[1].ts, 3.0)], "demo", later)
    assert collected() == {0: T0, 1: later}


def test_duplicate_keys_within_one_batch_keep_the_last(store: Store):
    write(store, [Reading("paltamo", "queue_waiting", T0, 1.0), Reading("paltamo", "queue_waiting", T0, 2.0)])
    assert store.count_readings() == 1
    assert store.latest_values("paltamo")["queue_waiting"].value == 2.0


def test_timestamps_come_back_as_aware_utc(store: Store):
    helsinki_noon = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    write(store, [Reading("kuhmo", "omasote_unanswered", helsinki_noon, 5)])
    got = store.latest_values("kuhmo")["omasote_unanswered"].ts
    assert got == helsinki_noon and got.tzinfo == UTC and got.hour == 9


def test_latest_values_per_metric_and_series(store: Store):
    rows = [Reading("sotkamo", m, T0 + timedelta(minutes=i), i * k)
            for i in range(5) for k, m in ((1, "queue_waiting"), (2, "omasote_unanswered"))]
    rows.append(Reading("kuhmo", "queue_waiting", T0 + timedelta(hours=1), 99))
    write(store, rows)
    latest = store.latest_values("sotkamo")
    assert {m: v.value for m, v in latest.items()} == {"queue_waiting": 4, "omasote_unanswered": 8}
    series = store.series("sotkamo", ["queue_waiting"], T0 + timedelta(minutes=1), T0 + timedelta(minutes=4))
    assert [r.value for r in series] == [1, 2, 3]


def test_last_values_are_each_pairs_latest_reading_in_the_window(store: Store):
    rows = [Reading(st, m, T0 + timedelta(minutes=i), i * k + (100 if st == "kuhmo" else 0))
            for i in range(10) for k, m in ((1, "queue_waiting"), (2, "omasote_unanswered"))
            for st in ("sotkamo", "kuhmo")]
    rows.append(Reading("paltamo", "queue_waiting", T0 - timedelta(minutes=1), 7))  # before the window
    write(store, rows)
    got = store.last_values(["sotkamo", "kuhmo", "paltamo"], ["queue_waiting", "omasote_unanswered"],
                            T0, T0 + timedelta(minutes=6))  # up to 08.05 inclusive, 08.06 excluded
    assert sorted(got) == [("kuhmo", "omasote_unanswered", 110), ("kuhmo", "queue_waiting", 105),
                           ("sotkamo", "omasote_unanswered", 10), ("sotkamo", "queue_waiting", 5)]


def test_runs_bookmarks_and_rejects_are_recorded(store: Store):
    run = store.finish_run(Run(source="demo", started_at=T0, finished_at=T0 + timedelta(seconds=2), rows=10,
                               rejected=3, ok=True), {"unknown station 'oulu'": 3}, bookmark=T0)
    store.set_bookmark("demo", T0 + timedelta(minutes=1), T0)
    assert store.bookmark("demo") == T0 + timedelta(minutes=1)
    [got] = store.runs("demo")
    assert got.duration_seconds == 2 and got.rows == 10 and got.ok
    assert store.rejects(run.id) == {"unknown station 'oulu'": 3}
    assert store.prune_runs(T0 + timedelta(days=1)) == 1
    assert store.runs("demo") == [] and store.rejects(run.id) == {}


def test_store_runs_on_the_url_it_is_given(store: Store, database_url: str):
    assert store.engine.dialect.name == ("postgresql" if database_url.startswith("postgresql") else "sqlite")


def test_notices_and_page_views(store):
    from datetime import UTC, date, datetime, timedelta

    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    a = store.add_notice("Lääkäri sairaana", ["kajaani", "paltamo"], now, now + timedelta(hours=3), "Vuorovastaava",
                         now)
    store.add_notice("Koko alue: järjestelmäkatko", ["*"], now, now + timedelta(hours=1), "Admin", now)
    store.add_notice("Vanha", ["kajaani"], now - timedelta(days=1), now - timedelta(hours=1), "X", now)
    assert [n.text for n in store.notices(active_at=now, station="kajaani")] == [
        "Koko alue: järjestelmäkatko", "Lääkäri sairaana"]
    assert [n.text for n in store.notices(active_at=now, station="sotkamo")] == ["Koko alue: järjestelmäkatko"]
    assert store.notices(active_at=now + timedelta(hours=2), station="kajaani")[0].id == a.id
    assert store.withdraw_notice(a.id, "Vuorovastaava", now + timedelta(minutes=5))
    assert not store.withdraw_notice(a.id, "Vuorovastaava", now + timedelta(minutes=6))
    assert [n.text for n in store.notices(active_at=now + timedelta(minutes=10), station="kajaani")] == [
        "Koko alue: järjestelmäkatko"]
    for _ in range(3):
        store.count_view(date(2026, 11, 23), "wall", "kajaani")
    store.count_view(date(2026, 11, 23), "overview")
    store.count_view(date(2026, 11, 24), "wall", "kajaani")
    assert store.page_views(date(2026, 11, 23), date(2026, 11, 23)) == [
        (date(2026, 11, 23), "overview", "", 1), (date(2026, 11, 23), "wall", "kajaani", 3)]
