"""An administrator's three item sources, each written the way the real system writes it, followed from the
docs alone (docs/CONNECTORS.md, *Items*): a feedback service's answers saved as a workbook by a Finnish Excel,
Omasote's messages as a reporting tool's CSV, and a contact log's paged REST API.

The workbook is written here as raw SpreadsheetML (the zip of XML parts Excel saves: shared strings, a date
style, a second sheet with a drawing and a chart sheet), not by openpyxl, which the board reads it with. Every
truth is counted by hand from the rows below, and every run must account for each row read
(read = stored + refused + ignored); the names and free text in the exports must never reach the store, nor
stay on the board's disk in the copy of the file it keeps.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import yaml

from board.collector import Collector
from board.domain import figures
from board.domain.items import METRICS_OF, ItemType
from board.environment import read_environment
from board.settings import load_settings
from board.store import Store
from tests.test_items_domain import HKI

KEY = "test-item-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parent.parent


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HKI).astimezone(UTC)


def configure(config_dir: Path, url: str, *sources: dict[str, Any]):
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": list(sources)}, allow_unicode=True),
                                             encoding="utf-8")
    return load_settings(config_dir, url, read_environment({"BOARD_ITEM_KEY": KEY}))


def latest(store: Store, station: str, kind: ItemType) -> dict[str, float]:
    return {m: v.value for m, v in store.latest_values(station, list(METRICS_OF[kind])).items()}


def ledger(outcome: Any) -> tuple[int, int, int, int]:
    run = outcome.run
    return run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored


def store_bytes(path: Path) -> bytes:
    """The SQLite store as it is on disk, its write-ahead log included."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


# ------------------------------------------------------------------ 1. feedback answers, a workbook
PRIVATE = ("Matti Meikäläinen", "Maija Mallikas", "Teppo Testaaja", "Hyvä palvelu", "Jonotus kesti")

# Vastaus nro, answered (an Excel date cell), the same as text, station, score (a number, a text or empty),
# free text, the respondent's name.
ANSWERS: list[tuple[int, tuple[int, int], str, str, Any, str, str]] = [
    (101, (8, 12), "2.12.2026 klo 8.12", "Kajaanin terveysasema", 10, "Hyvä palvelu,\nkiitos!", PRIVATE[0]),
    (102, (9, 5), "2.12.2026 klo 9.05", "Kajaanin terveysasema", "10", "", PRIVATE[1]),
    (103, (9, 40), "2.12.2026 klo 9.40", "Sotkamon terveysasema", 6, "Jonotus kesti", ""),
    (104, (10, 1), "2.12.2026 klo 10.01", "Kajaanin terveysasema", None, "", ""),  # answered nothing
    (105, (11, 30), "2.12.2026 klo 11.30", "Sotkamon terveysasema", 8, "", PRIVATE[2]),
    (106, (12, 15), "2.12.2026 klo 12.15", "Kajaanin terveysasema", "7", "", ""),
]


def excel_serial(day: date, hour: int = 0, minute: int = 0) -> float:
    return (day - date(1899, 12, 30)).days + (hour * 60 + minute) / 1440


def feedback_workbook(path: Path) -> None:
    """The feedback service's export as Excel saves it: a title row and an empty row above the header, answer
    times as date cells (serial numbers with a ``d.m.yyyy h.mm`` format), scores as numbers and as text, a
    blank score, a totals and an average row, a second sheet of metadata with a chart and a chart sheet."""
    strings: list[str] = []

    def s(text: str) -> str:
        if text not in strings:
            strings.append(text)
        return f't="s"><v>{strings.index(text)}</v>'

    rows: list[list[str | None]] = [[s("Asiakaspalaute – vastaukset 1.12.–2.12.2026")], []]
    rows.append([s(h) for h in ("Vastaus nro", "Vastausaika", "Kirjattu", "Toimipiste",
                                "Suositteluhalukkuus (0-10)", "Vapaa palaute", "Vastaajan nimi")])
    for number, (h, m), text, station, score, free, name in ANSWERS:
        rows.append([f"><v>{number}</v>", f's="1"><v>{excel_serial(date(2026, 12, 2), h, m)!r}</v>', s(text),
                     s(station), None if score is None else (s(score) if isinstance(score, str) else
                                                             f"><v>{score}</v>"),
                     s(free) if free else None, s(name) if name else None])
    rows.append([s("Yhteensä"), None, None, None, "><v>5</v>"])
    rows.append([s("Keskiarvo"), None, None, None, "><v>8.2</v>"])

    def sheet(body: list[list[str | None]], extra: str = "") -> str:
        xml = "".join(f'<row r="{n}">' + "".join(f'<c r="{"ABCDEFG"[i]}{n}" {c}</c>' for i, c in enumerate(r)
                                                 if c is not None) + "</row>" for n, r in enumerate(body, 1))
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
                f'xmlns:r="{REL}"><dimension ref="A1:G{len(body)}"/><sheetData>{xml}</sheetData>{extra}</worksheet>')

    data = sheet(rows)
    run_at = f's="1"><v>{excel_serial(date(2026, 12, 3))}</v>'
    meta = sheet([[s("Raportti"), s("Palautekysely 2026")], [s("Ajettu"), run_at]], '<drawing r:id="rId1"/>')
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" count="{len(strings)}" '
           f'uniqueCount="{len(strings)}">' + "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>'
                                                      for t in strings) + "</sst>")
    parts = {
        "[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": rels(("officeDocument", "xl/workbook.xml")),
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": rels(("worksheet", "worksheets/sheet1.xml"),
                                           ("worksheet", "worksheets/sheet2.xml"),
                                           ("chartsheet", "chartsheets/sheet1.xml"),
                                           ("sharedStrings", "sharedStrings.xml"), ("styles", "styles.xml")),
        "xl/worksheets/sheet1.xml": data, "xl/worksheets/sheet2.xml": meta,
        "xl/worksheets/_rels/sheet2.xml.rels": rels(("drawing", "../drawings/drawing2.xml")),
        "xl/chartsheets/sheet1.xml": CHARTSHEET,
        "xl/chartsheets/_rels/sheet1.xml.rels": rels(("drawing", "../drawings/drawing1.xml")),
        "xl/drawings/drawing1.xml": DRAWING,  # a chart sheet's chart: absolute, as Excel places it
        "xl/drawings/drawing2.xml": DRAWING.replace(ABSOLUTE, CELLS).replace("absoluteAnchor", "twoCellAnchor"),
        "xl/drawings/_rels/drawing1.xml.rels": rels(("chart", "../charts/chart1.xml")),
        "xl/drawings/_rels/drawing2.xml.rels": rels(("chart", "../charts/chart1.xml")),
        "xl/charts/chart1.xml": CHART, "xl/sharedStrings.xml": sst, "xl/styles.xml": STYLES,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def rels(*targets: tuple[str, str]) -> str:
    return (XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{n}" Type="{REL}/{kind}" Target="{target}"/>'
                      for n, (kind, target) in enumerate(targets, 1)) + "</Relationships>")


_OOXML = "application/vnd.openxmlformats-officedocument"
CONTENT_TYPES = (XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 + "".join(f'<Override PartName="/xl/{p}" ContentType="{_OOXML}.{t}"/>' for p, t in (
                     ("workbook.xml", "spreadsheetml.sheet.main+xml"),
                     ("worksheets/sheet1.xml", "spreadsheetml.worksheet+xml"),
                     ("worksheets/sheet2.xml", "spreadsheetml.worksheet+xml"),
                     ("chartsheets/sheet1.xml", "spreadsheetml.chartsheet+xml"),
                     ("drawings/drawing1.xml", "drawing+xml"), ("drawings/drawing2.xml", "drawing+xml"),
                     ("charts/chart1.xml", "drawingml.chart+xml"),
                     ("sharedStrings.xml", "spreadsheetml.sharedStrings+xml"),
                     ("styles.xml", "spreadsheetml.styles+xml"))) + "</Types>")
WORKBOOK = (XML + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Vastaukset" sheetId="1" r:id="rId1"/>'
            '<sheet name="Tiedot" sheetId="2" r:id="rId2"/><sheet name="Kaavio" sheetId="3" r:id="rId3"/></sheets>'
            "</workbook>")
STYLES = (XML + f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
          'formatCode="d\\.m\\.yyyy\\ h\\.mm"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
          '</font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1">'
          '<border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/>'
          '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>')
CHARTSHEET = (XML + f'<chartsheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr/><sheetViews><sheetView workbookViewId="0"/>'
              '</sheetViews><drawing r:id="rId1"/></chartsheet>')
ABSOLUTE = '<xdr:pos x="0" y="0"/><xdr:ext cx="9000000" cy="6000000"/>'
CELLS = ("<xdr:from><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff>"
         "</xdr:from><xdr:to><xdr:col>9</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>15</xdr:row><xdr:rowOff>0"
         "</xdr:rowOff></xdr:to>")  # a worksheet's chart: anchored to its cells, as Excel places it
DRAWING = (XML + '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
           'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
           f'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:r="{REL}">'
           '<xdr:absoluteAnchor>' + ABSOLUTE + '<xdr:graphicFrame macro="">'
           '<xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Kaavio 1"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
           '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
           '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart r:id="rId1"/>'
           "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:absoluteAnchor></xdr:wsDr>")
CHART = (XML + '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart">'
         '<c:chart><c:plotArea><c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/>'
         '<c:ser><c:idx val="0"/><c:order val="0"/><c:val><c:numRef><c:f>Vastaukset!$E$4:$E$9</c:f></c:numRef>'
         '</c:val></c:ser><c:axId val="1"/><c:axId val="2"/></c:barChart><c:catAx><c:axId val="1"/><c:scaling>'
         '<c:orientation val="minMax"/></c:scaling><c:axPos val="b"/><c:crossAx val="2"/></c:catAx><c:valAx>'
         '<c:axId val="2"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:axPos val="l"/><c:crossAx val="1"/>'
         '</c:valAx></c:plotArea></c:chart></c:chartSpace>')


def by_hand(station: str) -> tuple[int, int, int]:
    """Promoters (9–10), passives (7–8) and detractors (0–6) of the station's answers, from ANSWERS."""
    scores = [int(a[4]) for a in ANSWERS if a[3].startswith(station) and a[4] is not None]
    return (sum(s >= 9 for s in scores), sum(7 <= s <= 8 for s in scores), sum(s <= 6 for s in scores))


@pytest.mark.parametrize("answered", ["Vastausaika", "Kirjattu"])  # the date cell, or the text "2.12.2026 klo 9.05"
def test_a_feedback_workbook_from_a_finnish_excel_counts_every_answer_and_keeps_no_name_or_free_text(
        config_dir, tmp_path, answered):
    folder = tmp_path / "palaute"
    folder.mkdir()
    feedback_workbook(folder / "palaute.xlsx")
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "palaute", "type": "files", "folder": str(folder), "patterns": ["*.xlsx"], "settle_seconds": 0,
        "max_memory_mb": 0, "deliver": "items",
        "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Vastaus nro", "station": "Toimipiste", "start": answered,
                             "score": "Suositteluhalukkuus (0-10)"}}})
    store = Store.open(f"sqlite:///{db}")
    (outcome,) = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"), sleep=lambda s: None).run_once()
    assert outcome.ok, (outcome.error, outcome.rejects)
    # 6 answers + the totals row + the average row under it; the answer with no score is ignored, not refused
    # (nothing in it can be fixed), with the reason in processed/palaute.xlsx.reason.txt.
    assert ledger(outcome) == (8, 5, 0, 3)
    assert outcome.run.state == "ok"
    reasons = (folder / "processed" / "palaute.xlsx.reason.txt").read_text(encoding="utf-8")
    assert "row 7: column 'Suositteluhalukkuus (0-10)' is empty: the answer gave no 0–10 score" in reasons
    # The names and free text were in the workbook as delivered: it is not kept (only its reason file is).
    assert sorted(p.name for p in (folder / "processed").iterdir()) == ["palaute.xlsx.reason.txt"]
    assert "'Vapaa palaute', 'Vastaajan nimi' may hold a person's name" in reasons
    assert "the file was deleted after it was read" in reasons
    assert not any(text in reasons for text in PRIVATE)
    for station, code in (("Kajaani", "kajaani"), ("Sotkamo", "sotkamo")):
        values = latest(store, code, ItemType.FEEDBACK)
        counts = (values["feedback_promoters_today"], values["feedback_passives_today"],
                  values["feedback_detractors_today"])
        assert counts == by_hand(station)
        promoters, passives, detractors = by_hand(station)
        answers = promoters + passives + detractors
        derived = figures.derive(values)
        assert derived["feedback_answers_today"] == answers
        assert derived["feedback_nps"] == pytest.approx(100 * (promoters - detractors) / answers, abs=0.5)
    store.dispose()
    on_disk = store_bytes(db)
    for text in (*PRIVATE, "Vastaajan", "Vapaa palaute"):
        assert text.encode() not in on_disk, text


# ------------------------------------------------------------------ 2. Omasote messages, a reporting tool's CSV
MESSAGES_CSV = (
    '"Viesti-ID";"Yksikkö";"Vastaanotettu";"Vastattu";"Aihe";"Tila"\r\n'
    '"M-501";"KAJ";"2026-12-02T08:15:00+02:00";"2026-12-02T09:20:00+02:00";"Reseptin uusinta";"Vastattu"\r\n'
    '"M-502";"KAJ";"2026-12-02T09:03:00+02:00";"";"Kysymys\nlaboratoriotuloksista; kiire";"Avoin"\r\n'
    '"M-503";"SOT";"2026-12-02T10:30:00";"2026-12-02T13:45:00";"Ajanvaraus";"Vastattu"\r\n'
    '"M-505";"KAJ";"2026-12-02T14:02:10";"";"Todistus ""B""\r\nlääkärille";"Avoin"\r\n'
)


def test_omasote_messages_from_a_reporting_tools_csv_with_offsets_and_multiline_subjects(config_dir, tmp_path):
    folder = tmp_path / "omasote"
    folder.mkdir()
    (folder / "viestit.csv").write_bytes(b"\xef\xbb\xbf" + MESSAGES_CSV.encode("utf-8"))
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "omasote", "type": "files", "folder": str(folder), "patterns": ["*.csv"], "settle_seconds": 0,
        "max_memory_mb": 0, "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}, "deliver": "items",
        "items": {"item": "messages", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Viesti-ID", "station": "Yksikkö", "start": "Vastaanotettu", "end": "Vastattu"}}})
    store = Store.open(f"sqlite:///{db}")
    (outcome,) = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"), sleep=lambda s: None).run_once()
    assert outcome.ok, (outcome.error, outcome.rejects)
    assert ledger(outcome) == (4, 4, 0, 0)  # four records, two of them over two lines each
    # Kajaani by hand at 20.00: M-501 answered 9.20; M-502 (9.03) and M-505 (14.02) open, the oldest 10 h 57 min.
    assert latest(store, "kajaani", ItemType.MESSAGES) == pytest.approx({
        "omasote_unanswered": 2, "omasote_oldest_unanswered_h": (20 * 60 - (9 * 60 + 3)) / 60,
        "omasote_received_today": 3, "omasote_answered_today": 1}, abs=0.02)
    # Sotkamo: M-503 written without an offset, so Helsinki time: received 10.30 and answered 13.45 the same day.
    assert latest(store, "sotkamo", ItemType.MESSAGES) == {
        "omasote_unanswered": 0, "omasote_oldest_unanswered_h": 0, "omasote_received_today": 1,
        "omasote_answered_today": 1}
    store.dispose()
    on_disk = store_bytes(db)
    for text in ("laboratoriotuloksista", "Reseptin", "Todistus", "M-50"):
        assert text.encode() not in on_disk, text


# ------------------------------------------------------------------ 3. contacts, a paged REST API
PAGES = {
    "1": {"data": [{"id": "c-9001", "yksikko": "KAJ", "aika": "2026-12-02T06:05:12Z", "kanava": "Puhelin"},
                   {"id": "c-9002", "yksikko": "KAJ", "aika": "2026-12-02T07:30:00Z", "kanava": "Chat"},
                   {"id": "c-9003", "yksikko": "SOT", "aika": "2026-12-02T08:00:00Z", "kanava": "Omasote"}],
          "meta": {"page": 1, "pages": 2, "total": 5, "next": "/api/contacts?page=2"}},
    "2": {"data": [{"id": "c-9004", "yksikko": "SOT", "aika": "2026-12-02T09:15:00Z", "kanava": "Käynti"},
                   {"id": "c-9005", "yksikko": "KAJ", "aika": "2026-12-02T21:45:30Z", "kanava": "PUHELIN "}],
          "meta": {"page": 2, "pages": 2, "total": 5, "next": None}},
}


@contextmanager
def contacts_api(pages: dict[str, Any] = PAGES) -> Iterator[str]:
    """The contact log's API on loopback: ``{"data": [...], "meta": {...}}`` pages linked by ``meta.next``
    (``pages``: another such API's pages)."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("page", ["1"])[0]
            answer = json.loads(json.dumps(pages[page]))
            if answer["meta"]["next"]:  # the API writes its next link absolute
                answer["meta"]["next"] = f"http://127.0.0.1:{self.server.server_port}{answer['meta']['next']}"
            body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/contacts"
    finally:
        server.shutdown()
        server.server_close()


def test_contacts_from_a_paged_api_match_channel_names_as_the_api_capitalises_them(config_dir, tmp_path):
    db = tmp_path / "board.sqlite"
    with contacts_api() as url:
        settings = configure(config_dir, f"sqlite:///{db}", {
            "name": "yhteydenotot", "type": "rest", "url": url, "params": {"changedSince": "{since}"},
            "records": "data", "pagination": {"type": "next_link", "path": "meta.next"},
            "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}, "deliver": "items",
            "items": {"item": "contacts", "id_key": "${BOARD_ITEM_KEY}",
                      "fields": {"id": "id", "station": "yksikko", "start": "aika", "channel": "kanava"},
                      # as docs/CONNECTORS.md writes it, lower case; the API writes "Puhelin", "Käynti"
                      "channels": {"puhelin": "phone", "chat": "chat", "sähköinen asiointi": "omasote",
                                   "käynti": "visit"}}})
        store = Store.open(f"sqlite:///{db}")
        (outcome,) = Collector(settings, store, clock=lambda: local("2026-12-02 23:59"),
                               sleep=lambda s: None).run_once()
    assert outcome.ok, (outcome.error, outcome.rejects)
    assert ledger(outcome) == (5, 5, 0, 0)
    # By hand, Helsinki days (UTC+2): c-9005 at 21.45.30Z is 23.45 on 2.12 (still the same day).
    kaj = latest(store, "kajaani", ItemType.CONTACTS)
    sot = latest(store, "sotkamo", ItemType.CONTACTS)
    assert (kaj["contacts_phone_today"], kaj["contacts_chat_today"], kaj["contacts_visit_today"]) == (2, 1, 0)
    assert (sot["contacts_omasote_today"], sot["contacts_visit_today"], sot["contacts_phone_today"]) == (1, 1, 0)


def test_channel_and_outcome_names_that_differ_only_by_case_must_mean_the_same(config_dir, tmp_path):
    from board.environment import ConfigError

    with pytest.raises(ConfigError, match="differ only by case"):
        configure(config_dir, f"sqlite:///{tmp_path / 'b.sqlite'}", {
            "name": "yhteydenotot", "type": "rest", "url": "http://127.0.0.1:9/x", "deliver": "items",
            "items": {"item": "contacts", "id_key": "${BOARD_ITEM_KEY}",
                      "channels": {"Chat": "chat", "chat": "omasote"},
                      "fields": {"id": "id", "station": "s", "start": "t", "channel": "c"}}})


def test_a_callbacks_outcome_code_matches_whatever_its_case(config_dir, tmp_path):
    from connectors.items import ItemMapper

    settings = configure(config_dir, f"sqlite:///{tmp_path / 'b.sqlite'}", {
        "name": "soitot", "type": "rest", "url": "http://127.0.0.1:9/x", "deliver": "items",
        "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}", "outcomes": {"Ei tavoitettu": "not_reached"},
                  "fields": {"id": "id", "station": "s", "start": "t", "end": "e", "outcome": "o"}}})
    mapper = ItemMapper(settings.sources[0], ["kajaani"], local("2026-12-02 12:00"), "field")
    record = {"id": 1, "s": "kajaani", "t": "2026-12-02T08:00:00+02:00", "e": "2026-12-02T09:00:00+02:00"}
    for written in ("Ei tavoitettu", "EI TAVOITETTU", "ei  tavoitettu"):
        (item,) = mapper.map({**record, "o": written})
        assert item.outcome == "not_reached", written


# ------------------------------------------------------------------ the docs' workflow: collect before enabling
def test_a_disabled_source_named_on_the_command_line_is_collected_once_as_the_docs_workflow_says(
        config_dir, tmp_path):
    """docs/CONNECTORS.md: write the entry with ``enabled: false``, ``check`` it, optionally ``collect --source
    NAME --since … --once``, then set ``enabled: true``."""
    folder = tmp_path / "omasote"
    folder.mkdir()
    (folder / "viestit.csv").write_bytes(b"\xef\xbb\xbf" + MESSAGES_CSV.encode("utf-8"))
    db = tmp_path / "board.sqlite"
    configure(config_dir, f"sqlite:///{db}", {
        "name": "omasote", "type": "files", "enabled": False, "folder": str(folder), "settle_seconds": 0,
        "max_memory_mb": 0, "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}, "deliver": "items",
        "items": {"item": "messages", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Viesti-ID", "station": "Yksikkö", "start": "Vastaanotettu", "end": "Vastattu"}}})
    env = {"BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": f"sqlite:///{db}", "BOARD_ITEM_KEY": KEY,
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "board", "collect", "--source", "omasote", "--since", "2026-11-30",
                           "--once"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "omasote: OK read 4 · stored 4 · refused 0 · ignored 0" in done.stdout
    assert (folder / "processed" / "viestit.csv").exists()
    forever = subprocess.run([sys.executable, "-m", "board", "collect", "--source", "omasote"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert forever.returncode == 2 and "is disabled (enabled: false" in forever.stderr


def test_a_feedback_table_in_a_database_ignores_an_answer_without_a_score_in_the_ledger(config_dir, tmp_path):
    """The same answer with no score read by a ``sql`` source (its chunked item path): ignored, not refused."""
    import sqlite3

    source_db = tmp_path / "kysely.sqlite"
    con = sqlite3.connect(source_db)
    con.execute("create table vastaukset (nro integer, aika text, yksikko text, suositus integer, palaute text)")
    con.executemany("insert into vastaukset values (?, ?, ?, ?, ?)", [
        (1, "2026-12-02 08:12:00", "kajaani", 10, "Hyvä palvelu"), (2, "2026-12-02 09:05:00", "kajaani", None, ""),
        (3, "2026-12-02 09:40:00", "kajaani", 3, None)])
    con.commit()
    con.close()
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "kysely", "type": "sql", "url": f"sqlite:///{source_db}",
        "query": "SELECT nro, aika, yksikko, suositus, palaute FROM vastaukset WHERE aika >= :since",
        "parameters_as": "text", "deliver": "items",
        "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "nro", "station": "yksikko", "start": "aika", "score": "suositus"}}})
    store = Store.open(f"sqlite:///{db}")
    (outcome,) = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"), sleep=lambda s: None).run_once()
    assert outcome.ok, (outcome.error, outcome.rejects)
    assert ledger(outcome) == (3, 2, 0, 1)
    values = latest(store, "kajaani", ItemType.FEEDBACK)
    assert (values["feedback_promoters_today"], values["feedback_detractors_today"]) == (1, 1)


def test_a_snapshot_drop_folder_closes_nothing_when_no_file_waits(config_dir, tmp_path):
    """A files source of open messages (``mode: snapshot``) is pulled every minute; between two exports the
    folder is empty, which says nothing about the messages. The next export without M-502 closes it."""
    folder = tmp_path / "omasote"
    folder.mkdir()
    lines = MESSAGES_CSV.split("\r\n")  # header, M-501, M-502, M-503, M-505 (over a CRLF in its subject), ""
    header, m505 = lines[0], lines[4:6]
    (folder / "avoimet-1.csv").write_bytes(b"\xef\xbb\xbf" + MESSAGES_CSV.encode("utf-8"))
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "omasote", "type": "files", "folder": str(folder), "settle_seconds": 0, "max_memory_mb": 0,
        "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}, "deliver": "items",
        "items": {"item": "messages", "mode": "snapshot", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Viesti-ID", "station": "Yksikkö", "start": "Vastaanotettu", "end": "Vastattu"}}})
    store = Store.open(f"sqlite:///{db}")
    now = [local("2026-12-02 15:00")]
    collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
    assert collector.run_once()[0].ok
    open_at_15 = {"omasote_unanswered": 2, "omasote_answered_today": 1}  # M-502 and M-505 open, M-501 answered
    kaj = latest(store, "kajaani", ItemType.MESSAGES)
    assert {m: kaj[m] for m in open_at_15} == open_at_15
    now[0] = local("2026-12-02 15:01")
    (outcome,) = collector.run_once()  # the folder is empty now
    assert outcome.ok
    kaj = latest(store, "kajaani", ItemType.MESSAGES)
    assert {m: kaj[m] for m in open_at_15} == open_at_15
    # The next export: M-502 is no longer open (answered); M-505 still is.
    (folder / "avoimet-2.csv").write_bytes(
        b"\xef\xbb\xbf" + "\r\n".join([header, *m505, ""]).encode("utf-8"))
    now[0] = local("2026-12-02 16:00")
    assert collector.run_once()[0].ok
    kaj = latest(store, "kajaani", ItemType.MESSAGES)
    assert (kaj["omasote_unanswered"], kaj["omasote_answered_today"]) == (1, 2)


def test_a_snapshot_workbook_with_an_empty_sheet_before_one_with_rows_is_refused_not_guessed(config_dir, tmp_path):
    """A workbook of open messages kept sheet per day, today's first: at 7.00 today's sheet has the header and no
    rows (nothing open yet), yesterday's sheet after it still lists yesterday's open messages. Passing over the
    empty sheet, as a readings source does for a template, would reopen answered messages; the file is refused
    naming both sheets, and nothing is opened or closed."""
    import openpyxl

    folder = tmp_path / "omasote"
    folder.mkdir()
    header = ["Viesti-ID", "Yksikkö", "Vastaanotettu", "Vastattu", "Aihe"]
    workbook = openpyxl.Workbook()
    today = workbook.active
    today.title = "3.12."
    today.append(header)
    yesterday = workbook.create_sheet("2.12.")
    yesterday.append(header)
    yesterday.append(["M-601", "KAJ", datetime(2026, 12, 2, 9, 3), None, "Reseptin uusinta"])
    yesterday.append(["M-602", "KAJ", datetime(2026, 12, 2, 14, 2), None, "Todistus"])
    workbook.save(folder / "avoimet.xlsx")
    db = tmp_path / "board.sqlite"
    source = {"name": "omasote", "type": "files", "folder": str(folder), "settle_seconds": 0, "max_memory_mb": 0,
              "patterns": ["*.xlsx"], "mapping": {"stations": {"KAJ": "kajaani"}}, "deliver": "items",
              "items": {"item": "messages", "mode": "snapshot", "id_key": "${BOARD_ITEM_KEY}",
                        "fields": {"id": "Viesti-ID", "station": "Yksikkö", "start": "Vastaanotettu",
                                   "end": "Vastattu"}}}
    settings = configure(config_dir, f"sqlite:///{db}", source)
    store = Store.open(f"sqlite:///{db}")
    collector = Collector(settings, store, clock=lambda: local("2026-12-03 07:00"), sleep=lambda s: None)
    (outcome,) = collector.run_once()
    assert not outcome.ok
    [reason] = [str(r) for r in outcome.rejects if "avoimet.xlsx:" in str(r)]
    assert "sheet '3.12.' has the mapped columns and no rows, sheet '2.12.' has rows" in reason, outcome.rejects
    assert "sheet in sources.yaml" in reason
    assert latest(store, "kajaani", ItemType.MESSAGES).get("omasote_unanswered", 0) == 0  # nothing reopened
    assert sorted(p.name for p in (folder / "rejected").iterdir()) == ["avoimet.xlsx", "avoimet.xlsx.reason.txt"]
    store.dispose()
    # Named, the sheet is read: today's, with nothing open.
    (folder / "rejected" / "avoimet.xlsx").rename(folder / "avoimet.xlsx")
    settings = configure(config_dir, f"sqlite:///{db}", {**source, "sheet": "3.12."})
    store = Store.open(f"sqlite:///{db}")
    (outcome,) = Collector(settings, store, clock=lambda: local("2026-12-03 07:01"), sleep=lambda s: None).run_once()
    assert outcome.ok, outcome.rejects
    assert latest(store, "kajaani", ItemType.MESSAGES).get("omasote_unanswered", 0) == 0
    store.dispose()


# ------------------------------------------------------------------ 4. a snapshot file still being written
def messages_by_hand(messages: dict[str, tuple[str, str, str | None]], station: str, at: str) -> tuple[int, int]:
    """(unanswered, answered today) of a station at ``at`` (Helsinki), from message -> (station, received,
    answered or closed): counted here, not by the board."""
    unanswered = sum(s == station and r <= at and (c is None or c > at) for s, r, c in messages.values())
    answered = sum(s == station and c is not None and c[:10] == at[:10] and c <= at
                   for s, _r, c in messages.values())
    return unanswered, answered


def settled_but_young(path: Path, seconds_ago: float) -> None:
    """The file's last change ``seconds_ago`` (a writer that paused that long): older than settle_seconds."""
    stamp = time.time() - seconds_ago
    os.utime(path, (stamp, stamp))


def test_a_half_written_snapshot_file_closes_nothing_until_it_is_complete(config_dir, tmp_path):
    """The reporting tool writes the open messages' export row by row and pauses (a query per unit) longer than
    ``settle_seconds``; a pull then finds the file settled, its last line without a line end. That line's message
    is not missing from the snapshot: it is not written yet. Closed, it counted as answered at the pull's time."""
    folder = tmp_path / "omasote"
    folder.mkdir()
    lines = MESSAGES_CSV.split("\r\n")  # header, M-501, M-502, M-503, M-505 (over a CRLF in its subject), ""
    header, m505 = lines[0], "\r\n".join(lines[4:6])
    first = folder / "avoimet-1.csv"
    first.write_bytes(b"\xef\xbb\xbf" + MESSAGES_CSV.encode("utf-8"))
    settled_but_young(first, 600)
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "omasote", "type": "files", "folder": str(folder), "settle_seconds": 2, "max_memory_mb": 0,
        "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}, "deliver": "items",
        "items": {"item": "messages", "mode": "snapshot", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Viesti-ID", "station": "Yksikkö", "start": "Vastaanotettu", "end": "Vastattu"}}})
    store = Store.open(f"sqlite:///{db}")
    now = [local("2026-12-02 15:00")]
    collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
    assert collector.run_once()[0].ok
    # As the CSV says: M-501 answered 9.20, M-502 (9.03) and M-505 (14.02) open.
    truth: dict[str, tuple[str, str, str | None]] = {
        "M-501": ("KAJ", "2026-12-02 08:15", "2026-12-02 09:20"), "M-502": ("KAJ", "2026-12-02 09:03", None),
        "M-505": ("KAJ", "2026-12-02 14:02", None)}

    def kajaani() -> tuple[float, float]:
        values = latest(store, "kajaani", ItemType.MESSAGES)
        return values["omasote_unanswered"], values["omasote_answered_today"]

    assert kajaani() == messages_by_hand(truth, "KAJ", "2026-12-02 15:00")
    # The next export (M-502 answered meanwhile, M-505 still open), its writer paused in M-505's row.
    second = folder / "avoimet-2.csv"
    whole = b"\xef\xbb\xbf" + "\r\n".join([header, m505, ""]).encode("utf-8")
    second.write_bytes(whole[:whole.index(b"Todistus")])
    settled_but_young(second, 4)  # settled (> 2 s), within the grace (20 s): 16 s of margin on a loaded machine
    now[0] = local("2026-12-02 15:01")
    check = collector.connector("omasote").check(now[0])
    assert check.ok and "may be half-written" in check.message and "nothing is closed" in check.message, check
    (outcome,) = collector.run_once()
    assert outcome.ok
    run = outcome.run
    assert run.rows_read == run.rows_stored + run.rows_refused + run.rows_ignored  # the held line: ignored
    assert any(r.startswith("snapshot not applied: file avoimet-2.csv") for r in outcome.rejects), outcome.rejects
    assert run.state == "partial"  # said on /sources and by `board status`, not hidden
    assert kajaani() == messages_by_hand(truth, "KAJ", "2026-12-02 15:01")  # nothing closed from half a file
    assert second.exists()  # kept, to be read whole
    # The writer finishes; the whole file is the snapshot: M-502 is missing from it and closes at the pull's time.
    second.write_bytes(whole)
    settled_but_young(second, 120)
    now[0] = local("2026-12-02 15:02")
    (outcome,) = collector.run_once()
    assert outcome.ok and outcome.run.state == "ok", outcome.rejects
    truth["M-502"] = ("KAJ", "2026-12-02 09:03", "2026-12-02 15:02")
    assert kajaani() == messages_by_hand(truth, "KAJ", "2026-12-02 15:02")
    store.dispose()


# ------------------------------------------------------------------ 5. `board check` agrees with the collector
def test_check_of_a_feedback_table_whose_first_answer_has_no_score_says_ignored_as_the_collector_does(
        config_dir, tmp_path):
    """The survey table's newest answer first (``ORDER BY aika DESC``, as a reporting view sorts it), and that
    respondent left the 0–10 question empty: the collector ignores the row with its reason, so `board check`
    must not call the source FAILED for it."""
    import sqlite3

    source_db = tmp_path / "kysely.sqlite"
    con = sqlite3.connect(source_db)
    con.execute("create table vastaukset (nro integer, aika text, yksikko text, suositus integer, palaute text)")
    con.executemany("insert into vastaukset values (?, ?, ?, ?, ?)", [
        (7, "2026-12-02 19:40:00", "kajaani", None, "En osaa sanoa"), (6, "2026-12-02 19:05:00", "kajaani", 9, ""),
        (5, "2026-12-02 18:30:00", "kajaani", 4, None)])
    con.commit()
    con.close()
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "kysely", "type": "sql", "url": f"sqlite:///{source_db}",
        "query": "SELECT nro, aika, yksikko, suositus FROM vastaukset WHERE aika >= :since ORDER BY aika DESC",
        "parameters_as": "text", "deliver": "items",
        "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "nro", "station": "yksikko", "start": "aika", "score": "suositus"}}})
    store = Store.open(f"sqlite:///{db}")
    collector = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"), sleep=lambda s: None)
    check = collector.connector("kysely").check(local("2026-12-02 20:00"))
    assert check.ok, check
    assert "1 row before it would be ignored" in check.message and "'suositus' is empty" in check.message, check
    assert "kajaani feedback item" in check.message, check  # the first row it counts, as the example
    (outcome,) = collector.run_once()  # and the collector: the same row ignored, the other two counted
    assert outcome.ok and outcome.run.state == "ok", outcome.rejects
    assert ledger(outcome) == (3, 2, 0, 1)
    store.dispose()
    # Every row without a score: check still says what the collector would do, not FAILED.
    con = sqlite3.connect(source_db)
    con.execute("update vastaukset set suositus = NULL")
    con.commit()
    con.close()
    check = collector.connector("kysely").check(local("2026-12-02 20:00"))
    assert check.ok and "the first 3 rows would be ignored" in check.message, check


def test_check_of_a_feedback_api_whose_first_answer_has_no_score_says_ignored_as_the_collector_does(
        config_dir, tmp_path):
    """The same through a ``rest`` source: the survey API's newest answer first, with ``"score": null``."""
    answers = {"1": {"data": [
        {"id": "a-77", "unit": "KAJ", "answeredAt": "2026-12-02T17:40:00Z", "score": None},
        {"id": "a-76", "unit": "KAJ", "answeredAt": "2026-12-02T17:05:00Z", "score": 9},
        {"id": "a-75", "unit": "KAJ", "answeredAt": "2026-12-02T16:30:00Z", "score": "4"}],
        "meta": {"next": None}}}
    db = tmp_path / "board.sqlite"
    with contacts_api(answers) as url:
        settings = configure(config_dir, f"sqlite:///{db}", {
            "name": "kysely", "type": "rest", "url": url, "records": "data",
            "mapping": {"stations": {"KAJ": "kajaani"}}, "deliver": "items",
            "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                      "fields": {"id": "id", "station": "unit", "start": "answeredAt", "score": "score"}}})
        store = Store.open(f"sqlite:///{db}")
        collector = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"), sleep=lambda s: None)
        check = collector.connector("kysely").check(local("2026-12-02 20:00"))
        (outcome,) = collector.run_once()
    assert check.ok, check
    assert "1 ignored, not counted" in check.message and "'score' is empty" in check.message, check
    assert outcome.ok and outcome.run.state == "ok", outcome.rejects
    assert ledger(outcome) == (3, 2, 0, 1)
    store.dispose()


def test_an_answer_without_its_score_key_is_ignored_as_one_with_a_null_score(config_dir, tmp_path):
    """A survey API that leaves a null out of its JSON (many do): ``score`` absent was refused ("field 'score' is
    missing", the source PARTIAL for ever) where ``"score": null`` was ignored. Both mean no score was given:
    ignored, with the reason, by the collector and by check alike. An answer that needs a reaction cannot be
    counted without its score and stays refused, absent or null."""
    answers = {"1": {"data": [
        {"id": "a-80", "unit": "KAJ", "answeredAt": "2026-12-02T17:50:00Z"},
        {"id": "a-79", "unit": "KAJ", "answeredAt": "2026-12-02T17:45:00Z", "score": None},
        {"id": "a-78", "unit": "KAJ", "answeredAt": "2026-12-02T17:42:00Z", "reagoitava": True},
        {"id": "a-76", "unit": "KAJ", "answeredAt": "2026-12-02T17:05:00Z", "score": 9},
        {"id": "a-75", "unit": "KAJ", "answeredAt": "2026-12-02T16:30:00Z", "score": "4"}],
        "meta": {"next": None}}}
    db = tmp_path / "board.sqlite"
    with contacts_api(answers) as url:
        settings = configure(config_dir, f"sqlite:///{db}", {
            "name": "kysely", "type": "rest", "url": url, "records": "data",
            "mapping": {"stations": {"KAJ": "kajaani"}}, "deliver": "items",
            "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                      "fields": {"id": "id", "station": "unit", "start": "answeredAt", "score": "score",
                                 "needs_reaction": "reagoitava"}}})
        store = Store.open(f"sqlite:///{db}")
        collector = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"), sleep=lambda s: None)
        check = collector.connector("kysely").check(local("2026-12-02 20:00"))
        (outcome,) = collector.run_once()
    # read 5 = stored 2 (a-76, a-75) + refused 1 (a-78: needs a reaction, no score) + ignored 2 (a-80, a-79)
    assert ledger(outcome) == (5, 2, 1, 2), (ledger(outcome), outcome.rejects)
    assert list(outcome.rejects) == ["field 'score' is missing"], outcome.rejects
    assert not check.ok and "field 'score' is missing" in check.message, check  # a-78, as the run refuses it
    kaj = latest(store, "kajaani", ItemType.FEEDBACK)
    assert (kaj["feedback_promoters_today"], kaj["feedback_passives_today"], kaj["feedback_detractors_today"]) == \
        (1, 0, 1)  # 9 and 4, counted by hand
    store.dispose()


def test_check_of_a_feedback_api_whose_answers_never_carry_the_mapped_score_fails_as_the_run_does(
        config_dir, tmp_path):
    """``fields.score`` misspelt, or the API renamed it: absent from every answer of the page. That is not "no
    score given" three times: the run fails with the fields it found (its bookmark waits), and check says so too
    rather than "all ignored"."""
    answers = {"1": {"data": [
        {"id": "a-77", "unit": "KAJ", "answeredAt": "2026-12-02T17:40:00Z", "nps": 10},
        {"id": "a-76", "unit": "KAJ", "answeredAt": "2026-12-02T17:05:00Z", "nps": 9}],
        "meta": {"next": None}}}
    db = tmp_path / "board.sqlite"
    with contacts_api(answers) as url:
        settings = configure(config_dir, f"sqlite:///{db}", {
            "name": "kysely", "type": "rest", "url": url, "records": "data",
            "mapping": {"stations": {"KAJ": "kajaani"}}, "deliver": "items",
            "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                      "fields": {"id": "id", "station": "unit", "start": "answeredAt", "score": "score"}}})
        store = Store.open(f"sqlite:///{db}")
        collector = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"), sleep=lambda s: None)
        check = collector.connector("kysely").check(local("2026-12-02 20:00"))
        (outcome,) = collector.run_once()
    assert not outcome.ok and "'score' missing from all 2 records" in (outcome.error or ""), outcome.error
    assert not check.ok and check.kind == "configuration" and "'score' missing from all 2 records" in check.message
    store.dispose()


# ------------------------------------------------------------------ 6. a status column: closed without an answer
def omasote_reference(messages: dict[str, tuple[str, str, str | None, str | None]], station: str,
                      at: datetime) -> tuple[int, int, int]:
    """(unanswered, answered today, received today) of ``station`` at ``at``, from message -> (station,
    received, answered, closed without an answer), Helsinki times: counted here, not by the board. A message
    closed unanswered stops being unanswered when it closed and is never answered."""
    day = at.astimezone(HKI).date()

    def when(text: str | None) -> datetime | None:
        return None if text is None else local(text)

    unanswered = answered = received = 0
    for where, got, reply, shut in messages.values():
        if where != station or when(got) > at:  # type: ignore[operator]
            continue
        received += when(got).astimezone(HKI).date() == day  # type: ignore[union-attr]
        ended = [t for t in (when(reply), when(shut)) if t is not None and t <= at]
        unanswered += not ended
        reply_at = when(reply)
        answered += reply_at is not None and reply_at <= at and reply_at.astimezone(HKI).date() == day
    return unanswered, answered, received


def assert_every_reading_of_the_day(store: Store, station: str, truth: dict[str, Any],
                                    until: datetime) -> set[datetime]:
    """Every stored reading of the station's messages figures on ``until``'s day agrees with the reference; the
    instants read."""
    metrics = ["omasote_unanswered", "omasote_answered_today", "omasote_received_today"]
    start = local(f"{until.astimezone(HKI).date()} 00:00")
    readings = store.series(station, metrics, start, until + timedelta(microseconds=1))
    by_time: dict[datetime, dict[str, float]] = {}
    for r in readings:
        by_time.setdefault(r.ts, {})[r.metric] = r.value
    for ts, values in by_time.items():
        expected = omasote_reference(truth, {"kajaani": "KAJ", "sotkamo": "SOT"}[station], ts)
        assert tuple(values[m] for m in metrics) == expected, (ts, values, expected)
    return set(by_time)


TILA_CSV = (
    '"Viesti-ID";"Yksikkö";"Vastaanotettu";"Vastattu";"Aihe";"Tila"\r\n'
    '"M-501";"KAJ";"2026-12-02T08:15:00+02:00";"2026-12-02T09:20:00+02:00";"Reseptin uusinta";"Vastattu"\r\n'
    '"M-502";"KAJ";"2026-12-02T09:03:00+02:00";"";"Kysymys\nlaboratoriotuloksista";"Avoin"\r\n'
    '"M-504";"KAJ";"2026-12-02T08:40:00+02:00";"";"Peruutus";"Suljettu"\r\n'
    '"M-503";"SOT";"2026-12-02T10:30:00";"2026-12-02T13:45:00";"Ajanvaraus";"Vastattu"\r\n'
    '"M-505";"KAJ";"2026-12-02T14:02:10";"";"Todistus";"{m505}"\r\n'
)


@pytest.mark.parametrize("mode", ["changes", "snapshot"])
def test_a_message_closed_without_an_answer_leaves_unanswered_but_is_not_answered_today(config_dir, tmp_path,
                                                                                          mode):
    """Omasote's messages list as a reporting tool writes it, with ``Tila``: a message ``Suljettu`` (a patient
    cancelled, a duplicate) has no answer time. Mapped in ``statuses`` (lower case, as an administrator types it)
    it closes at the export's time; the next export, listing it closed again, leaves it closed when it was."""
    folder = tmp_path / "omasote"
    folder.mkdir()
    (folder / "viestit-1500.csv").write_bytes(b"\xef\xbb\xbf" + TILA_CSV.format(m505="Avoin").encode("utf-8"))
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "omasote", "type": "files", "folder": str(folder), "settle_seconds": 0, "max_memory_mb": 0,
        "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}, "deliver": "items",
        "items": {"item": "messages", "mode": mode, "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Viesti-ID", "station": "Yksikkö", "start": "Vastaanotettu", "end": "Vastattu",
                             "status": "Tila"},
                  "statuses": {"suljettu": "closed", "avoin": "open"}}})
    store = Store.open(f"sqlite:///{db}")
    now = [local("2026-12-02 15:00")]
    collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
    (outcome,) = collector.run_once()
    assert outcome.ok and outcome.run.state == "ok", outcome.rejects
    assert ledger(outcome) == (5, 5, 0, 0)
    # As the export says, closed when the board first read it closed (15.00: no time of its own).
    truth: dict[str, tuple[str, str, str | None, str | None]] = {
        "M-501": ("KAJ", "2026-12-02 08:15", "2026-12-02 09:20", None),
        "M-502": ("KAJ", "2026-12-02 09:03", None, None),
        "M-504": ("KAJ", "2026-12-02 08:40", None, "2026-12-02 15:00"),
        "M-503": ("SOT", "2026-12-02 10:30", "2026-12-02 13:45", None),
        "M-505": ("KAJ", "2026-12-02 14:02:10", None, None)}
    kaj = latest(store, "kajaani", ItemType.MESSAGES)
    assert (kaj["omasote_unanswered"], kaj["omasote_answered_today"], kaj["omasote_received_today"]) == \
        omasote_reference(truth, "KAJ", now[0])
    assert kaj["omasote_oldest_unanswered_h"] == pytest.approx((15 * 60 - (9 * 60 + 3)) / 60, abs=0.02)  # M-502
    # The report's next run (16.00): M-504 still "Suljettu", M-505 now closed too, written in capitals.
    (folder / "viestit-1600.csv").write_bytes(b"\xef\xbb\xbf" + TILA_CSV.format(m505="SULJETTU").encode("utf-8"))
    now[0] = local("2026-12-02 16:00")
    (outcome,) = collector.run_once()
    assert outcome.ok and outcome.run.state == "ok", outcome.rejects
    truth["M-505"] = ("KAJ", "2026-12-02 14:02:10", None, "2026-12-02 16:00")
    kaj = latest(store, "kajaani", ItemType.MESSAGES)
    assert (kaj["omasote_unanswered"], kaj["omasote_answered_today"], kaj["omasote_received_today"]) == \
        omasote_reference(truth, "KAJ", now[0])
    # Every reading of the day, the 15.00 one included (M-504 moved to 16.00 would make it 3 unanswered).
    assert {local("2026-12-02 15:00"), local("2026-12-02 09:20")} <= assert_every_reading_of_the_day(
        store, "kajaani", truth, now[0])
    assert local("2026-12-02 13:45") in assert_every_reading_of_the_day(store, "sotkamo", truth, now[0])
    store.dispose()


def test_a_status_closes_a_message_at_its_updated_time_from_a_database(config_dir, tmp_path):
    """A messages table with a status and a changed-at column (the sql source's chunked path): closed without an
    answer at its own ``updated`` time, so the day's figures before and after it are right too."""
    import sqlite3

    source_db = tmp_path / "omasote.sqlite"
    con = sqlite3.connect(source_db)
    con.execute("create table viestit (id text, yksikko text, saapunut text, vastattu text, tila text, "
                "muutettu text)")
    con.executemany("insert into viestit values (?, ?, ?, ?, ?, ?)", [
        ("a1", "KAJ", "2026-12-02 08:00:00", None, "SULJETTU", "2026-12-02 10:30:00"),
        ("a2", "KAJ", "2026-12-02 09:00:00", "2026-12-02 09:45:00", "VASTATTU", "2026-12-02 09:45:00"),
        ("a3", "KAJ", "2026-12-02 11:00:00", None, "AVOIN", "2026-12-02 11:00:00"),
        ("a4", "KAJ", "2026-12-02 07:30:00", "2026-12-02 11:20:00", "SULJETTU", "2026-12-02 11:20:00")])
    con.commit()
    con.close()
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "viestit", "type": "sql", "url": f"sqlite:///{source_db}",
        "query": "SELECT id, yksikko, saapunut, vastattu, tila, muutettu FROM viestit WHERE muutettu >= :since",
        "parameters_as": "text", "mapping": {"stations": {"KAJ": "kajaani"}}, "deliver": "items",
        "items": {"item": "messages", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "id", "station": "yksikko", "start": "saapunut", "end": "vastattu",
                             "status": "tila", "updated": "muutettu"},
                  "statuses": {"Suljettu": "closed", "Avoin": "open"}}})
    store = Store.open(f"sqlite:///{db}")
    now = local("2026-12-02 12:00")
    (outcome,) = Collector(settings, store, clock=lambda: now, sleep=lambda s: None).run_once()
    assert outcome.ok and outcome.run.state == "ok", outcome.rejects
    assert ledger(outcome) == (4, 4, 0, 0)
    # a4 was answered (11.20) and then closed: its answer counts; a1 was closed unanswered at 10.30.
    truth: dict[str, tuple[str, str, str | None, str | None]] = {
        "a1": ("KAJ", "2026-12-02 08:00", None, "2026-12-02 10:30"),
        "a2": ("KAJ", "2026-12-02 09:00", "2026-12-02 09:45", None),
        "a3": ("KAJ", "2026-12-02 11:00", None, None),
        "a4": ("KAJ", "2026-12-02 07:30", "2026-12-02 11:20", None)}
    assert {local("2026-12-02 09:45"), local("2026-12-02 10:30"), local("2026-12-02 11:20")} <= \
        assert_every_reading_of_the_day(store, "kajaani", truth, now)
    store.dispose()


NEW_STATUS_CSV = (
    '"Viesti-ID";"Yksikkö";"Vastaanotettu";"Vastattu";"Aihe";"Tila"\r\n'
    '"M-501";"KAJ";"2.12.2026 8.15";"2.12.2026 9.20";"Reseptin uusinta";"Vastattu"\r\n'
    '"M-502";"KAJ";"2.12.2026 9.03";"";"Kysymys laboratoriotuloksista";"Avoin"\r\n'
    '"M-504";"KAJ";"2.12.2026 8.40";"";"Peruutus";"suljettu "\r\n'
    '"M-506";"KAJ";"2.12.2026 10.12";"";"Lähete";"Siirretty"\r\n'
    '"M-507";"KAJ";"2.12.2026 11.30";"";"Todistus";"AVOIN"\r\n'
)


@pytest.mark.parametrize("mode", ["changes", "snapshot"])
def test_a_status_not_in_statuses_is_refused_naming_the_value_and_the_setting(config_dir, tmp_path, mode):
    """The vendor added a status, ``Siirretty`` (moved to another unit), which ``statuses`` does not list: it
    may close the message or not, and only the administrator knows. It was taken as open without a word, so the
    message waited on the wall for ever. Now the row is refused with the value and the setting to add (the
    source PARTIAL, the reason in ``status --json`` and on /sources); ``suljettu `` with a trailing space and
    ``AVOIN`` in capitals match their listed values. An answered message's status is not judged (Vastattu)."""
    from board.cli_status import _source_record
    from board.read.sources import source_statuses

    folder = tmp_path / "omasote"
    folder.mkdir()
    (folder / "viestit.csv").write_bytes(NEW_STATUS_CSV.encode("cp1252"))
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "omasote", "type": "files", "folder": str(folder), "settle_seconds": 0, "max_memory_mb": 0,
        "mapping": {"stations": {"KAJ": "kajaani"}}, "deliver": "items",
        "items": {"item": "messages", "mode": mode, "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Viesti-ID", "station": "Yksikkö", "start": "Vastaanotettu", "end": "Vastattu",
                             "status": "Tila"},
                  "statuses": {"Suljettu": "closed", "Avoin": "open"}}})
    store = Store.open(f"sqlite:///{db}")
    now = local("2026-12-02 15:00")
    collector = Collector(settings, store, clock=lambda: now, sleep=lambda s: None)
    check = collector.connector("omasote").check(now)
    (outcome,) = collector.run_once()
    # read 5 = stored 4 + refused 1 (M-506) + ignored 0
    assert ledger(outcome) == (5, 4, 1, 0), (ledger(outcome), outcome.rejects)
    assert outcome.run.state == "partial"
    said = ("line 5: column 'Tila': status 'Siirretty' is not in items.statuses (listed: 'Avoin', 'Suljettu'); "
            "add it there as open")
    assert not check.ok and said in check.message, check
    [record] = [_source_record(s) for s in source_statuses(settings, store, now) if s.source.name == "omasote"]
    assert record["health"] == "partial" and record["last_run_that_read"]["rows_refused"] == 1, record
    assert [r for r in record["refused_reasons"] if said in r], record["refused_reasons"]
    # M-502 and M-507 wait, M-504 closed unanswered at the pull, M-501 answered: by hand, 2 unanswered.
    kaj = latest(store, "kajaani", ItemType.MESSAGES)
    assert (kaj["omasote_unanswered"], kaj["omasote_answered_today"], kaj["omasote_received_today"]) == (2, 1, 4)
    store.dispose()


@pytest.mark.parametrize(("items", "said"), [
    ({"item": "messages", "fields": {"end": "Vastattu", "status": "Tila"}}, "fields.status and statuses go together"),
    ({"item": "messages", "fields": {"end": "Vastattu"}, "statuses": {"Suljettu": "closed"}},
     "fields.status and statuses go together"),
    ({"item": "messages", "fields": {"end": "Vastattu", "status": "Tila"}, "statuses": {"Suljettu": "answered"}},
     "statuses.Suljettu"),
    ({"item": "contacts", "fields": {"channel": "Kanava", "status": "Tila"}, "statuses": {"Suljettu": "closed"}},
     "closes callbacks and messages only"),
])
def test_a_status_mapping_that_cannot_work_is_a_configuration_error(config_dir, tmp_path, items, said):
    from board.environment import ConfigError

    with pytest.raises(ConfigError, match=said):
        configure(config_dir, f"sqlite:///{tmp_path / 'board.sqlite'}", {
            "name": "omasote", "type": "files", "folder": str(tmp_path), "deliver": "items",
            "items": {"id_key": "${BOARD_ITEM_KEY}", **items}})


# The open messages with the open M-505 last, one line each, and no line end after it.
OPEN_LAST = (
    '"Viesti-ID";"Yksikkö";"Vastaanotettu";"Vastattu";"Aihe";"Tila"\r\n'
    '"M-501";"KAJ";"2026-12-02T08:15:00+02:00";"2026-12-02T09:20:00+02:00";"Reseptin uusinta";"Vastattu"\r\n'
    '"M-502";"KAJ";"2026-12-02T09:03:00+02:00";"";"Kysymys laboratoriotuloksista";"Avoin"\r\n'
    '"M-503";"SOT";"2026-12-02T10:30:00";"2026-12-02T13:45:00";"Ajanvaraus";"Vastattu"\r\n'
    '"M-505";"KAJ";"2026-12-02T14:02:10";"";"Todistus lääkärille";"Avoin"'
)


def unquoted(text: str) -> str:
    """The same export as a tool writes it that quotes nothing (no value here holds a separator or a quote)."""
    return text.replace('"', "")


@pytest.mark.parametrize("quoting", ["quoted", "unquoted"])
def test_a_settled_snapshot_export_without_a_last_line_end(config_dir, tmp_path, quoting):
    """A reporting tool writes its CSV without a line end after the last record (many Windows tools do), and the
    pull finds it settled (older than ``settle_seconds``) but within the grace (ten times that).

    Quoted, its last record is provably whole (as many fields as the header, the last one's quote closed): the
    export is read at once as the snapshot it is — M-502, answered meanwhile and gone from the list, closes;
    nothing is held and the run is not PARTIAL. Every such export made one PARTIAL run ("snapshot not
    applied: ... may still be being written") before. Unquoted, ``Avoin`` at the end could be the start of a
    longer value cut by a paused writer: held as before (the run says why; nothing closes from part of a
    file) and read whole once older than the grace."""
    import os
    import time

    text = OPEN_LAST if quoting == "quoted" else unquoted(OPEN_LAST)
    folder = tmp_path / "omasote"
    folder.mkdir()
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "omasote", "type": "files", "folder": str(folder), "settle_seconds": 2, "max_memory_mb": 0,
        "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}, "deliver": "items",
        "items": {"item": "messages", "mode": "snapshot", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Viesti-ID", "station": "Yksikkö", "start": "Vastaanotettu", "end": "Vastattu"}}})
    store = Store.open(f"sqlite:///{db}")
    now = [local("2026-12-02 15:00")]
    collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)

    def export(name: str, body: str, age: float) -> Path:
        path = folder / name
        path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))
        return path

    def kajaani() -> tuple[float, float]:
        values = latest(store, "kajaani", ItemType.MESSAGES)
        return values["omasote_unanswered"], values["omasote_answered_today"]

    export("avoimet-1.csv", text, age=60)  # older than the grace: read whole either way
    (first,) = collector.run_once()
    assert first.ok and first.run.state == "ok" and ledger(first) == (4, 4, 0, 0), (first.error, ledger(first))
    truth: dict[str, tuple[str, str, str | None]] = {
        "M-501": ("KAJ", "2026-12-02 08:15", "2026-12-02 09:20"), "M-502": ("KAJ", "2026-12-02 09:03", None),
        "M-505": ("KAJ", "2026-12-02 14:02", None)}
    assert kajaani() == messages_by_hand(truth, "KAJ", "2026-12-02 15:00")

    # The 16.00 export: M-502 is no longer open, so it is not in the list (a snapshot of the open ones).
    later = "".join(line for line in text.splitlines(keepends=True) if "M-502" not in line)
    second = export("avoimet-2.csv", later, age=4)  # settled (> 2 s), within the grace (20 s)
    now[0] = local("2026-12-02 16:00")
    check = collector.connector("omasote").check(now[0])
    (run,) = collector.run_once()
    if quoting == "quoted":
        assert check.ok and "half-written" not in check.message, check
        assert run.ok and run.run.state == "ok" and ledger(run) == (3, 3, 0, 0), (ledger(run), run.rejects)
        assert not second.exists()  # read whole and retired
        truth["M-502"] = ("KAJ", "2026-12-02 09:03", "2026-12-02 16:00")  # closed at the snapshot's moment
        assert kajaani() == messages_by_hand(truth, "KAJ", "2026-12-02 16:00")
        store.dispose()
        return
    assert check.ok and "line 4 has no line end" in check.message and "nothing is closed" in check.message, check
    assert run.ok and ledger(run) == (3, 2, 0, 1), ledger(run)  # the last line held: ignored for now
    assert run.run.state == "partial" and any(r.startswith("snapshot not applied: file avoimet-2.csv line 4")
                                              for r in run.rejects), run.rejects
    assert kajaani() == messages_by_hand(truth, "KAJ", "2026-12-02 16:00")  # nothing closed from part of a file
    assert second.exists()
    stamp = time.time() - 60  # the same export, now older than the grace: read whole
    os.utime(second, (stamp, stamp))
    now[0] = local("2026-12-02 16:01")
    (whole,) = collector.run_once()
    assert whole.ok and whole.run.state == "ok" and ledger(whole) == (3, 3, 0, 0), ledger(whole)
    truth["M-502"] = ("KAJ", "2026-12-02 09:03", "2026-12-02 16:01")
    assert kajaani() == messages_by_hand(truth, "KAJ", "2026-12-02 16:01")
    store.dispose()


@pytest.mark.parametrize("last", ["quoted", "unquoted"])
def test_a_young_export_ending_inside_a_multiline_record_is_read_again_not_refused(config_dir, tmp_path, last):
    """The reporting tool's CSV (MESSAGES_CSV: M-505's subject over a CRLF) written without a line end after the
    last record and read within the grace. Its last field unquoted (``;Avoin``), the record may be cut: held at
    its last physical line, the rest ended inside M-505's quoted subject, and the whole good export was refused
    ("not valid CSV ... unexpected end of data") and moved to rejected/. It stays in the folder and is read whole
    once it is older than the grace. Quoted (``;"Avoin"``), the record is provably whole: read at once."""
    import os
    import time

    folder = tmp_path / "omasote"
    folder.mkdir()
    path = folder / "viestit.csv"
    text = MESSAGES_CSV.removesuffix("\r\n")
    if last == "unquoted":
        text = text.removesuffix('"Avoin"') + "Avoin"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    stamp = time.time() - 4  # settled (> 2 s), within the grace (20 s): margin for a loaded machine
    os.utime(path, (stamp, stamp))
    db = tmp_path / "board.sqlite"
    settings = configure(config_dir, f"sqlite:///{db}", {
        "name": "omasote", "type": "files", "folder": str(folder), "settle_seconds": 2, "max_memory_mb": 0,
        "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}, "deliver": "items",
        "items": {"item": "messages", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Viesti-ID", "station": "Yksikkö", "start": "Vastaanotettu", "end": "Vastattu"}}})
    store = Store.open(f"sqlite:///{db}")
    collector = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"), sleep=lambda s: None)
    (young,) = collector.run_once()
    assert young.ok and young.rejected == 0, (young.error, young.rejects)
    assert not (folder / "rejected").exists()
    if last == "quoted":
        assert ledger(young) == (4, 4, 0, 0) and not path.exists(), ledger(young)  # read whole, retired
        assert latest(store, "kajaani", ItemType.MESSAGES)["omasote_unanswered"] == 2  # M-502 and M-505, by hand
        store.dispose()
        return
    assert path.exists()
    stamp = time.time() - 60
    os.utime(path, (stamp, stamp))
    (whole,) = collector.run_once()
    assert whole.ok and ledger(whole) == (4, 4, 0, 0), (whole.error, ledger(whole))
    assert latest(store, "kajaani", ItemType.MESSAGES)["omasote_unanswered"] == 2  # M-502 and M-505, by hand
    store.dispose()
