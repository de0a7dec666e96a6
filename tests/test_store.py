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


def test_last_values_of_part_of_a_day_are_the_readings_latest_after_late_and_corrected_writes(store: Store):
    """A window from a Helsinki midnight to a moment of that day (the weekly view's compared day up to the same
    clock time; PostgreSQL reads it through the day's roll-up rows): each pair's latest reading in the window, as
    plain Python finds it in the readings written, after a late reading, a correction of the day's last reading
    and readings sent out of time order; a pair whose day ended before the moment, one whose readings all come
    after it, one with readings only the day before, and one of another metric are told apart."""
    import random

    from board.domain.timeutil import day_start

    rnd = random.Random(49)
    midnight = day_start(datetime(2026, 11, 26).date())  # a Thursday, 22.00 UTC the evening before
    metrics = ["contacts_phone_today", "omasote_unanswered", "queue_waiting"]
    written: dict[tuple[str, str, datetime], float] = {}

    def send(readings: list[Reading]) -> None:
        write(store, readings)
        written.update({(r.station, r.metric, r.ts): r.value for r in readings})

    # Stations on their own clocks: every 10 or 15 minutes from 06.00 local, each stopping at its own hour.
    for i, st in enumerate(["sotkamo", "kuhmo", "paltamo", "puolanka"]):
        step, stop = (10, 15)[i % 2], (12, 16, 20, 24)[i]
        send([Reading(st, m, t, float(rnd.randint(0, 40)))
              for m in metrics[: 2 + i % 2]
              for t in (midnight + timedelta(hours=6, minutes=k * step) for k in range(0, (stop - 6) * 60 // step))])
    send([Reading("kajaani", "queue_waiting", midnight + timedelta(hours=15, seconds=7), 4.0)])  # afternoon only
    send([Reading("hyrynsalmi", "queue_waiting", midnight - timedelta(minutes=30), 9.0)])  # the day before only
    send([Reading("kuhmo", "omasote_unanswered", midnight + timedelta(hours=9, minutes=5), 31.0)])  # late, 09.05
    # the source corrects sotkamo's last readings of the day, then sends two of its morning out of order
    last = max(ts for st, m, ts in written if st == "sotkamo" and m == "omasote_unanswered")
    send([Reading("sotkamo", "omasote_unanswered", last, 0.0)])
    send([Reading("sotkamo", "contacts_phone_today", midnight + timedelta(hours=8, minutes=20), 77.0),
          Reading("sotkamo", "contacts_phone_today", midnight + timedelta(hours=7, minutes=50), 66.0)])
    stations = ["sotkamo", "kuhmo", "paltamo", "puolanka", "kajaani", "hyrynsalmi", "pielisjarvi"]
    seen = []
    for until in (midnight, midnight + timedelta(hours=6), midnight + timedelta(hours=9, minutes=5),
                  midnight + timedelta(hours=13, minutes=2, seconds=30), last, midnight + timedelta(hours=15),
                  midnight + timedelta(hours=23, minutes=59)):
        end = until + timedelta(microseconds=1)
        truth = {}
        for (st, m, ts), value in sorted(written.items(), key=lambda kv: kv[0][2]):
            if st in stations and midnight <= ts < end:
                truth[(st, m)] = value
        got = store.last_values(stations, metrics, midnight, end)
        assert sorted(got) == sorted((st, m, v) for (st, m), v in truth.items()), until
        seen.append({st for st, _, _ in got})
    # the cases are there: nothing at midnight, kajaani only after 15.00, hyrynsalmi never, sotkamo stopped at 12
    assert seen[0] == set() and "kajaani" not in seen[5] and "kajaani" in seen[6]
    assert not any("hyrynsalmi" in s for s in seen) and ("sotkamo", "omasote_unanswered", 0.0) in got


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


def test_day_values_are_each_days_highest_or_last_reading_as_written(store: Store):
    """``Store.day_values`` (the weekly page's roll-up reads): per station, metric and Helsinki day, the day's
    highest reading for the metrics asked as highest and its last for the others, as plain Python finds them in
    the readings written: readings out of time order, a late correction of a day's highest and of its last, a
    day crossing Helsinki midnight (21.59 and 22.00 UTC in winter), and stations, metrics and days not asked for
    left out."""
    import random

    from board.domain.timeutil import local_date

    rnd = random.Random(16)
    metrics = ["queue_waiting", "contacts_phone_today", "omasote_unanswered"]
    written: dict[tuple[str, str, datetime], float] = {}

    def send(readings: list[Reading]) -> None:
        write(store, readings)
        written.update({(r.station, r.metric, r.ts): r.value for r in readings})

    start = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # Sunday 22.00 in Helsinki
    times = [start + timedelta(minutes=23 * k) for k in range(0, 260)]
    rnd.shuffle(times)  # sent out of time order
    for st in ("sotkamo", "kuhmo", "paltamo"):
        send([Reading(st, m, ts, float(rnd.randint(0, 60)) + (0.5 if m == "omasote_unanswered" else 0.0))
              for ts in times for m in metrics if rnd.random() < 0.8])
    send([Reading("sotkamo", "queue_waiting", datetime(2026, 11, 23, 21, 59, tzinfo=UTC), 99.0),  # Monday's last
          Reading("sotkamo", "queue_waiting", datetime(2026, 11, 23, 22, 0, tzinfo=UTC), 1.0)])  # Tuesday's first
    # corrections: kuhmo's Monday highest queue reading lowered, its last contacts reading raised
    monday = datetime(2026, 11, 23).date()
    top = max((v, ts) for (st, m, ts), v in written.items()
              if st == "kuhmo" and m == "queue_waiting" and local_date(ts) == monday)[1]
    last = max(ts for (st, m, ts) in written if st == "kuhmo" and m == "contacts_phone_today"
               and local_date(ts) == monday)
    send([Reading("kuhmo", "queue_waiting", top, 0.0), Reading("kuhmo", "contacts_phone_today", last, 500.0)])

    first, final = monday, datetime(2026, 11, 25).date()
    asked = ["sotkamo", "kuhmo", "pielisjarvi"]
    truth: dict[tuple[str, object, str], tuple[datetime, float]] = {}
    for (st, m, ts), v in sorted(written.items(), key=lambda kv: kv[0][2]):
        day = local_date(ts)
        if st in asked and m in metrics[:2] and first <= day <= final:
            held = truth.get((st, day, m))
            if m == "queue_waiting":  # the highest (ties: any, the value is the same)
                truth[(st, day, m)] = (ts, v) if held is None or v >= held[1] else held
            else:  # the last
                truth[(st, day, m)] = (ts, v)
    got = store.day_values(asked, metrics[:2], first, final, highest=["queue_waiting"])
    assert sorted(got) == sorted((st, day, m, v) for (st, day, m), (_, v) in truth.items())
    assert ("sotkamo", monday, "queue_waiting", 99.0) in got
    assert {d for _, d, _, _ in got} == {monday, monday + timedelta(days=1), final}
    # without ``highest`` every metric's last reading
    lasts = {(st, d, m): v for st, d, m, v in store.day_values(asked, ["queue_waiting"], first, final)}
    assert lasts[("sotkamo", monday, "queue_waiting")] == 99.0 and lasts[("sotkamo", monday + timedelta(days=1),
                                                                         "queue_waiting")] != 99.0
    for (st, d, m), v in lasts.items():
        assert v == max(((ts, val) for (s2, m2, ts), val in written.items()
                         if (s2, m2) == (st, m) and local_date(ts) == d))[1]
