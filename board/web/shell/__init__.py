"""The page shell every browser gets first: Streamlit's ``index.html`` with the board's own script and loading text.

Why: Streamlit's page is an empty ``<div id="root">`` until its JavaScript has
loaded, connected and the page has run, which on a busy server left a wall
dark and blank for seconds; it says ``<html lang="en">`` on Finnish pages; and
when the server goes away it freezes the last numbers under an English
developer dialog. The shell adds, before any of Streamlit's code runs:

* ``#board-loading`` — "Ladataan…" in the page's language from the first
  paint, hidden by CSS as soon as the page has content (``shell.css``);
* ``shell.js`` — ``<html lang>`` kept equal to the UI language (the page says
  it in the ``--board-lang`` CSS property, see :func:`language_style`), and on
  a wall the browser-side clock and the disconnect marking (see the script).

:func:`install` (called by :mod:`board.web.server` before Streamlit starts)
builds a static folder that links to every file of Streamlit's own
(``follow_symlink=True`` is how Streamlit serves it) except ``index.html``,
which is rewritten, and points Streamlit's static file handler at it. The
same call answers ``/_stcore/host-config`` with ``blockErrorDialogs: true``:
the documented host setting with which Streamlit's frontend opens none of its
error dialogs, among them "Connection error … streamlit run yourscript.py".
Streamlit's own reconnection (pinging ``/_stcore/health``, then a new
websocket and a rerun) is untouched.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from html import escape
from pathlib import Path

from board.i18n import t

HERE = Path(__file__).resolve().parent
LANGS = ("fi", "sv", "en")


def shell_texts(default_lang: str) -> dict[str, object]:
    """What ``shell.js`` needs before the page has run: the default language and the loading text in each language."""
    return {"lang": default_lang if default_lang in LANGS else "fi",
            "loading": {lang: t("shell.loading", lang) for lang in LANGS}}


def page_shell(index_html: str, default_lang: str) -> str:
    """Streamlit's ``index.html`` with the board's loading text, style and script, and ``lang`` set to the default."""
    texts = shell_texts(default_lang)
    lang = str(texts["lang"])
    loading: dict[str, str] = texts["loading"]  # type: ignore[assignment]
    # One text per language; CSS shows the one of <html lang>, which shell.js sets in the head, before the body.
    from board.web.style import PAGE_CSS  # the sheet every page gets: in the shell, it is there before any element

    style = (HERE / "shell.css").read_text(encoding="utf-8") + PAGE_CSS + "".join(
        f'html[lang="{code}"] #board-loading span:not([lang="{code}"]) {{ display: none; }}\n' for code in LANGS)
    script = (HERE / "shell.js").read_text(encoding="utf-8")
    head = (f"<style>{style}</style>\n<script>window.BOARD_SHELL = {json.dumps(texts, ensure_ascii=False)};</script>\n"
            f"<script>{script}</script>\n")
    words = "".join(f'<span lang="{code}">{escape(text)}</span>' for code, text in loading.items())
    html = index_html.replace('<html lang="en">', f'<html lang="{lang}">', 1)
    html = html.replace("</head>", head + "</head>", 1)
    html = html.replace('<div id="root"></div>', f'<div id="board-loading" role="status">{words}</div>\n'
                        '<div id="root"></div>', 1)
    if "board-loading" not in html or "BOARD_SHELL" not in html:
        raise RuntimeError("Streamlit's index.html has changed shape: the board's page shell cannot be added")
    return html


def language_style(lang: str, extra_css: str = "") -> str:
    """A style-only element that tells ``shell.js`` the page's language (takes no room on the page), with
    ``extra_css`` (the sheet every page gets)."""
    return f"<style>:root {{ --board-lang: {lang if lang in LANGS else 'fi'}; }}{extra_css}</style>"


def build_static_dir(streamlit_static: Path, default_lang: str) -> Path:
    """A folder serving Streamlit's static files through links, with the board's ``index.html``."""
    target = Path(tempfile.mkdtemp(prefix="board-static-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    for entry in streamlit_static.iterdir():
        if entry.name != "index.html":
            (target / entry.name).symlink_to(entry)
    index = (streamlit_static / "index.html").read_text(encoding="utf-8")
    (target / "index.html").write_text(page_shell(index, default_lang), encoding="utf-8")
    return target


def install(default_lang: str) -> None:
    """Serve the board's page shell and turn Streamlit's error dialogs off (before Streamlit starts its server)."""
    from streamlit import file_util
    from streamlit.web.server.starlette import starlette_app

    if getattr(file_util.get_static_dir, "_board_shell", False):
        return
    static = build_static_dir(Path(file_util.get_static_dir()), default_lang)

    def get_static_dir() -> str:
        return str(static)

    get_static_dir._board_shell = True  # type: ignore[attr-defined]
    file_util.get_static_dir = get_static_dir

    original = starlette_app.create_host_config_routes

    def host_config_routes(base_url: str | None) -> list:  # type: ignore[type-arg]
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        routes = []
        for route in original(base_url):
            endpoint = route.endpoint

            async def quiet(request, endpoint=endpoint):  # type: ignore[no-untyped-def]
                answer = await endpoint(request)
                body = json.loads(answer.body)
                body["blockErrorDialogs"] = True
                quiet_answer = JSONResponse(body, status_code=answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in ("content-length", "content-type"):
                        quiet_answer.headers[name] = value
                return quiet_answer

            routes.append(Route(route.path, quiet, methods=sorted(route.methods or {"GET"})))
        return routes

    starlette_app.create_host_config_routes = host_config_routes
