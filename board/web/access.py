"""Sign-in for every page but the wall: Streamlit's ``st.login`` (OpenID Connect) and roles from board.yaml.

Each gated page calls :func:`require` first, before it reads anything. It
either returns the :class:`~board.domain.access.Viewer` (and draws the small
"signed in as … · Sign out" bar) or draws one of these pages and stops the
script, so no data is ever computed for someone who may not see it:

* sign-in is **off** (``BOARD_SIGN_IN=off``, the demo): everyone may do
  everything and a visible line says so;
* sign-in is required but ``[auth]`` in ``.streamlit/secrets.toml`` is
  missing or incomplete: "Sign-in is not configured" with what to add
  (never a secret's value) — secure by default, while the wall keeps working;
* not signed in, or signed in longer ago than ``access.sign_in_hours``: a
  sign-in button (``st.login()``);
* signed in without a role: "no access", with the address and whom to ask;
* signed in, but the page is not for this role: says so and lists the pages
  that are.

``st.user`` holds the ID token's claims from Streamlit's signed identity
cookie (``cookie_secret``), which is where the role claim is read.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import threading
import time
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

import streamlit as st

from board.domain.access import ALL_ROLES, MATRIX, Page, Role, Viewer, auth_problems, viewer_for
from board.i18n import t
from board.settings import Settings
from board.web import style

log = logging.getLogger(__name__)
#: What a page is called and where it lives (relative links work under any base path).
PAGES: dict[Page, tuple[str, str]] = {
    Page.OVERVIEW: ("page.overview", "./"), Page.WEEK: ("page.week", "week"), Page.MONTH: ("page.month", "month"),
    Page.NOTICES: ("page.notices", "notices"), Page.MANUAL: ("page.manual", "manual"),
    Page.SOURCES: ("page.sources", "sources"), Page.ALERTS: ("page.alerts", "alerts"),
    Page.NOTES: ("page.notes", "notes"),
}

AUTH_TEMPLATE = """[auth]
redirect_uri = "https://HOST/oauth2callback"
cookie_secret = "LONG-RANDOM-STRING"   # python -c "import secrets; print(secrets.token_urlsafe(48))"
client_id = "APPLICATION-CLIENT-ID"
client_secret = "CLIENT-SECRET"
server_metadata_url = "https://login.microsoftonline.com/TENANT-ID/v2.0/.well-known/openid-configuration"
"""

def auth_section() -> Mapping[str, Any] | None:
    """The ``[auth]`` table of the secrets (``None`` without one); never raises for a missing file."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section = st.secrets.get("auth")
    except Exception:  # an unreadable secrets.toml means the same as none, for the pages
        return None
    if section is None:
        return None
    return section.to_dict() if hasattr(section, "to_dict") else dict(section)


def sign_in_problems() -> list[str]:
    """Why ``st.login()`` cannot work on this server (empty when it can)."""
    from streamlit.auth_util import is_authlib_installed

    problems = auth_problems(auth_section())
    if not is_authlib_installed():
        problems.append("Authlib is not installed (pip install -r requirements.txt)")
    return problems


def current_user() -> dict[str, Any]:
    try:
        return dict(st.user.to_dict())
    except Exception:  # no script context: nobody is signed in
        return {}


#: Sign-ins ended on this server (a fingerprint of the sign-in's claims -> when). Every tab of a browser carries
#: the same identity cookie, so the same claims: a tab that was open when another tab signed out finds its
#: sign-in here on its next rerun, fragment reruns included, and shows the sign-in page. (Streamlit reads the
#: cookie once, when a tab connects; without this an open tab stayed signed in until it was reloaded.) The
#: entries outlive any sign-in they can match (the cookie's 30 days at most) and then go.
_signed_out: dict[str, float] = {}
_signed_out_lock = threading.Lock()
SIGNED_OUT_KEEP_SECONDS = 31 * 86400


def _fingerprint(user: Mapping[str, Any]) -> str:
    """The sign-in's identity: its claims (``iat``, ``nonce``, ``sub`` …), the same in every tab of the browser."""
    return hashlib.sha256(json.dumps(dict(user), sort_keys=True, default=str).encode()).hexdigest()


def sign_out() -> None:
    """The sign-out button: end this sign-in in every open tab of the browser, then Streamlit's own sign-out."""
    user = current_user()
    if user.get("is_logged_in"):
        now = time.time()
        with _signed_out_lock:
            for key in [k for k, at in _signed_out.items() if now - at > SIGNED_OUT_KEEP_SECONDS]:
                del _signed_out[key]
            _signed_out[_fingerprint(user)] = now
    st.logout()


def _ended(user: Mapping[str, Any]) -> bool:
    with _signed_out_lock:
        return _fingerprint(user) in _signed_out


def _current_viewer(settings: Settings) -> tuple[Viewer, bool]:
    """The viewer by the identity cookie and the sign-in limit, and whether the sign-in was ended by a sign-out."""
    access = settings.board.access
    user = current_user()
    viewer = viewer_for(user, access.rules(), now=time.time(), max_age_hours=access.sign_in_hours)
    return viewer, viewer.signed_in and _ended(user)


def recheck(settings: Settings) -> None:
    """For a fragment's own reruns (``run_every``): still signed in? If not, rerun the whole page.

    A fragment rerun does not run the page's :func:`require`, so without this
    an open overview or Sources tab kept showing new data after a sign-out in
    another tab or past ``access.sign_in_hours``. The whole-page rerun then
    shows the sign-in page in its place.

    **Every** ``run_every`` fragment of a gated page calls this first, not one
    per page (tests/test_access_fragments.py checks the pages). A page's
    fragments tick on the same period, so their rerun requests reach the server
    together; Streamlit keeps a fragment registered when the whole-page run
    ends in ``st.stop()`` (as the sign-in page does), so a fragment whose
    request was queued behind that run still runs after it. One that did not
    check drew its block into the sign-in page at its old place, and the tab
    ended blank ("Ladataan…") until reloaded: the Sources tab in
    tests/test_browser_sessions_end.py, 3 Dec, whose alert-channel and
    weekly-report parts did not check. (Before the sign-in page, such a part
    also showed its data once more to a tab already signed out.)

    That was not all of it: checking, too, came too late for a part rerun
    after the sign-in page was drawn, because Streamlit sends the part's
    container at its old place before the part's code runs, and that place can
    be past the end of the sign-in page: the browser's Streamlit then throws
    and the tab is blank for good (CI, 3 Dec, after a55f5c3). So the sign-in
    page forgets the page's fragments and such a request is not run at all
    (:func:`_stop_page`, which has the whole story).

    The whole-page run's messages must then reach the browser, and in
    Streamlit 1.67 they did not always: when a rerun request (another
    fragment's timer) reached the session after that run had ended (it ends
    in ``st.stop()``) but before the server's event loop had passed on its
    queued messages, Streamlit started a new script runner at once and dropped
    the ended run's messages still queued — the sign-in page (and with it the
    new-session message that stops the tab's fragment timers) could be lost
    or arrive in part. A page's ``run_every`` parts tick together, so their
    requests come in pairs. Logged under load, 3 Dec: messages dropped in 4
    of 23 runs of that test (3 times a whole fragment run); with the loop
    slowed on purpose (0.1 s per rerun request), also the sign-out tab's own
    run with its redirect to ``/auth/logout``, so that browser kept its
    identity cookie. :mod:`board.web.runs` (installed by the server) makes
    such a request wait for the ending run, so nothing of it is dropped.
    """
    if settings.board.access.sign_in == "off":
        return
    viewer, ended = _current_viewer(settings)
    if ended or not viewer.signed_in:
        st.rerun(scope="app")


def role_names(roles: frozenset[Role] | set[Role], lang: str) -> str:
    return ", ".join(t(f"access.role.{r.value}", lang) for r in Role if r in roles)


def require(page: Page, lang: str, settings: Settings) -> Viewer:
    """The viewer if they may open ``page``; otherwise draw why not and stop the script."""
    access = settings.board.access
    style.apply(style.ACCESS_CSS)
    if access.sign_in == "off":
        st.html(f'<p class="access-demo">{escape(t("access.demo", lang))}</p>')
        return viewer_for({}, access.rules(), sign_in_off=True)
    problems = sign_in_problems()
    if problems:
        _not_configured(problems, lang)
    viewer, ended = _current_viewer(settings)
    if ended or not viewer.signed_in:
        _sign_in(lang, expired=viewer.expired)
    if not viewer.roles:
        _no_access(viewer, access.contact, lang)
    if not viewer.can(page):
        _not_for_role(viewer, page, lang)
    _bar(viewer, lang)
    return viewer


def _bar(viewer: Viewer, lang: str) -> None:
    """Who is signed in, with which roles, and the way out."""
    with st.container(key="access-bar", horizontal=True, horizontal_alignment="right", vertical_alignment="center"):
        who = viewer.name or viewer.email
        st.html(f'<p class="access-line">{escape(t("access.signed_in_as", lang, name=who))} · '
                f'{escape(role_names(viewer.roles, lang))}</p>', width="content")
        st.button(t("access.sign_out", lang), key="access_sign_out", on_click=sign_out, type="tertiary",
                  icon=":material/logout:")


def secrets_file() -> str:
    """The secrets file this server reads last (its values win): the project's ``.streamlit/secrets.toml`` as an
    absolute path, so the page says which file on which machine to edit, not a path relative to who knows where."""
    from streamlit import config

    files = [str(f) for f in (config.get_option("secrets.files") or [])]
    return files[-1] if files else str(Path.cwd() / ".streamlit" / "secrets.toml")


#: Headers a reverse proxy adds: a request carrying one came through a proxy, whatever address it came from.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def from_this_machine(ip: str | None, headers: Mapping[str, str]) -> bool:
    """Whether a browser's request came from the server's own machine (loopback), by Streamlit's
    ``st.context.ip_address`` and ``st.context.headers``.

    Why it matters: the sign-in page names the secrets file by its absolute path, so the administrator knows
    which file on which machine to edit; a server path is not for anonymous visitors from the network.
    Streamlit reports 127.0.0.1 and ::1 as ``None`` — and also says ``None`` when there is no browser
    connection behind the run (no headers either), which is not known to be local. The address is the TCP
    peer's, or the one uvicorn reads from a trusted proxy's X-Forwarded-For (nginx on the same machine, as
    docs/DEPLOY.md sets it up); a request that names a proxy at all is not taken for local, so behind nginx even
    the administrator's own browser is told to read the server log. (A proxy that adds none of
    :data:`PROXY_HEADERS` makes every visitor look local: DEPLOY.md's nginx adds X-Forwarded-For.)
    """
    if not headers:
        return False
    if any(h in headers for h in PROXY_HEADERS):  # (StreamlitHeaders: case-insensitive)
        return False
    if ip is None:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _client_is_local() -> bool:
    try:
        return from_this_machine(st.context.ip_address, st.context.headers)
    except Exception:  # no script context: not known to be local
        return False


#: What :func:`_not_configured` has logged (once per text per process: every visit and rerun would repeat it).
_logged: set[str] = set()
_logged_lock = threading.Lock()


def _log_once(message: str) -> None:
    with _logged_lock:
        if message in _logged:
            return
        _logged.add(message)
    log.warning("%s", message)


def _not_configured(problems: list[str], lang: str) -> None:
    """"Sign-in is not configured": what is missing (never a value) and the block to add. The secrets file's
    absolute path only to a browser on this machine, or when there is no ``[auth]`` at all (a first start,
    nothing to protect sign-in with yet); anyone else is told to ask the administrator, whose server log has it."""
    file = secrets_file()
    _log_once(f"sign-in is not configured ({'; '.join(problems)}): add the [auth] table to {file} and restart "
              "the server (README, \"Sign-in and roles\")")
    st.title(t("access.not_configured_title", lang), anchor=False)
    if not auth_section() or _client_is_local():
        said = t("access.not_configured_help", lang, file=file)
    else:
        said = t("access.not_configured_ask", lang)
    st.html(f'<p data-access="not-configured">{escape(said)}</p>')
    st.code(AUTH_TEMPLATE, language="toml")
    st.html(f'<p class="access-line">{escape(t("access.not_configured_problems", lang, problems="; ".join(problems)))}'
            "</p>")
    _stop_page()


def _stop_page() -> None:
    """End the page here, as a page with no self-refreshing parts: the sign-in page and the other pages that stand
    in for a page (not configured, no access, not for this role).

    Streamlit forgets a page's fragments only when a whole-page run *finishes*; a run ended by ``st.stop()`` leaves
    the page before's ``run_every`` parts registered, and their timers in the browser go on asking until the browser
    has taken in the new page. Such a part, rerun after the sign-in page was drawn, first sends its container at its
    old place (Streamlit does that before the part's own code, and so before :func:`recheck`, can run): on the
    sign-in page, which has fewer elements, that place is past the end, the browser's Streamlit throws ("Bad delta
    path index 5 (should be between [0, 3])") and takes the whole app off the page. The tab stayed blank
    ("Ladataan…", an empty ``#root``) for good: the Sources tab in tests/test_browser_sessions_end.py, 3 Dec, whose
    three parts' timers ask close together, so one request often came after another part's recheck had already
    drawn the sign-in page (caught with the server slowed on purpose, run fixdelay/3; CI's failure of that test
    looked the same). Forgetting the fragments here, as a finished run would, makes Streamlit ignore those requests
    ("does not exist anymore") so none of the old parts runs again.
    """
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        ctx.fragment_storage.clear(new_fragment_ids=ctx.shared.new_fragment_ids.snapshot())
    st.stop()


def _sign_in(lang: str, expired: bool = False) -> None:
    st.title(t("access.sign_in_title", lang), anchor=False)
    help_text = t("access.sign_in_expired", lang) if expired else t("access.sign_in_help", lang)
    st.html(f'<p data-access="sign-in"{" data-expired" if expired else ""}>{escape(help_text)}</p>')
    st.button(t("access.sign_in", lang), key="access_sign_in", type="primary", on_click=st.login,
              icon=":material/login:")
    _stop_page()


def _no_access(viewer: Viewer, contact: str | None, lang: str) -> None:
    st.title(t("access.no_access_title", lang), anchor=False)
    who = viewer.email or viewer.name or "?"
    ask = t("access.ask_contact", lang, contact=contact) if contact else t("access.ask_admin", lang)
    st.html(f'<p data-access="no-role">{escape(t("access.no_access", lang, email=who))}</p>'
            f'<p>{escape(ask)}</p>')
    st.button(t("access.sign_out", lang), key="access_sign_out", on_click=sign_out, icon=":material/logout:")
    _stop_page()


def _not_for_role(viewer: Viewer, page: Page, lang: str) -> None:
    label_key, _ = PAGES.get(page, ("page.overview", "./"))
    st.title(t("access.not_for_role_title", lang), anchor=False)
    why = t("access.not_for_role", lang, page=t(label_key, lang), roles=role_names(MATRIX.get(page, ALL_ROLES), lang),
            yours=role_names(viewer.roles, lang))
    st.html(f'<p data-access="not-for-role">{escape(why)}</p>')
    links = "".join(f'<li><a href="{href}?lang={lang}" target="_self">{escape(t(key, lang))}</a></li>'
                    for p, (key, href) in PAGES.items() if viewer.can(p))
    st.html(f'<p>{escape(t("access.your_pages", lang))}</p><ul class="access-pages">{links}</ul>')
    st.button(t("access.sign_out", lang), key="access_sign_out", on_click=sign_out, icon=":material/logout:")
    _stop_page()
