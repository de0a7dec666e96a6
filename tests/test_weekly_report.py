"""The weekly report by e-mail: its schedule (Helsinki, DST), its message (figures against targets, the xlsx,
the link), two collectors sending it once through a real SMTP server on loopback, and a failed send retried and
shown on /sources."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime, time, timedelta
from email.message import Message as MimeMessage
from pathlib import Path

import openpyxl
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from board.collector import Collector
from board.domain.reading import Reading
from board.domain.report_schedule import due_week, last_due
from board.domain.weeks import IsoWeek
from board.environment import ConfigError
from board.factory import create_board
from board.reports.sender import ReportSender
from board.reports.weekly_mail import compose
from board.settings import load_settings
from board.store import Store
from board.web import reports_html
from tests.alert_receivers import SmtpServer, smtp_server
from tests.conftest import pages_reading, write_config
from tests.test_weekly import READINGS, at, write

ROOT = Path(__file__).resolve().parent.parent
TWO_DAYS = timedelta(hours=48)
#: Monday 23.11.2026 07.00 in Helsinki (EET, UTC+2) = 05.00 UTC: the report of week 47 (16.-22.11.).
MONDAY_7 = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


# ------------------------------------------------------------------ the schedule
@pytest.mark.parametrize(("now", "week"), [
    (MONDAY_7 - timedelta(seconds=1), None),  # 06.59.59: last Monday's moment is a week old
    (MONDAY_7, IsoWeek(2026, 47)),
    (MONDAY_7 + timedelta(hours=26), IsoWeek(2026, 47)),  # Tuesday 09.00: still sent (collectors were down)
    (MONDAY_7 + timedelta(hours=48, seconds=1), None),  # Wednesday after 07.00: not any more
    # summer time: Monday 30.3.2026 07.00 EEST (UTC+3) is 04.00 UTC, the report of week 13 (23.-29.3.)
    (datetime(2026, 3, 30, 3, 59, tzinfo=UTC), None),
    (datetime(2026, 3, 30, 4, 0, tzinfo=UTC), IsoWeek(2026, 13)),
    # the year's turn: Monday 4.1.2027 07.00 EET sends week 53 of 2026 (28.12.2026-3.1.2027)
    (datetime(2027, 1, 4, 5, 0, tzinfo=UTC), IsoWeek(2026, 53)),
])
def test_the_report_is_due_monday_at_seven_helsinki_for_the_week_before(now: datetime, week: IsoWeek | None):
    assert due_week(now, 0, time(7, 0), TWO_DAYS) == week


def test_another_weekday_and_time():
    # Friday 27.11.2026 15.30 EET = 13.30 UTC
    assert last_due(datetime(2026, 11, 27, 13, 30, tzinfo=UTC), 4, time(15, 30)) == datetime(
        2026, 11, 27, 13, 30, tzinfo=UTC)
    assert last_due(datetime(2026, 11, 27, 13, 29, tzinfo=UTC), 4, time(15, 30)) == datetime(
        2026, 11, 20, 13, 30, tzinfo=UTC)


# ------------------------------------------------------------------ configuration
def configure(config: Path, smtp: SmtpServer | None, **weekly: object) -> Path:
    metrics = yaml.safe_load((config / "metrics.yaml").read_text(encoding="utf-8"))
    metrics["targets"]["access_same_day_assessment_share"] = 0.95  # the same-day assessment judged too
    (config / "metrics.yaml").write_text(yaml.safe_dump(metrics, allow_unicode=True), encoding="utf-8")
    alerts = yaml.safe_load((config / "alerts.yaml").read_text(encoding="utf-8"))
    alerts["board_url"] = "https://ohjaustaulu.example.fi"
    alerts["channels"] = {"sahkoposti": smtp.settings() if smtp else {
        "type": "email", "host": "127.0.0.1", "port": 1, "sender": "ohjaustaulu@example.fi", "security": "none"}}
    (config / "alerts.yaml").write_text(yaml.safe_dump(alerts, allow_unicode=True), encoding="utf-8")
    report = {"weekly": {"channel": "sahkoposti", "subscriptions": [
        {"name": "esihenkilot_kainuu", "to": ["palvelupaallikko@example.fi", "ylilaakari@example.fi"],
         "stations": ["kajaani", "paltamo"]},
        {"name": "kaikki_asemat", "to": ["johtoryhma@example.fi"]}], **weekly}}
    (config / "reports.yaml").write_text(yaml.safe_dump(report, allow_unicode=True), encoding="utf-8")
    return config


def test_the_channel_must_be_an_email_channel_and_stations_known(tmp_path: Path):
    config = configure(write_config(tmp_path / "config"), None, channel="teams")
    with pytest.raises(ConfigError, match=r"reports\.yaml: weekly\.channel: 'teams' is not an e-mail channel"):
        load_settings(config)
    config = configure(config, None)
    text = (config / "reports.yaml").read_text(encoding="utf-8").replace("paltamo", "oulu")
    (config / "reports.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown station"):
        load_settings(config)


# ------------------------------------------------------------------ the message
@pytest.fixture
def board(tmp_path: Path):
    """The weekly test's readings (weeks 46 and 47 of 2026) and a real SMTP server on loopback."""
    with smtp_server(tmp_path) as smtp:
        config = configure(write_config(tmp_path / "config"), smtp)
        with pages_reading(create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}", sign_in="off")) as b:
            write(b.store, READINGS)
            yield b, smtp


def text_and_files(message: MimeMessage) -> tuple[str, dict[str, bytes]]:
    text, files = "", {}
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        payload = part.get_payload(decode=True)
        if part.get_filename():
            files[part.get_filename()] = payload
        elif part.get_content_type() == "text/plain":
            text = payload.decode(part.get_content_charset() or "utf-8")
    return text, files


def test_the_message_has_the_figures_against_targets_the_workbook_and_the_link(board):
    b, _smtp = board
    mail = compose(b.settings, b.store, IsoWeek(2026, 47), ["kajaani", "paltamo"], "https://x.example.fi")
    # Truths from the readings (tests/test_weekly.py computes them by hand): contacts 300 + 20 = 320, the week
    # before 200; same day (45 + 40 + 5) / (50 + 40 + 10) = 90 % against the target 100 %; NPS +13 against +40.
    assert mail.subject == "Viikkoraportti vko 47 / 2026: Kajaanin terveysasema, Paltamon terveysasema"
    assert "- Yhteydenotot: 320 (+120 ed. viikkoon)" in mail.text
    assert "- Samana päivänä: 90\u00a0%" in mail.text and "tavoite 100\u00a0%: ei saavutettu" in mail.text
    assert "tavoite +40: ei saavutettu" in mail.text
    assert "- Kajaanin terveysasema: Yhteydenotot 300" in mail.text
    assert "https://x.example.fi/week?week=2026-W47&station=kajaani&station=paltamo" in mail.text
    book = openpyxl.load_workbook(io.BytesIO(mail.attachment.content))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert "Kajaanin terveysasema" in cells and 300 in cells and mail.attachment.filename == "viikko-2026-W47.xlsx"


def test_two_collectors_send_each_report_once_through_the_smtp_server(board):
    b, smtp = board
    clock = [MONDAY_7 + timedelta(seconds=30)]
    collectors = [Collector(b.settings, b.store, clock=lambda: clock[0]) for _ in range(2)]
    assert collectors[0].holder != collectors[1].holder

    def turns(c: Collector) -> None:
        for _ in range(5):
            c.send_reports()

    threads = [threading.Thread(target=turns, args=(c,)) for c in collectors]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    clock[0] += timedelta(minutes=5)  # the lease moves to whoever asks first after it expires: still nothing new
    for c in reversed(collectors):
        c.send_reports()
    assert sorted(tuple(m.recipients) for m in smtp.mails) == [
        ("johtoryhma@example.fi",), ("palvelupaallikko@example.fi", "ylilaakari@example.fi")]
    mail = next(m for m in smtp.mails if m.recipients[0] == "palvelupaallikko@example.fi")
    text, files = text_and_files(mail.message)
    assert " ".join(mail.subject.split()).startswith("Viikkoraportti vko 47 / 2026") and "320" in text
    assert list(files) == ["viikko-2026-W47.xlsx"]
    assert "https://ohjaustaulu.example.fi/week?week=2026-W47&station=kajaani&station=paltamo" in text
    assert [q.sent_at is not None for q in b.store.report_outbox()] == [True, True]


def test_a_failed_send_is_retried_and_shown_on_sources(board):
    b, smtp = board
    smtp.state.refuse = 2  # both reports of the first turn answered 451 (busy)
    sender = ReportSender(b.settings, b.store, "one")
    assert sender.turn(MONDAY_7) == 0
    failing = b.store.report_outbox()
    assert all(q.attempts == 1 and "451" in (q.last_error or "") and q.next_try == MONDAY_7 + timedelta(seconds=30)
               for q in failing) and smtp.mails == []
    at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    page = "\n".join(h.value for h in at.html)
    assert page.count('data-state="failing" role="alert"') == 2 and "451" in page
    assert "Lähtee maanantaisin klo 7.00 kanavan sahkoposti kautta. Epäonnistunut lähetys yritetään uudelleen." in [
        c.value for c in at.caption]
    assert sender.turn(MONDAY_7 + timedelta(seconds=10)) == 0  # not before its next try
    assert sender.turn(MONDAY_7 + timedelta(seconds=31)) == 2 and len(smtp.mails) == 2
    at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60).run()
    assert "\n".join(h.value for h in at.html).count('data-state="sent"') == 2



@pytest.mark.parametrize(("lang", "smtp_words", "gone_words"), [
    ("fi", "sahkoposti: SMTP-palvelin 127.0.0.1:{port} vastasi 451",
     "tilausta kaikki_asemat ei ole enää reports.yaml-tiedostossa: tätä raporttia ei lähetetä"),
    ("sv", "sahkoposti: SMTP-servern 127.0.0.1:{port} svarade 451",
     "prenumerationen kaikki_asemat finns inte längre i reports.yaml: den här rapporten skickas inte"),
    ("en", "sahkoposti: SMTP server 127.0.0.1:{port} answered 451",
     "subscription kaikki_asemat is no longer in reports.yaml: this report is not sent"),
], ids=["fi", "sv", "en"])
def test_send_errors_on_sources_are_in_the_pages_language(board, tmp_path: Path, lang: str, smtp_words: str,
                                                          gone_words: str):
    """A report the SMTP server refuses (still tried) and one whose subscription left reports.yaml (given up): their
    errors on /sources in fi, sv and en, as the alert channels' are. (They were the English sentence in every
    language, and the sender's own ones no Reason at all.)"""
    b, smtp = board
    smtp.state.refuse = 10  # 451 (busy) to every DATA
    assert ReportSender(b.settings, b.store, "one").turn(MONDAY_7) == 0
    reports = yaml.safe_load((tmp_path / "config" / "reports.yaml").read_text(encoding="utf-8"))
    reports["weekly"]["subscriptions"] = [s for s in reports["weekly"]["subscriptions"] if s["name"] != "kaikki_asemat"]
    (tmp_path / "config" / "reports.yaml").write_text(yaml.safe_dump(reports, allow_unicode=True), encoding="utf-8")
    fewer = load_settings(tmp_path / "config", f"sqlite:///{tmp_path / 'board.sqlite'}")
    assert ReportSender(fewer, b.store, "one").turn(MONDAY_7 + timedelta(seconds=31)) == 0
    queued = {q.subscription: q for q in b.store.report_outbox()}
    port = smtp.settings()["port"]
    assert queued["esihenkilot_kainuu"].last_error.startswith(f"sahkoposti: SMTP server 127.0.0.1:{port} answered 451")
    assert queued["kaikki_asemat"].gave_up_at is not None  # (the English sentence stays for logs and the CLI)
    page = reports_html.lines(list(queued.values()), MONDAY_7 + timedelta(minutes=1), lang)
    failing, gave_up = (next(p for p in page.split("</p>") if f'data-state="{s}"' in p) for s in ("failing", "gave_up"))
    assert smtp_words.format(port=port) in failing
    assert gone_words in gave_up
    if lang == "fi":  # the page itself, in its default language
        at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60).run()
        assert not at.exception, at.exception
        html = "\n".join(h.value for h in at.html)
        assert smtp_words.format(port=port) in html and gone_words in html



@pytest.mark.parametrize(("lang", "words"), [
    ("fi", "jätetty lähettämättä klo 7.01: ei lähtenyt 3 päivän kuluessa; seuraavan viikon raportti lähtee"),
    ("sv", "inte skickad, gav upp kl. 7.01: inte skickad inom 3 dagar; nästa veckas rapport skickas som vanligt"),
    ("en", "gave up 07:01: not sent within 3 days; next week&#x27;s report is sent as usual"),
])
def test_a_report_not_sent_in_three_days_is_given_up_in_the_pages_language(board, lang: str, words: str):
    b, smtp = board
    smtp.state.refuse = 10
    assert ReportSender(b.settings, b.store, "one").turn(MONDAY_7) == 0
    later = MONDAY_7 + timedelta(days=3, minutes=1)  # the servers answered 451 until then
    assert ReportSender(b.settings, b.store, "one").turn(later) == 0
    queued = b.store.report_outbox()
    assert len(queued) == 2 and all(q.gave_up_at == later for q in queued)
    assert words in reports_html.lines(queued, later, lang)


def test_no_reports_yaml_sends_nothing(tmp_path: Path, sqlite_url: str):
    settings = load_settings(write_config(tmp_path / "config"), sqlite_url)
    store = Store.open(sqlite_url)
    try:
        assert settings.reports.weekly is None and ReportSender(settings, store, "x").turn(MONDAY_7) == 0
        assert store.report_outbox() == []
    finally:
        store.dispose()


# ------------------------------------------------------------------ access to care and employee NPS in the body
def visits(station: str, day: date, u23: tuple[int, int, int], adult: tuple[int, int, int]) -> list[Reading]:
    """A day's non-urgent visits per age group as a source writes them: (visits, within 14 days, within 3 months),
    first a running count at noon, then the day's last (which counts)."""
    names = ("access_nonurgent_{g}_today", "access_nonurgent_{g}_within_14d_today",
             "access_nonurgent_{g}_within_3m_today")
    return [Reading(station, n.format(g=g), at(day, clock), float(v // part))
            for clock, part in (("12:00", 2), ("23:59", 1))
            for g, values in (("u23", u23), ("23plus", adult)) for n, v in zip(names, values, strict=True)]


def assessed(station: str, day: date, assessments: int, same_day: int) -> list[Reading]:
    return [Reading(station, "access_assessments_today", at(day, "23:59"), float(assessments)),
            Reading(station, "access_assessed_same_day_today", at(day, "23:59"), float(same_day))]


def staff(station: str, day: date, promoters: int, passives: int, detractors: int) -> list[Reading]:
    return [Reading(station, f"staff_{c}_today", at(day, "23:59"), float(v))
            for c, v in (("promoters", promoters), ("passives", passives), ("detractors", detractors))]


MON47, TUE47, MON46 = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 9)
# Week 47 falls under the 2025 rule: under 23 within 14 days, 23 and over within 3 months.
KAJAANI = {MON47: ((10, 9, 10), (40, 20, 36)), TUE47: ((5, 5, 5), (20, 8, 18))}
PALTAMO = {MON47: ((2, 1, 2), (8, 4, 6))}
KAJAANI_46 = {MON46: ((10, 10, 10), (10, 5, 5))}
ACCESS = [
    *(r for day, (u, a) in {**KAJAANI, **KAJAANI_46}.items() for r in visits("kajaani", day, u, a)),
    *(r for day, (u, a) in PALTAMO.items() for r in visits("paltamo", day, u, a)),
    *assessed("kajaani", MON47, 20, 18), *assessed("kajaani", TUE47, 10, 9), *assessed("paltamo", MON47, 4, 4),
    # T3 is stated monthly: Kajaani's doctor 12 days, its nurses keep a waiting list (the cap); Paltamo's doctor
    Reading("kajaani", "access_t3_doctor_d", at(date(2026, 11, 2), "08:00"), 12.0),
    Reading("kajaani", "access_t3_nurse_d", at(date(2026, 11, 2), "08:00"), 182.0),
    Reading("paltamo", "access_t3_doctor_d", at(date(2026, 11, 2), "08:00"), 30.0),
    # employee feedback: Kajaani 7 answers (enough), the week before 6; Paltamo 2 (too few)
    *staff("kajaani", MON47, 3, 1, 0), *staff("kajaani", TUE47, 2, 0, 1), *staff("kajaani", MON46, 3, 1, 2),
    *staff("paltamo", TUE47, 2, 0, 0),
]


def within_2025(days: dict[date, tuple[tuple[int, int, int], tuple[int, int, int]]]) -> tuple[int, int]:
    """(within the limit, visits) by hand: under 23 the 14-day count, 23 and over the 3-month count."""
    return (sum(u[1] + a[2] for u, a in days.values()), sum(u[0] + a[0] for u, a in days.values()))


def pct(share: float) -> str:
    return f"{round(share * 100)}\u00a0%"


def signed(value: float) -> str:
    n = round(value)
    return f"+{n}" if n > 0 else (f"\u2212{-n}" if n < 0 else "0")


def nps(p: int, q: int, d: int) -> float:
    return (p - d) / (p + q + d) * 100


def sent_text(b, smtp: SmtpServer, now: datetime) -> str:  # type: ignore[no-untyped-def]
    """The body of the Kajaani-Paltamo subscription's mail as the loopback SMTP server received it."""
    assert ReportSender(b.settings, b.store, "one").turn(now) == 2
    mail = next(m for m in smtp.mails if m.recipients[0] == "palvelupaallikko@example.fi")
    return text_and_files(mail.message)[0].replace("\r\n", "\n")


def test_the_body_has_access_to_care_and_employee_nps_per_station_against_targets(board):
    b, smtp = board
    b.store.write_readings(ACCESS, source="raportti", now=datetime(2026, 11, 24, tzinfo=UTC))
    text = sent_text(b, smtp, MONDAY_7)
    k_in, k_all = within_2025(KAJAANI)  # 9 + 36 + 5 + 18 = 68 of 75
    p_in, p_all = within_2025(PALTAMO)  # 1 + 6 = 7 of 10
    k46 = (10 + 5) / (10 + 10)  # the week before: 15 of 20
    assert ("Hoitoon pääsy:\nHoitotakuu: alle 23 v 14 vrk, 23 v täyttäneet 3 kk (terveydenhuoltolaki "
            "51 §, HE 134/2024).") in text and "muutokseen" not in text
    kajaani = text[text.index("- Kajaanin terveysasema:\n"):]
    assert kajaani.startswith(
        f"- Kajaanin terveysasema:\n  - Kiireettömät hoitotakuun sisällä: {pct(k_in / k_all)} ({k_all} käyntiä) "
        f"({signed((k_in / k_all - k46) * 100)}\u00a0%-yks. ed. viikkoon); tavoite 100\u00a0%: ei saavutettu\n"
        f"  - Hoidon tarve arvioitu samana päivänä: {pct((18 + 9) / (20 + 10))}; tavoite 95\u00a0%: ei saavutettu\n"
        "  - T3 lääkäri: 12\u00a0vrk (tilanne 2.11.2026)\n"
        "  - T3 hoitaja: ≥\u00a0182\u00a0vrk (jonotuslista, tilanne 2.11.2026)\n")
    assert (f"- Paltamon terveysasema:\n  - Kiireettömät hoitotakuun sisällä: {pct(p_in / p_all)} ({p_all} käyntiä); "
            f"tavoite 100\u00a0%: ei saavutettu\n  - Hoidon tarve arvioitu samana päivänä: 100\u00a0%; "
            "tavoite 95\u00a0%: saavutettu\n  - T3 lääkäri: 30\u00a0vrk (tilanne 2.11.2026)\n"
            "  - T3 hoitaja: –\n") in text
    # together: the shares of the summed visits, the longest T3
    assert (f"- Valitut yhteensä:\n  - Kiireettömät hoitotakuun sisällä: {pct((k_in + p_in) / (k_all + p_all))} "
            f"({k_all + p_all} käyntiä)") in text
    # employee NPS: Kajaani 5 promoters, 1 passive, 1 detractor; Paltamo's 2 answers and the total hidden
    staff_part = text[text.index("Henkilöstön suositteluindeksi (NPS):"):]
    assert (f"- Kajaanin terveysasema: {signed(nps(5, 1, 1))} (7 vastausta) "
            f"({signed(nps(5, 1, 1) - nps(3, 1, 2))} ed. viikkoon)\n"
            "- Paltamon terveysasema: liian vähän vastauksia\n"
            "- Valitut yhteensä: liian vähän vastauksia\n") in staff_part
    assert "Näytetään vain, kun jaksolla on vähintään 5 vastausta" in staff_part


def test_a_week_spanning_a_change_of_the_limit_says_so_in_the_body(board):
    b, smtp = board
    # ISO week 1 of 2025 (30.12.2024-5.1.2025): 14 days for everyone until 31.12., then 3 months for 23 and over
    b.store.write_readings([*visits("kajaani", date(2024, 12, 31), (4, 3, 4), (10, 6, 9)),
                            *visits("kajaani", date(2025, 1, 2), (2, 1, 2), (10, 4, 9))],
                           source="raportti", now=datetime(2025, 1, 3, tzinfo=UTC))
    text = sent_text(b, smtp, datetime(2025, 1, 6, 5, 0, tzinfo=UTC))
    within = (3 + 6) + (1 + 9)  # 2024: the 14-day counts for both groups; 2025: 14 days under 23, 3 months over
    assert ("Jakso osuu hoitotakuun muutokseen; kukin päivä arvioidaan oman sääntönsä mukaan:\n"
            "  30.12.2024–31.12.2024: 14 vrk kaikille (terveydenhuoltolaki 51 §, HE 55/2023)\n"
            "  1.1.2025–5.1.2025: alle 23 v 14 vrk, 23 v täyttäneet 3 kk (terveydenhuoltolaki 51 §, "
            "HE 134/2024)\n") in text
    assert f"- Kajaanin terveysasema:\n  - Kiireettömät hoitotakuun sisällä: {pct(within / 26)} (26 käyntiä)" in text
    assert "Henkilöstön" not in text  # no answers in either week: no section
