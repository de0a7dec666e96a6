"""The Sources page words a push source as one that sends: its runs are pushes ("lähetys"), never pulls ("haku").

A push source's run is a push the source made (board/push.py), so "Viimeisin onnistunut haku" (last successful
pull) told an administrator the board fetches from it. The pushes here go over real HTTP into the API, as a
source system sends them; a pulled source on the same page keeps its pull wording, so the test sees both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from board.collector import Collector
from board.factory import Board, create_board
from tests.api_support import api_server
from tests.conftest import pages_reading, write_config

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "jono-token-0123456789abcdefghij"
PUSH = {"name": "jono", "type": "push", "token": "${JONO_TOKEN}", "interval_seconds": 60,
        "mapping": {"station": "asema", "metric": "mittari", "time": "aika", "value": "arvo"}}
#: What a pulled source is called on the page, per language; none of it may be said of a push source.
PULL_WORDS = {"fi": ("haku", "haut", "haettu"), "sv": ("hämtning", "hämtad"), "en": ("pull",)}


@pytest.fixture
def board(tmp_path: Path, sqlite_url: str) -> Iterator[Board]:
    config = write_config(tmp_path / "config")
    demo = yaml.safe_load((config / "sources.yaml").read_text(encoding="utf-8"))["sources"][0]
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [demo, PUSH]}), encoding="utf-8")
    with pages_reading(create_board(config, sqlite_url, sign_in="off", environ={"JONO_TOKEN": TOKEN})) as b:
        Collector(b.settings, b.store).run_once()  # the demo: a pulled source with a successful pull
        yield b


def _push(api: str, *stations: str) -> None:
    stamp = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    body = [{"asema": code, "mittari": "queue_waiting", "aika": stamp, "arvo": 7} for code in stations]
    answer = httpx.post(f"{api}/push/jono", json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert answer.status_code == 200, answer.text


def _page(lang: str) -> tuple[dict[str, str], list[str]]:
    """The Sources page in ``lang``: each source's card by name, and the expanders' titles."""
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    cards = {re.search(r'data-source="([^"]+)"', h.value).group(1): h.value  # type: ignore[union-attr]
             for h in at.html if 'class="src-card' in h.value}
    return cards, [e.label for e in at.expander]


def _no_pull_words(card: str, lang: str) -> None:
    text = re.sub(r"<[^>]+>", " ", card).lower()
    said = [w for w in PULL_WORDS[lang] if w in text]
    assert not said, (said, text)


def test_a_push_source_that_never_sent_says_so_and_where_it_sends(board: Board) -> None:
    cards, _ = _page("fi")
    assert 'data-health="never"' in cards["jono"]
    assert "Ei vielä lähettänyt" in cards["jono"] and "POST /push/jono" in cards["jono"]
    _no_pull_words(cards["jono"], "fi")


@pytest.mark.parametrize(("lang", "words", "pulled"), [
    ("fi", ["Viimeisin onnistunut lähetys", "Viimeisin lähetys"], "Viimeisin onnistunut haku"),
    ("sv", ["Senaste lyckade sändning", "Senaste sändning"], "Senaste lyckade hämtning"),
    ("en", ["Last successful push", "Last push"], "Last successful pull"),
])
def test_a_push_sources_runs_are_pushes_in_every_language(board: Board, lang: str, words: list[str],
                                                          pulled: str) -> None:
    with api_server(board) as api:
        _push(api, "kajaani")
        _push(api, "kajaani", "oulu")  # oulu is no station of the board: refused, so the card warns
    cards, expanders = _page(lang)
    jono, demo = cards["jono"], cards["demo"]
    assert 'data-health="partial"' in jono
    assert all(w in jono for w in words), jono
    _no_pull_words(jono, lang)
    assert pulled in demo and words[0] not in demo  # the pulled source keeps its own words
    details = {"fi": ("Tuoreus ja viimeisimmät lähetykset", "Tuoreus ja viimeisimmät haut"),
               "sv": ("Aktualitet och senaste sändningar", "Aktualitet och senaste hämtningar"),
               "en": ("Freshness and recent pushes", "Freshness and recent pulls")}[lang]
    assert expanders.count(details[0]) == 1 and expanders.count(details[1]) == 1, expanders
