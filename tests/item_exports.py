"""Item exports written as the source systems' reports write them, and the ``files`` sources that read them.

A Finnish reporting tool saves "CSV (semicolon)": Windows-1252 (or UTF-8 with a BOM), CRLF, a title line,
Finnish headers, ``d.m.yyyy h.mm`` Helsinki wall-clock times without an offset, ``-`` for "not yet", a
free-text column nobody maps and a totals row. One export per item type, one ``files`` source each, in
the shape docs/CONNECTORS.md documents. The tests keep their own list of :class:`Item` as the truth; the
export is only how it reaches the board.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from board.domain.items import Item, ItemType

HKI = ZoneInfo("Europe/Helsinki")
KEY = "export-item-key-0123456789abcdef"
CB, MSG, CON, FB = ItemType.CALLBACKS, ItemType.MESSAGES, ItemType.CONTACTS, ItemType.FEEDBACK

#: The board's station code -> the unit name the reports write (config/stations.yaml's names).
UNITS = {"kajaani": "Kajaanin terveysasema", "sotkamo": "Sotkamon terveysasema", "kuhmo": "Kuhmon terveysasema"}
#: The reports' words for the channels and the outcome classes.
CHANNEL_WORDS = {"phone": "puhelin", "omasote": "sähköinen asiointi", "chat": "chat", "visit": "käynti"}
OUTCOME_WORDS = {"resolved": "Hoidettu", "appointment": "Ajanvaraus", "not_reached": "Ei tavoitettu",
                 "redirected": "Ohjattu", "failure_demand": "Uusintasoitto"}

HEADERS = {
    CB: "Pyyntö;Yksikkö;Luotu;Hoidettu;Tulos;Lisätieto",
    MSG: "Viesti;Yksikkö;Saapunut;Vastattu;Lisätieto",
    CON: "Tunniste;Yksikkö;Aika;Kanava",
    FB: "Vastaus-ID;Yksikkö;Päivämäärä;Suositteluhalukkuus;Vaatii reagointia;Reagoitu;Vapaa palaute",
}
TITLES = {CB: "Takaisinsoittopyynnöt", MSG: "Omasote-viestit", CON: "Yhteydenotot", FB: "Asiakaspalautteet"}


def when(ts: datetime | None) -> str:
    """An instant as the report writes it: Helsinki wall-clock ``d.m.yyyy h.mm``; ``-`` for none."""
    if ts is None:
        return "-"
    local = ts.astimezone(HKI)
    return f"{local.day}.{local.month}.{local.year} {local.hour}.{local.minute:02d}"


def _line(item: Item, n: int) -> str:
    unit = UNITS[item.station]
    if item.type is CB:
        outcome = OUTCOME_WORDS[item.outcome] if item.outcome else "-"
        return f"{item.key};{unit};{when(item.start)};{when(item.end)};{outcome};{'soita uudelleen' if n % 7 else ''}"
    if item.type is MSG:
        return f"{item.key};{unit};{when(item.start)};{when(item.end)};{'kiireellinen' if n % 5 == 0 else ''}"
    if item.type is CON:
        return f"{item.key};{unit};{when(item.start)};{CHANNEL_WORDS[item.channel or 'phone']}"
    needs = "Kyllä" if item.needs_reaction else "Ei"
    return f"{item.key};{unit};{when(item.start)};{item.score};{needs};{when(item.end)};Kiitos hyvästä palvelusta"


def write_export(folder: Path, kind: ItemType, items: Sequence[Item], name: str, cp1252: bool = True) -> Path:
    """The report of ``items`` (all of type ``kind``) saved into ``folder`` ten minutes ago (settled)."""
    lines = [f"{TITLES[kind]}, ajettu raportointijärjestelmästä", "", HEADERS[kind]]
    lines += [_line(item, n) for n, item in enumerate(items)]
    lines.append(f"Yhteensä;{len(items)}")
    text = "\r\n".join(lines) + "\r\n"
    path = folder / name
    path.write_bytes(text.encode("cp1252") if cp1252 else b"\xef\xbb\xbf" + text.encode("utf-8"))
    settled = time.time() - 600
    os.utime(path, (settled, settled))
    return path


def files_source(name: str, kind: ItemType, folder: Path, stations: list[str], outcomes: bool = True,
                 **extra: Any) -> dict[str, Any]:
    """A ``files`` source reading the exports of ``kind`` from ``folder`` (docs/CONNECTORS.md's shape).

    ``outcomes`` False: a callback report's outcome column is left unmapped (no outcome classes counted)."""
    fields: dict[str, str] = {"id": HEADERS[kind].split(";")[0], "station": "Yksikkö"}
    items: dict[str, Any] = {"item": kind.value, "id_key": KEY}
    if kind is CB:
        fields |= {"start": "Luotu", "end": "Hoidettu"}
        if outcomes:
            fields["outcome"] = "Tulos"
            items["outcomes"] = {word: cls for cls, word in OUTCOME_WORDS.items()}
    elif kind is MSG:
        fields |= {"start": "Saapunut", "end": "Vastattu"}
    elif kind is CON:
        fields |= {"start": "Aika", "channel": "Kanava"}
        items["channels"] = {word: ch for ch, word in CHANNEL_WORDS.items()}
    else:
        fields |= {"start": "Päivämäärä", "score": "Suositteluhalukkuus", "needs_reaction": "Vaatii reagointia",
                   "end": "Reagoitu"}
    items["fields"] = fields
    return {"name": name, "type": "files", "folder": str(folder), "stations": stations, "interval_seconds": 60,
            "stale_after_seconds": 900, "deliver": "items", "items": items, **extra}
