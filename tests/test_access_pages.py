"""Who sees which page, through AppTest and app.py's routing: each role × page, notices by role, the signed-out,
no-role and not-configured pages, the demo line, and the wall that stays public and shows no free text but notices.

A signed-in user is ``at.user`` (the ID token's claims, as Streamlit's identity cookie carries them); a
configured server is ``at.secrets["auth"]``. The roles come from this test's board.yaml.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from board.collector import Collector
from board.domain import timeutil
from board.factory import create_board
from board.store import Store
from board.web.streamlit_support import clear_view_caches, use_board
from tests.conftest import pages_reading, write_config

ROOT = Path(__file__).resolve().parent.parent

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "k" * 48,
        "client_id": "board-client-id", "client_secret": "client-secret-value-123",
        "server_metadata_url": "https://login.example.fi/.well-known/openid-configuration"}
ACCESS = {"sign_in": "required", "role_claim": "roles", "contact": "IT-tuki, puh. 1234", "roles": {
    "administrator": {"emails": ["Aino.Admin@Example.fi"]},
    "manager": {"claim_values": ["Ohjaustaulu.Manager"]},
    "shift_lead": {"claim_values": ["Ohjaustaulu.ShiftLead"]}}}

NOW = int(time.time())  # "iat": when the ID token was issued (a sign-in older than access.sign_in_hours expires)
ADMIN = {"is_logged_in": True, "email": "aino.admin@example.fi", "name": "Aino Ylläpitäjä", "iat": NOW}
MANAGER = {"is_logged_in": True, "email": "matti@example.fi", "name": "Matti Esihenkilö",
           "roles": ["Ohjaustaulu.Manager"], "iat": NOW}
SHIFT_LEAD = {"is_logged_in": True, "email": "vilma@example.fi", "name": "Vilma Vuorovastaava",
              "roles": ["Ohjaustaulu.ShiftLead"], "iat": NOW}
NO_ROLE = {"is_logged_in": True, "email": "sanna@example.fi", "name": "Sanna", "roles": ["Another.App"], "iat": NOW}
SIGNED_OUT = {"is_logged_in": False}
USERS = {"administrator": ADMIN, "manager": MANAGER, "shift_lead": SHIFT_LEAD}

PAGES = ["pages/home.py", "pages/week.py", "pages/month.py", "pages/notices.py", "pages/sources.py",
         "pages/alerts.py", "pages/notes.py", "pages/manual.py"]
#: Who sees each page's content (written out here, not read from the code's matrix).
SEES = {"pages/home.py": {"administrator", "manager", "shift_lead"}, "pages/week.py": {"administrator", "manager"},
        "pages/month.py": {"administrator", "manager"},
        "pages/notices.py": {"administrator", "manager", "shift_lead"}, "pages/sources.py": {"administrator"},
        "pages/alerts.py": {"administrator", "shift_lead"},
        "pages/notes.py": {"administrator", "manager", "shift_lead"},
        "pages/manual.py": {"administrator", "shift_lead"}}
TITLES = {"pages/home.py": "Tilannekuva", "pages/week.py": "Viikkonäkymä", "pages/month.py": "Kuukausinäkymä",
          "pages/notices.py": "Tiedotteet seinänäytöille", "pages/sources.py": "Tietolähteet",
          "pages/alerts.py": "Hälytykset", "pages/notes.py": "Merkinnät kaavioihin",
          "pages/manual.py": "Luvut käsin, kun lähde ei toimi"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A configuration with roles and a store filled by one collector cycle (shared: the tests only read it,
    except the notices they add and withdraw, which other tests do not look at)."""
    tmp = tmp_path_factory.mktemp("access")
    cdir = write_config(tmp / "config")
    board = yaml.safe_load((cdir / "board.yaml").read_text(encoding="utf-8"))
    board["access"] = ACCESS
    (cdir / "board.yaml").write_text(yaml.safe_dump(board, allow_unicode=True), encoding="utf-8")
    url = f"sqlite:///{tmp / 'board.sqlite'}"
    board = create_board(cdir, url)
    Collector(board.settings, board.store).run_once()
    board.close()
    return cdir, url


@pytest.fixture
def board(seeded: tuple[Path, str]) -> Iterator[Store]:
    """The pages on the seeded store, sign-in as board.yaml says (whatever BOARD_SIGN_IN this process has)."""
    cdir, url = seeded
    with pages_reading(create_board(cdir, url, environ={})) as board:
        yield board.store


def open_page(page: str, user: dict, secrets: dict | None = None, **params: str) -> AppTest:
    """``page`` through app.py's navigation, as ``user``, on a server whose secrets are ``secrets``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.user = user
    at.secrets = {"auth": AUTH} if secrets is None else secrets
    for k, v in params.items():
        at.query_params[k] = v
    if page != "pages/home.py":
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def html(at: AppTest) -> str:
    return "\n".join(h.value for h in at.html)


def everything(at: AppTest) -> str:
    """Every text the page drew (for "this never appears" checks)."""
    parts = [html(at)] + [e.value for kind in ("title", "markdown", "caption", "info", "error", "code", "success")
                          for e in at.get(kind)]
    return "\n".join(str(p) for p in parts) + "\n".join(b.label for b in at.button)


def shows_content(at: AppTest, page: str) -> bool:
    return bool(at.title) and at.title[0].value == TITLES[page]


# ------------------------------------------------------------------ role x page
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["administrator", "manager", "shift_lead"])
def test_each_role_sees_exactly_its_pages(board: Store, role: str, page: str):
    at = open_page(page, USERS[role])
    if role in SEES[page]:
        assert shows_content(at, page)
        assert f"Kirjautunut: {USERS[role]['name']}" in html(at)
        assert at.button(key="access_sign_out").label == "Kirjaudu ulos"
        assert 'data-access="not-for-role"' not in html(at)
    else:
        assert not shows_content(at, page)
        assert at.title[0].value == "Tämä sivu ei kuulu roolillesi"
        assert 'data-access="not-for-role"' in html(at)
        assert "data-figure" not in html(at) and not at.get("plotly_chart") and not at.dataframe
        links = html(at)
        for other in PAGES:  # the pages this role may open are offered instead
            label = {"pages/home.py": "Tilannekuva", "pages/week.py": "Viikkonäkymä",
                     "pages/month.py": "Kuukausinäkymä", "pages/notices.py": "Tiedotteet",
                     "pages/sources.py": "Lähteet", "pages/alerts.py": "Hälytykset",
                     "pages/notes.py": "Merkinnät", "pages/manual.py": "Käsin syöttö"}[other]
            assert (f">{label}</a>" in links) == (role in SEES[other])


@pytest.mark.parametrize(("user", "links"), [
    (ADMIN, ["home", "alerts", "week", "month", "notices", "notes", "manual", "sources", "wall"]),
    (MANAGER, ["home", "week", "month", "notices", "notes", "wall"]),
    (SHIFT_LEAD, ["home", "alerts", "notices", "notes", "manual", "wall"]),
])
@pytest.mark.parametrize("page", ["pages/home.py", "pages/notices.py"])
def test_the_header_links_only_to_pages_the_role_may_open(board: Store, user: dict, links: list[str], page: str):
    at = open_page(page, user)
    assert [p.proto.page or "home" for p in at.get("page_link")] == links  # "" is the overview as the default page
    assert all(p.proto.query_string == "lang=fi" for p in at.get("page_link"))  # the language goes along


# ------------------------------------------------------------------ notices by role
def _post(at: AppTest, text: str) -> AppTest:
    at.text_area(key="notice_text").input(text)
    at.multiselect(key="notice_stations").set_value(["kajaani"])
    at.button(key="notice_post").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("user", [SHIFT_LEAD, ADMIN], ids=["shift_lead", "administrator"])
def test_shift_leads_and_administrators_post_and_withdraw_as_themselves(board: Store, user: dict):
    at = open_page("pages/notices.py", user)
    assert not [w for w in at.text_input if w.key == "notice_author"]  # no typed name to fake
    assert f"Kirjoittaja: {user['name']}" in html(at)
    text = f"Puhelinpalvelu ruuhkautunut ({user['name']})"
    _post(at, text)
    assert "Tiedote julkaistu: Kajaani" in at.success[0].value
    (notice,) = [n for n in board.notices() if n.text == text]
    assert notice.author == user["name"]
    at.button(key=f"withdraw_{notice.id}").click().run()
    at.button(key=f"withdraw_yes_{notice.id}").click().run()  # after the question
    assert not at.exception, at.exception
    (after,) = [n for n in board.notices() if n.id == notice.id]
    assert after.withdrawn_at is not None and after.withdrawn_by == user["name"]


def test_a_manager_reads_notices_but_cannot_post_or_withdraw(board: Store):
    now = timeutil.utcnow()
    notice = board.add_notice("Esihenkilö näkee tämän", ["kajaani"], now, now + timedelta(hours=1), "Vilma", now)
    at = open_page("pages/notices.py", MANAGER)
    assert shows_content(at, "pages/notices.py")
    assert f'data-notice="{notice.id}" data-state="active"' in html(at) and "Esihenkilö näkee tämän" in html(at)
    assert "Voit lukea tiedotteita" in at.info[0].value
    assert not at.text_area and not [b for b in at.button if b.key == "notice_post"]
    assert not [b for b in at.button if b.key.startswith("withdraw_")]
    assert all(n.withdrawn_at is None for n in board.notices() if n.text == "Esihenkilö näkee tämän")


def test_notice_text_stays_literal_for_a_signed_in_writer(board: Store):
    at = _post(open_page("pages/notices.py", SHIFT_LEAD), "<script>alert(1)</script> **lihava**")
    page = html(at)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **lihava**" in page and "<script>alert" not in page


# ------------------------------------------------------------------ acknowledging alerts by role
def test_a_shift_lead_acknowledges_on_the_alert_page_as_themselves_and_a_manager_cannot(board: Store):
    from tests.test_overview_alerts import fire

    alert = fire(board, "puolanka")
    key = f"list-ack-{alert.alert_id}"
    # A manager opens the overview: the alert is listed there, with no button to take it.
    at = open_page("pages/home.py", MANAGER)
    assert 'data-alerts="1"' in html(at) and not [b for b in at.button if b.key == f"ov-ack-{alert.alert_id}"]
    at = open_page("pages/alerts.py", SHIFT_LEAD)
    assert not [w for w in at.text_input if w.key == "ack_author"]  # the name comes from the sign-in
    assert f'data-alert="{alert.alert_id}"' in html(at)
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    (taken,) = [a for a in board.alerts(active_only=True) if a.alert_id == alert.alert_id]
    assert taken.acknowledged_by == SHIFT_LEAD["name"] and taken.acknowledged_at is not None
    assert f"kuitannut {SHIFT_LEAD['name']}" in html(at)


# ------------------------------------------------------------------ not signed in, no role, not configured
@pytest.mark.parametrize("page", PAGES)
def test_signed_out_gets_the_sign_in_page_and_no_data(board: Store, page: str):
    at = open_page(page, SIGNED_OUT)
    assert at.title[0].value == "Kirjaudu sisään"
    assert at.button(key="access_sign_in").label == "Kirjaudu sisään"
    assert 'data-access="sign-in"' in html(at)
    assert "data-figure" not in html(at) and not at.dataframe and not at.text_area


def test_signing_out_returns_to_the_sign_in_page(board: Store):
    at = open_page("pages/home.py", SHIFT_LEAD)
    at.button(key="access_sign_out").click().run()
    assert not at.exception, at.exception
    assert at.user == {"is_logged_in": False}
    assert at.button(key="access_sign_in") and '<table class="ov"' not in html(at)


def test_a_sign_in_older_than_the_limit_must_be_renewed(board: Store):
    stale = {**ADMIN, "iat": NOW - 13 * 3600}  # access.sign_in_hours is 12 by default
    at = open_page("pages/sources.py", stale)
    assert at.title[0].value == "Kirjaudu sisään" and at.button(key="access_sign_in")
    assert "Kirjautumisesi on vanhentunut" in html(at) and not at.dataframe
    fresh = open_page("pages/sources.py", {**ADMIN, "iat": NOW - 11 * 3600})
    assert shows_content(fresh, "pages/sources.py")


@pytest.mark.parametrize("page", PAGES)
def test_a_signed_in_user_without_a_role_is_told_whom_to_ask(board: Store, page: str):
    at = open_page(page, NO_ROLE)
    assert at.title[0].value == "Ei käyttöoikeutta"
    text = html(at)
    assert "sanna@example.fi" in text and "Pyydä roolia: IT-tuki, puh. 1234" in text
    assert at.button(key="access_sign_out")
    assert "data-figure" not in text and not at.dataframe and not at.text_area


def test_the_no_access_page_in_swedish(board: Store):
    at = open_page("pages/home.py", NO_ROLE, lang="sv")
    assert at.title[0].value == "Ingen behörighet" and "Be om en roll: IT-tuki" in html(at)


@pytest.mark.parametrize("page", PAGES)
def test_without_an_auth_section_every_page_but_the_wall_says_sign_in_is_not_configured(board: Store, page: str):
    at = open_page(page, SIGNED_OUT, secrets={"unrelated": "x"})
    assert at.title[0].value == "Kirjautumista ei ole määritetty"
    assert "[auth] is missing" in html(at) and ".streamlit/secrets.toml" in html(at)
    # names every key to set, and the file as an absolute path on this server ("tiedostoon /srv/…/secrets.toml")
    assert ("[auth] is missing: set redirect_uri, cookie_secret, client_id, client_secret, server_metadata_url"
            in html(at)), html(at)
    assert re.search(r"tiedostoon /\S*/\.streamlit/secrets\.toml", html(at)), html(at)
    assert "server_metadata_url" in at.code[0].value and "redirect_uri" in at.code[0].value
    assert "data-figure" not in html(at) and not at.dataframe and not at.button


def test_an_incomplete_auth_section_names_what_is_missing_and_no_value(board: Store):
    partial = {"auth": {**{k: v for k, v in AUTH.items() if k != "server_metadata_url"},
                        "cookie_secret": "tiny-Secret9"}}
    at = open_page("pages/home.py", ADMIN, secrets=partial)
    assert at.title[0].value == "Kirjautumista ei ole määritetty"
    assert "server_metadata_url is missing" in html(at) and "cookie_secret is shorter than 32" in html(at)
    shown = everything(at)
    assert AUTH["client_secret"] not in shown and AUTH["client_id"] not in shown and "tiny-Secret9" not in shown


PARTIAL = {"auth": {k: v for k, v in AUTH.items() if k != "client_secret"}}
LAN = [("host", "board.sote.example.fi"), ("user-agent", "Mozilla/5.0")]


def _client(monkeypatch, ip: str | None, headers: list[tuple[str, str]]) -> None:
    """The browser's connection as Streamlit's server hands it to a session (AppTest has none): its TCP peer
    (``remote_ip``, or the address uvicorn took from a trusted proxy's X-Forwarded-For) and its headers."""
    import streamlit.runtime.context as context

    import board.web.access as access
    monkeypatch.setattr(context, "_get_client_context",
                        lambda: SimpleNamespace(remote_ip=ip, headers=headers, cookies={}))
    monkeypatch.setattr(access, "_logged", set(), raising=False)  # (each test sees its own first log line)


PATH = re.compile(r"/\S*/\.streamlit/secrets\.toml")


@pytest.mark.parametrize(("ip", "headers"), [("127.0.0.1", [("host", "localhost:8501")]),
                                             ("::1", [("host", "[::1]:8501")]),
                                             ("127.0.0.1", [("host", "127.0.0.1:8501")])])
def test_a_browser_on_the_server_itself_is_told_the_secrets_files_path(board: Store, monkeypatch, ip: str,
                                                                         headers: list[tuple[str, str]]):
    _client(monkeypatch, ip, headers)
    at = open_page("pages/home.py", SIGNED_OUT, secrets=PARTIAL)
    assert at.title[0].value == "Kirjautumista ei ole määritetty"
    assert re.search(r"tiedostoon /\S*/\.streamlit/secrets\.toml", html(at)), html(at)
    assert "client_secret is missing" in html(at)


@pytest.mark.parametrize(("ip", "headers"), [
    ("10.20.30.40", LAN),
    ("2001:db8::7", LAN),
    # nginx on the server passing a browser of the network on: uvicorn reads the address from X-Forwarded-For,
    # but a proxy naming itself only in Forwarded (or X-Real-IP) leaves the connection's own loopback address
    ("127.0.0.1", [*LAN, ("forwarded", "for=10.20.30.40;proto=https")]),
    ("127.0.0.1", [*LAN, ("x-real-ip", "10.20.30.40")]),
    (None, [*LAN, ("x-forwarded-for", "127.0.0.1")]),
], ids=["lan-v4", "lan-v6", "proxy-forwarded", "proxy-real-ip", "proxy-xff"])
def test_a_browser_from_the_network_is_told_to_ask_the_administrator_and_the_path_goes_to_the_log(
        board: Store, monkeypatch, caplog, ip: str | None, headers: list[tuple[str, str]]):
    _client(monkeypatch, ip, headers)
    with caplog.at_level("WARNING", logger="board.web.access"):
        at = open_page("pages/home.py", SIGNED_OUT, secrets=PARTIAL)
    assert at.title[0].value == "Kirjautumista ei ole määritetty"
    shown = everything(at)
    assert not PATH.search(shown) and "secrets.toml" not in shown, shown
    assert "Pyydä ylläpitäjää korjaamaan ne" in html(at) and "palvelimen lokissa" in html(at)
    assert "client_secret is missing" in html(at) and "redirect_uri" in at.code[0].value  # still says what to add
    logged = [r.getMessage() for r in caplog.records if r.name == "board.web.access"]
    assert any(PATH.search(m) and "client_secret is missing" in m for m in logged), logged
    assert AUTH["client_id"] not in "\n".join(logged) and AUTH["cookie_secret"] not in "\n".join(logged)


def test_without_any_auth_section_a_browser_from_the_network_is_told_the_path(board: Store, monkeypatch):
    """Nothing configured yet (a first start): the page is how the administrator learns which file to create."""
    _client(monkeypatch, "10.20.30.40", LAN)
    at = open_page("pages/home.py", SIGNED_OUT, secrets={"unrelated": "x"})
    assert re.search(r"tiedostoon /\S*/\.streamlit/secrets\.toml", html(at)), html(at)


def test_a_run_with_no_browser_connection_is_not_taken_for_local(board: Store, monkeypatch):
    """Streamlit says ``None`` for a loopback address and for no connection at all: only the first is local."""
    _client(monkeypatch, None, [])
    at = open_page("pages/home.py", SIGNED_OUT, secrets=PARTIAL)
    assert not PATH.search(everything(at)) and "Pyydä ylläpitäjää" in html(at)


def test_the_swedish_and_english_pages_say_where_the_details_are(board: Store, monkeypatch):
    _client(monkeypatch, "10.20.30.40", LAN)
    sv = open_page("pages/home.py", SIGNED_OUT, secrets=PARTIAL, lang="sv")
    en = open_page("pages/home.py", SIGNED_OUT, secrets=PARTIAL, lang="en")
    assert "Be administratören" in html(sv) and "serverns logg" in html(sv)
    assert "Ask the administrator" in html(en) and "in the server log" in html(en)
    assert not PATH.search(everything(sv) + everything(en))


def test_even_a_signed_in_cookie_shows_nothing_while_sign_in_is_not_configured(board: Store):
    at = open_page("pages/sources.py", ADMIN, secrets={"unrelated": "x"})
    assert at.title[0].value == "Kirjautumista ei ole määritetty" and not at.dataframe


# ------------------------------------------------------------------ sign-in off (the demo)
@pytest.mark.parametrize("page", PAGES)
def test_sign_in_off_opens_every_page_with_a_visible_demo_line(board: Store, seeded: tuple[Path, str], page: str):
    use_board(create_board(*seeded, sign_in="off", environ={}))
    at = open_page(page, SIGNED_OUT, secrets={"unrelated": "x"})
    assert shows_content(at, page)
    assert '<p class="access-demo">Kirjautuminen ei käytössä (demo)</p>' in html(at)
    assert not [b for b in at.button if b.key in ("access_sign_in", "access_sign_out")]


# ------------------------------------------------------------------ the wall: public, read-only, no free text
@pytest.mark.parametrize(("user", "secrets"), [(SIGNED_OUT, None), (SIGNED_OUT, {"unrelated": "x"}), (NO_ROLE, None)],
                         ids=["signed-out", "sign-in-not-configured", "no-role"])
def test_the_wall_needs_no_sign_in(board: Store, user: dict, secrets: dict | None):
    at = open_page("pages/wall.py", user, secrets, station="kajaani")
    wall = html(at)
    assert 'class="wall' in wall and "data-figure" in wall
    assert "data-access" not in wall and "access-demo" not in wall
    # read-only: nothing to type and nothing to click (the page shell reruns the fragment itself when the
    # station's data changed: the board names the fragment, tests/test_wall_changes.py)
    assert not at.text_input and not at.text_area and not at.button
    assert re.search(r'data-fragment="[0-9a-f]+" data-page="[0-9a-f]*"', wall)


def _texts(wall: str) -> set[str]:
    """The wall's text nodes, without those that carry a clock time (they may move on between two renders)."""
    return {t.strip() for t in re.findall(r">([^<>]+)<", wall) if t.strip() and not re.search(r"\d\.\d\d", t)}


def test_the_wall_shows_notices_as_plain_text_and_no_other_free_text(board: Store):
    before = _texts(html(open_page("pages/wall.py", SIGNED_OUT, station="sotkamo")))
    now = timeutil.utcnow()
    board.add_notice("Tauko <b>kahvilla</b> **tärkeä**", ["sotkamo"], now, now + timedelta(hours=1),
                     "Kirjoittaja Salainen", now)
    clear_view_caches()
    wall = html(open_page("pages/wall.py", SIGNED_OUT, station="sotkamo"))
    assert "Tauko &lt;b&gt;kahvilla&lt;/b&gt; **tärkeä**" in wall
    # The notice's text is the only new text: not who wrote it, nothing else a person typed.
    assert _texts(wall) - before == {"Tauko &lt;b&gt;kahvilla&lt;/b&gt; **tärkeä**"}
    assert "Salainen" not in wall


def test_configured_names_are_plain_text_on_the_wall(board: Store, monkeypatch, tmp_path: Path,
                                                     seeded: tuple[Path, str]):
    cdir = tmp_path / "config"
    cdir.mkdir()
    for f in seeded[0].glob("*.yaml"):
        (cdir / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    stations = yaml.safe_load((cdir / "stations.yaml").read_text(encoding="utf-8"))
    stations["stations"][0]["name"] = "Kajaani <script>x()</script> **asema**"
    (cdir / "stations.yaml").write_text(yaml.safe_dump(stations, allow_unicode=True), encoding="utf-8")
    use_board(create_board(cdir, seeded[1], environ={}))
    code = stations["stations"][0]["code"]
    wall = html(open_page("pages/wall.py", SIGNED_OUT, station=code))
    assert "Kajaani &lt;script&gt;x()&lt;/script&gt; **asema**" in wall and "<script>x()" not in wall


def test_these_tests_cover_every_routed_page_but_the_wall():
    """A new page in app.py must join PAGES above (and so the signed-out, no-role and role tests)."""
    routed = set(re.findall(r'"(pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8")))
    assert routed - {"pages/wall.py"} == set(PAGES)
