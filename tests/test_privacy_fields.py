"""Unmapped personal fields in JSON records: a ``rest`` API as a file, a ``push`` sender still told.

A survey service's API (on loopback, ``{"data": [...], "meta": {...}}`` as it writes it) answers with each
respondent's name and e-mail and their free-text feedback beside the fields the board maps. A vendor's API
cannot be reshaped, and nothing of its answer is kept, so those fields are never read and the answers are
counted, as a file's unmapped name columns are (a9a5ce2); each answer was refused before ("field 'nimi' looks
like a person's name"), so the source could never be used. An identity code anywhere, or a field named for
one, still refuses the record. A ``push`` sender is built for the board, and its answer tells it which
records were refused and why: it is still refused for a name field (docs/CONNECTORS.md, *Privacy guard*).
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from board.collector import Collector
from board.domain.items import ItemType
from board.factory import create_board
from board.push import PushDesk
from board.store import Store
from tests.conftest import write_config
from tests.test_items_vendor_exports import configure, contacts_api, latest, ledger, local, store_bytes
from tests.test_privacy_paths import HETU

NAMES = ("Matti Meikäläinen", "matti.meikalainen@example.fi", "Maija Mallikas", "Jonotus kesti liian kauan")
ANSWERS = [
    {"id": "a-91", "unit": "KAJ", "answeredAt": "2026-12-02T08:10:00Z", "score": 10,
     "vastaaja": {"nimi": NAMES[0], "email": NAMES[1]}, "vapaaPalaute": NAMES[3]},
    {"id": "a-92", "unit": "KAJ", "answeredAt": "2026-12-02T09:20:00Z", "score": 8,
     "vastaaja": {"nimi": NAMES[2], "email": None}, "vapaaPalaute": ""},
    {"id": "a-93", "unit": "KAJ", "answeredAt": "2026-12-02T10:30:00Z", "score": 3,
     "vastaaja": {"nimi": None, "email": None}, "vapaaPalaute": None},
    {"id": "a-94", "unit": "KAJ", "answeredAt": "2026-12-02T11:40:00Z", "score": 9,
     "vastaaja": {"nimi": None, "email": None}, "vapaaPalaute": f"hetuni on {HETU}"},      # a code: refused
    {"id": "a-95", "unit": "KAJ", "answeredAt": "2026-12-02T12:50:00Z", "score": 6,
     "vastaaja": {"nimi": None, "hetu": None}, "vapaaPalaute": None},                      # a code's field
]
ITEMS = {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
         "fields": {"id": "id", "station": "unit", "start": "answeredAt", "score": "score"}}


def test_a_rest_api_s_unmapped_name_fields_are_not_read_and_do_not_refuse_its_answers(config_dir, tmp_path):
    db = tmp_path / "board.sqlite"
    with contacts_api({"1": {"data": ANSWERS, "meta": {"next": None}}}) as url:
        settings = configure(config_dir, f"sqlite:///{db}", {
            "name": "kysely", "type": "rest", "url": url, "records": "data",
            "mapping": {"stations": {"KAJ": "kajaani"}}, "deliver": "items", "items": ITEMS})
        store = Store.open(f"sqlite:///{db}")
        collector = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"), sleep=lambda s: None)
        check = collector.connector("kysely").check(local("2026-12-02 20:00"))
        (outcome,) = collector.run_once()
    # read 5 = stored 3 (a-91, a-92, a-93) + refused 2 (a-94: a code in its text; a-95: a field named hetu)
    assert ledger(outcome) == (5, 3, 2, 0), (ledger(outcome), outcome.rejects)
    assert {str(r): n for r, n in outcome.rejects.items()} == {
        "a value looks like a personal identity code (henkilötunnus); record refused: the board takes no personal "
        "data": 1,
        "field 'hetu' looks like a person's name or identity code; record refused: the board takes no personal "
        "data": 1}
    kaj = latest(store, "kajaani", ItemType.FEEDBACK)
    assert (kaj["feedback_promoters_today"], kaj["feedback_passives_today"], kaj["feedback_detractors_today"]) == \
        (1, 1, 1)  # 10, 8 and 3, by hand
    assert not check.ok and "cannot be used" in check.message, check  # a-94 and a-95, as the run refuses them
    store.dispose()
    on_disk = store_bytes(db)
    for text in (*NAMES, HETU):
        assert text.encode() not in on_disk, text


def test_check_of_such_an_api_names_the_fields_it_will_not_read(config_dir, tmp_path):
    clean = [a for a in ANSWERS if a["id"] in ("a-91", "a-92", "a-93")]
    db = tmp_path / "board.sqlite"
    with contacts_api({"1": {"data": clean, "meta": {"next": None}}}) as url:
        settings = configure(config_dir, f"sqlite:///{db}", {
            "name": "kysely", "type": "rest", "url": url, "records": "data",
            "mapping": {"stations": {"KAJ": "kajaani"}}, "deliver": "items", "items": ITEMS})
        store = Store.open(f"sqlite:///{db}")
        check = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"),
                          sleep=lambda s: None).connector("kysely").check(local("2026-12-02 20:00"))
        store.dispose()
    assert check.ok, check
    assert "not read (may hold names or contact details): 'email', 'nimi'" in check.message, check


def test_a_push_sender_that_sends_names_is_still_refused_and_told_why(tmp_path: Path, sqlite_url: str):
    config = write_config(tmp_path / "config")
    source = {"name": "kysely", "type": "push", "token": "${KYSELY_TOKEN}", "stations": ["kajaani"],
              "mapping": {"stations": {"KAJ": "kajaani"}}, "deliver": "items", "items": ITEMS}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    board = create_board(config, sqlite_url, sign_in="off", environ={
        "KYSELY_TOKEN": "k" * 32, "BOARD_ITEM_KEY": "test-item-key-0123456789abcdef"})
    try:
        desk = PushDesk(board.settings, board.store)
        desk.collector.clock = lambda: local("2026-12-02 20:00")
        answer = desk.take("kysely", copy.deepcopy(ANSWERS[:3])).as_json()
    finally:
        board.close()
    # a-91 and a-92 carry a name field ('vastaaja.nimi'; a-93's is null but named so too): all three refused
    assert answer["rows"] == {"read": 3, "stored": 0, "refused": 3, "ignored": 0}, answer
    assert answer["reasons"] == {"field 'nimi' looks like a person's name or identity code; record refused: the "
                                 "board takes no personal data": 3}, answer
