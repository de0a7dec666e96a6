"""The item sources of docs/CONNECTORS.md ("Items"), each run exactly as written.

Each ```yaml example of the Items section is taken from the document itself and changed only where an
administrator points it at their own system (``url``, ``folder``); the data is shaped as such a system
writes it (a callback table with Helsinki local times and a free-text column, Omasote's JSON with nested
unit codes behind a bearer token, a feedback service's semicolon CSV in Windows-1252 with Finnish headers,
a contact log's JSON list asked with ``changedSince``). Truths are counted with the plain-loop reference of
tests/test_items_domain.py from the test's own list, or by hand (the NPS).

The feedback case is the issue's: 100 individual answers with a known NPS of +53, loaded with no reshaping,
shown on the wall (rendered HTML) and on the weekly view.
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text

from board.collector import Collector
from board.domain.items import METRICS_OF, OUTCOME_METRICS, Item, ItemType
from board.environment import read_environment
from board.settings import load_settings
from board.store import Store
from tests.loopback import loopback
from tests.test_items_domain import HKI, reconciled
from tests.test_items_sources import reconcile

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {"BOARD_ITEM_KEY": "doc-item-key-0123456789abcdef", "DW_PASSWORD": "x" * 8,
           "CALLBACK_API_TOKEN": "omasote-token-0123456789"}
CB, MSG, CON, FB = ItemType.CALLBACKS, ItemType.MESSAGES, ItemType.CONTACTS, ItemType.FEEDBACK


def documented(name: str) -> dict[str, Any]:
    """The source ``name`` as docs/CONNECTORS.md's Items section writes it."""
    text_ = (ROOT / "docs" / "CONNECTORS.md").read_text(encoding="utf-8")
    section = text_.split("## Items: sources whose records the board counts itself", 1)[1].split("\n## ", 1)[0]
    for block in re.findall(r"```yaml\n(.*?)```", section, re.S):
        (entry,) = yaml.safe_load(block)
        if entry["name"] == name:
            return entry
    raise AssertionError(f"no item source {name!r} in docs/CONNECTORS.md")


def configure(config_dir: Path, database_url: str, entry: dict[str, Any]):
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [entry]}, allow_unicode=True),
                                             encoding="utf-8")
    return load_settings(config_dir, database_url, read_environment(SECRETS))


def local(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=HKI).astimezone(UTC)


def latest_values(store: Store, station: str, kind: ItemType) -> dict[str, float]:
    metrics = [*METRICS_OF[kind], *(OUTCOME_METRICS if kind is CB else ())]
    return {m: v.value for m, v in store.latest_values(station, metrics).items()}


# ------------------------------------------------------------------ sql: the callback table, by changes
@pytest.fixture
def callback_database(postgres_server: str):
    """A database of its own holding the example's schema ``puhelin`` (the query names it), dropped after."""
    name = f"itemdoc_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA puhelin"))
        conn.execute(text("CREATE TABLE puhelin.takaisinsoittopyynnot (pyynto_id varchar(20) PRIMARY KEY, "
                          "yksikko varchar(10), luotu timestamp, hoidettu timestamp, tulos varchar(20), "
                          "muutettu timestamp, lisatieto text)"))
    try:
        yield url, engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _write_callbacks(engine, rows: list[tuple]) -> None:
    with engine.begin() as conn:
        for r in rows:
            conn.execute(text("INSERT INTO puhelin.takaisinsoittopyynnot VALUES (:i, :y, :l, :h, :t, :m, :x) "
                              "ON CONFLICT (pyynto_id) DO UPDATE SET hoidettu = :h, tulos = :t, muutettu = :m"),
                         dict(zip("iylhtmx", r, strict=True)))


@pytest.mark.postgres
def test_the_documented_sql_callback_source_works_as_written(config_dir, sqlite_url, callback_database):
    url, engine = callback_database
    entry = documented("takaisinsoitot")
    entry["url"] = url  # the only change: the administrator's database
    T = datetime.fromisoformat
    rows = [  # pyynto_id, yksikko, luotu, hoidettu, tulos, muutettu, lisatieto (free text: never read)
        ("P-1001", "KAJ", T("2026-11-22 23:50"), T("2026-11-23 00:10"), "HOIDETTU", T("2026-11-23 00:10"), "kiire"),
        ("P-1002", "KAJ", T("2026-11-23 08:01"), T("2026-11-23 08:20"), "AJANVARAUS", T("2026-11-23 08:20"), None),
        ("P-1003", "KAJ", T("2026-11-23 08:05"), None, None, T("2026-11-23 08:05"), "soittaa iltapäivällä"),
        ("P-1004", "SOT", T("2026-11-23 09:00"), None, None, T("2026-11-23 09:00"), None),
        ("P-1005", "KAJ", T("2026-11-22 15:00"), None, None, T("2026-11-22 15:00"), None),
    ]
    _write_callbacks(engine, rows)
    settings = configure(config_dir, sqlite_url, entry)
    store = Store.open(sqlite_url)
    now = [local("2026-11-23 10:00")]
    collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
    (outcome,) = collector.run_once()
    assert outcome.ok, (outcome.error, outcome.rejects)
    # at 10.00: P-1003 and P-1005 wait (the oldest since yesterday 15.00: 19 h); P-1001 (23.50 -> 00.10) and
    # P-1002 handled today, only P-1002 the same day; carried over from yesterday: P-1001 and P-1005
    assert latest_values(store, "kajaani", CB) == {
        "queue_waiting": 2, "queue_oldest_wait_min": 19 * 60, "queue_handled_today": 2,
        "queue_handled_same_day_today": 1, "contacts_carried_over": 2, "queue_resolved_today": 1,
        "queue_appointment_today": 1, "queue_not_reached_today": 0, "queue_redirected_today": 0,
        "queue_failure_demand_today": 0}
    # after the fact: P-1003 not reached, P-1005 handled, a new one, P-1002's handling corrected to 08.40
    later = [("P-1003", "KAJ", T("2026-11-23 08:05"), T("2026-11-23 10:30"), "EI_TAVOITETTU",
              T("2026-11-23 10:30"), None),
             ("P-1005", "KAJ", T("2026-11-22 15:00"), T("2026-11-23 10:45"), "UUSINTA", T("2026-11-23 10:45"), None),
             ("P-1006", "KAJ", T("2026-11-23 10:50"), None, None, T("2026-11-23 10:50"), None),
             ("P-1002", "KAJ", T("2026-11-23 08:01"), T("2026-11-23 08:40"), "AJANVARAUS", T("2026-11-23 10:55"),
              None)]
    _write_callbacks(engine, later)
    now[0] = local("2026-11-23 11:00")
    (outcome,) = collector.run_once()
    assert outcome.ok, (outcome.error, outcome.rejects)
    final = {r[0]: r for r in rows} | {r[0]: r for r in later}
    stations = {"KAJ": "kajaani", "SOT": "sotkamo"}
    items = [Item(CB, r[0], stations[r[1]], r[2].replace(tzinfo=HKI).astimezone(UTC),
                  None if r[3] is None else r[3].replace(tzinfo=HKI).astimezone(UTC)) for r in final.values()]
    n = reconcile(store, "kajaani", CB, items) + reconcile(store, "sotkamo", CB, items)
    values = latest_values(store, "kajaani", CB)
    assert (values["queue_not_reached_today"], values["queue_failure_demand_today"]) == (1, 1)
    reconciled(case="docs sql callbacks (changes)", items=len(final), instants=n,
               cases="23.50->00.10 not same-day; handled and corrected after the fact; outcome classes")


# ------------------------------------------------------------------ rest: Omasote's open messages, snapshot
def test_the_documented_rest_message_snapshot_works_as_written(config_dir, sqlite_url):
    entry = documented("omasote-viestit")

    def body(*messages: tuple[int, str, str]) -> bytes:  # as such an API answers: nested unit, ISO times
        return json.dumps({"messages": [
            {"messageId": f"m-{n}", "unit": {"code": unit, "type": "terveysasema"}, "receivedAt": at,
             "answeredAt": None, "subject": "Reseptin uusiminen"} for n, unit, at in messages]}).encode()

    m1 = (1, "KAJ-TA", "2026-11-23T07:30:00+02:00")
    m2 = (2, "KAJ-TA", "2026-11-22T21:00:00+02:00")
    m3 = (3, "KAJ-TA", "2026-11-23T09:10:00+02:00")
    m4 = (4, "SOT-TA", "2026-11-23T08:00:00+02:00")
    with loopback() as server:
        server.answer.require_authorization = f"Bearer {SECRETS['CALLBACK_API_TOKEN']}"
        server.set(body(m1, m2, m4))
        entry["url"] = server.url  # the only change: where the administrator's API is
        settings = configure(config_dir, sqlite_url, entry)
        store = Store.open(sqlite_url)
        now = [local("2026-11-23 09:00")]
        collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
        (outcome,) = collector.run_once()
        assert outcome.ok, (outcome.error, outcome.rejects)
        server.set(body(m2, m3, m4))  # m1 answered: gone from the open list; m3 new
        now[0] = local("2026-11-23 10:00")
        (outcome,) = collector.run_once()
        assert outcome.ok, (outcome.error, outcome.rejects)
    items = [Item(MSG, "1", "kajaani", local("2026-11-23 07:30"), local("2026-11-23 10:00")),
             Item(MSG, "2", "kajaani", local("2026-11-22 21:00")),
             Item(MSG, "3", "kajaani", local("2026-11-23 09:10")),
             Item(MSG, "4", "sotkamo", local("2026-11-23 08:00"))]
    n = reconcile(store, "kajaani", MSG, items) + reconcile(store, "sotkamo", MSG, items)
    assert latest_values(store, "kajaani", MSG) == {
        "omasote_unanswered": 2, "omasote_oldest_unanswered_h": 13, "omasote_received_today": 2,
        "omasote_answered_today": 1}
    reconciled(case="docs rest messages (snapshot)", items=len(items), instants=n,
               cases="closed at the snapshot's time when it vanished")


# ------------------------------------------------------------------ rest: the contact log, by changes
def test_the_documented_rest_contact_log_works_as_written(config_dir, sqlite_url):
    entry = documented("yhteydenotot")
    words = {"puhelin": "phone", "chat": "chat", "sähköinen asiointi": "omasote", "käynti": "visit"}
    rng = random.Random(14)
    records, items = [], []
    for n in range(120):  # a day and a half across midnight, the log's own words for the channels
        at = local("2026-11-22 12:00") + timedelta(minutes=rng.randrange(30 * 60))
        word = rng.choice(list(words))
        unit = rng.choice(("KAJ", "SOT"))
        records.append({"id": n, "unit": unit, "time": at.isoformat(), "channel": word})
        items.append(Item(CON, str(n), {"KAJ": "kajaani", "SOT": "sotkamo"}[unit], at, channel=words[word]))
    with loopback() as server:
        server.set(json.dumps(records).encode())
        entry["url"] = server.url
        settings = configure(config_dir, sqlite_url, entry)
        store = Store.open(sqlite_url)
        (outcome,) = Collector(settings, store, clock=lambda: local("2026-11-23 18:00"),
                               sleep=lambda s: None).run_once()
        asked = server.answer.requests[-1]["path"]
    assert outcome.ok, (outcome.error, outcome.rejects)
    assert "changedSince=2026-11-" in asked  # the documented parameter, filled in
    n = reconcile(store, "kajaani", CON, items) + reconcile(store, "sotkamo", CON, items)
    reconciled(case="docs rest contacts (changes)", items=len(items), instants=n,
               cases="channels translated; across midnight")


# ------------------------------------------------------------------ files: 100 feedback answers, NPS +53
def nps_by_hand(scores: list[int]) -> int:
    """NPS as the feedback services define it: % of 9-10 minus % of 0-6, over all answers (rounded)."""
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores))


def feedback_export(folder: Path, day: date) -> tuple[list[int], list[tuple[datetime, bool, datetime | None]]]:
    """A feedback service's export of one day's 100 answers (62 promoters, 29 passives, 9 detractors),
    as it writes it: semicolons, Windows-1252, CRLF, Finnish headers, Finnish date-times, a free-text column."""
    rng = random.Random(53)
    scores = [rng.choice((9, 10)) for _ in range(62)] + [rng.choice((7, 8)) for _ in range(29)] + \
        [rng.randint(0, 6) for _ in range(9)]
    rng.shuffle(scores)
    lines = ["Vastaus-ID;Yksikkö;Päivämäärä;Suositteluhalukkuus;Vaatii reagointia;Reagoitu;Vapaa palaute"]
    answers = []
    for n, score in enumerate(scores):
        at = datetime(day.year, day.month, day.day, 8, 0) + timedelta(minutes=5 * n)
        needs = score <= 4 or n in (3, 50)
        reacted = at + timedelta(hours=1) if needs and n % 2 == 0 and at.hour < 15 else None  # exported at 16.30
        answers.append((at.replace(tzinfo=HKI).astimezone(UTC), needs,
                        None if reacted is None else reacted.replace(tzinfo=HKI).astimezone(UTC)))
        lines.append(f"{90000 + n};Kajaanin terveysasema;{at:%d.%m.%Y} {at.hour}.{at:%M};{score};"
                     f"{'Kyllä' if needs else 'Ei'};{'' if reacted is None else f'{reacted:%d.%m.%Y %H.%M}'};"
                     "Odotin pitkään, mutta hoitaja oli ystävällinen")
    path = folder / f"palautteet_{day:%Y%m%d}.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    settled = (datetime.now(UTC) - timedelta(minutes=10)).timestamp()
    os.utime(path, (settled, settled))  # written ten minutes ago: past settle_seconds
    return scores, answers


def test_the_documented_feedback_export_gives_the_nps_of_100_answers_on_the_wall_and_the_week(config_dir, tmp_path):
    from board.read import week as weekly
    from board.read.wall import station_view
    from board.web.wall_html import render_wall

    entry = documented("palaute")
    folder = tmp_path / "palaute"
    folder.mkdir()
    entry["folder"] = str(folder)  # the only change: where the export lands
    day = date(2026, 11, 23)  # a Monday, week 48
    scores, answers = feedback_export(folder, day)
    assert nps_by_hand(scores) == 53
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    settings = configure(config_dir, url, entry)
    store = Store.open(url)
    now = local("2026-11-23 16:30")  # Kajaani is open (8-18 on weekdays)
    (outcome,) = Collector(settings, store, clock=lambda: now, sleep=lambda s: None).run_once()
    assert outcome.ok, (outcome.error, outcome.rejects)
    assert (outcome.run.rows_read, outcome.run.rows_refused) == (100, 0), outcome.rejects
    values = latest_values(store, "kajaani", FB)
    waiting = [(at, reacted) for at, needs, reacted in answers if needs and (reacted is None or reacted > now)]
    assert values == {"feedback_promoters_today": 62, "feedback_passives_today": 29,
                      "feedback_detractors_today": 9, "feedback_needs_reaction": len(waiting),
                      "feedback_oldest_reaction_h": pytest.approx(
                          max((now - at).total_seconds() / 3600 for at, _ in waiting))}
    items = [Item(FB, str(n), "kajaani", at, reacted, score=s, needs_reaction=needs)
             for n, ((at, needs, reacted), s) in enumerate(zip(answers, scores, strict=True))]
    n = reconcile(store, "kajaani", FB, items)

    # the wall: the feedback tile's big number is the NPS, from the answers
    view = station_view(settings, store, "kajaani", now)
    tile = next(t for t in view.tiles if t.family == "feedback")
    assert (tile.headline.code, tile.headline.value) == ("feedback_nps", 53)
    html = render_wall(view, "fi")
    feedback_html = html[html.index('data-family="feedback"'):]
    assert re.search(r'data-figure="feedback_nps"[^>]*>\s*\+53\s*<', feedback_html), feedback_html[:2000]
    assert "Odotin" not in html

    # the weekly view: Monday's NPS and the week's, with the day's answer count
    report = weekly.week_report(settings, store, 2026, 48, ["kajaani"], as_of=now)
    monday = next(d for d in report.stations[0].days if d.day == day)
    assert monday.figures["feedback_nps"] == 53 and monday.figures["feedback_answers"] == 100
    assert report.stations[0].week["feedback_nps"] == 53
    reconciled(case="docs files feedback (changes): NPS", answers=len(scores), promoters=62, passives=29,
               detractors=9, nps_by_hand=nps_by_hand(scores), wall=tile.headline.value,
               week_day=monday.figures["feedback_nps"], week=report.stations[0].week["feedback_nps"], instants=n)



# ------------------------------------------------------------------ files: a callbacks export in a drop folder
def documented_callbacks_export() -> str:
    """The callbacks export of docs/CONNECTORS.md's Items section, exactly as printed (its one ```csv block)."""
    text_ = (ROOT / "docs" / "CONNECTORS.md").read_text(encoding="utf-8")
    section = text_.split("## Items: sources whose records the board counts itself", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```csv\n(.*?)```", section, re.S)
    return block


def callbacks_workbook(csv_text: str) -> bytes:
    """The same report saved as a workbook from Excel: date-time cells, the dashes and the totals row as text."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for line in csv_text.splitlines():
        cells: list[Any] = []
        for cell in line.split(";") if line else []:
            if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}\.\d{2}", cell):
                cells.append(datetime.strptime(cell, "%d.%m.%Y %H.%M"))
            else:
                cells.append(cell or None)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("saved_as", ["csv", "xlsx"])
def test_the_documented_callbacks_drop_folder_export_works_as_written(config_dir, tmp_path, saved_as):
    from board.read.overview import all_station_views, overview_rows
    from board.read.wall import station_view
    from board.web.wall_html import render_wall
    from connectors import build_connector

    entry = documented("takaisinsoitot-kansio")
    folder = tmp_path / "takaisinsoitot"
    folder.mkdir()
    entry["folder"] = str(folder)  # the only change: where the export lands
    export = documented_callbacks_export()
    if saved_as == "csv":  # Excel's "CSV (semicolon)" on Finnish Windows: Windows-1252, CRLF
        (folder / "takaisinsoitot.csv").write_bytes(export.replace("\n", "\r\n").encode("cp1252"))
    else:
        (folder / "takaisinsoitot.xlsx").write_bytes(callbacks_workbook(export))
    old = datetime.now().timestamp() - 600  # settled long ago
    for f in folder.iterdir():
        os.utime(f, (old, old))
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    settings = configure(config_dir, url, entry)
    now = local("2026-11-23 16:00")  # a Monday; the figures do not depend on opening hours

    # `check`, as the docs quote it: rows → items (a source of items, not of readings)
    (source,) = settings.sources
    result = build_connector(source, settings).check(now)
    assert result.ok, result.message
    assert result.message.startswith(f"1 file waiting; oldest takaisinsoitot.{saved_as}: 12 rows → 11 items; "
                                     "1 row ignored"), result.message
    assert "readings" not in result.message

    store = Store.open(url)
    (outcome,) = Collector(settings, store, clock=lambda: now, sleep=lambda s: None).run_once()
    assert outcome.ok, (outcome.error, outcome.rejects)
    assert (outcome.run.rows_read, outcome.run.rows_stored, outcome.run.rows_refused,
            outcome.run.rows_ignored) == (12, 11, 0, 1)
    reason_file = (folder / "processed" / f"takaisinsoitot.{saved_as}.reason.txt").read_text(encoding="utf-8")
    assert "12 data rows, 11 items stored, 0 rows refused, 1 row ignored" in reason_file, reason_file

    # the truth counted by hand in the docs' table, at 16.00
    truth = {  # waiting, oldest waiting (min), handled today, of them the same day, carried over from yesterday
        "kajaani": (3, 24 * 60 + 20, 3, 2, 2),
        "sotkamo": (0, None, 3, 3, 0),
        "paltamo": (1, 6 * 60 + 30, 1, 0, 1),
    }
    for code, (waiting, oldest, handled, same_day, carried) in truth.items():
        values = latest_values(store, code, CB)
        assert (values["queue_waiting"], values["queue_handled_today"], values["queue_handled_same_day_today"],
                values["contacts_carried_over"]) == (waiting, handled, same_day, carried), (code, values)
        if oldest is not None:
            assert values["queue_oldest_wait_min"] == oldest, (code, values)
    kajaani = latest_values(store, "kajaani", CB)
    assert (kajaani["queue_resolved_today"], kajaani["queue_appointment_today"]) == (2, 1)
    sotkamo = latest_values(store, "sotkamo", CB)
    assert (sotkamo["queue_not_reached_today"], sotkamo["queue_failure_demand_today"]) == (1, 1)

    # the wall: Kajaani's callbacks tile, 3 waiting and 67 % "so far" (callbacks still wait)
    view = station_view(settings, store, "kajaani", now)
    tile = next(t for t in view.tiles if t.family == "queue")
    figures = {f.code: f for f in (tile.headline, *tile.figures)}
    assert (tile.headline.code, tile.headline.value) == ("queue_waiting", 3)
    assert figures["queue_same_day_share"].value == pytest.approx(2 / 3)
    assert figures["queue_same_day_share"].so_far
    html = render_wall(view, "fi")
    queue_html = html[html.index('data-family="queue"'):]
    assert re.search(r'data-figure="queue_same_day_share"[^>]*>\s*67\s*%\s*<', queue_html), queue_html[:3000]
    assert "tähän asti" in queue_html

    # the overview: each station's row, same figures
    rows = {r.code: r for r in overview_rows(all_station_views(settings, store, now))}
    for code, (waiting, _oldest, handled, same_day, _carried) in truth.items():
        share = rows[code].figures["queue_same_day_share"].value
        assert rows[code].figures["queue_waiting"].value == waiting
        assert share == pytest.approx(same_day / handled), (code, share)
    # The free text is never read nor quoted; the reason file names its column as left out of the kept copy,
    # which holds none of it (a CSV with the column emptied, a workbook deleted).
    assert "soitettu aamulla" not in reason_file and "Column 'Lisätieto' may hold" in reason_file
    kept = folder / "processed" / f"takaisinsoitot.{saved_as}"
    assert (saved_as == "xlsx") != kept.exists()
    assert not kept.exists() or "soitettu aamulla".encode("cp1252") not in kept.read_bytes()

    # the next run of the report, saved as UTF-8 with a BOM this time: K-1002 handled at 16.10 (the docs: a later
    # file states the requests again, and an item's newest state wins; the unchanged rows change nothing)
    later = export.replace("K-1002;Kajaanin terveysasema;22.11.2026 15.40;-;-;",
                           "K-1002;Kajaanin terveysasema;22.11.2026 15.40;23.11.2026 16.10;Hoidettu;")
    assert later != export
    (folder / "takaisinsoitot-2.csv").write_bytes(b"\xef\xbb\xbf" + later.replace("\n", "\r\n").encode("utf-8"))
    os.utime(folder / "takaisinsoitot-2.csv", (old, old))
    now = local("2026-11-23 16:15")
    (outcome,) = Collector(settings, store, clock=lambda: now, sleep=lambda s: None).run_once()
    assert outcome.ok, (outcome.error, outcome.rejects)
    values = latest_values(store, "kajaani", CB)
    # waiting K-1005 (since 13.30: 2 h 45 min) and K-1006; handled K-1001..1004, the same day still K-1003, K-1004
    assert (values["queue_waiting"], values["queue_oldest_wait_min"], values["queue_handled_today"],
            values["queue_handled_same_day_today"], values["contacts_carried_over"]) == (2, 165, 4, 2, 2), values
