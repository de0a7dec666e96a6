"""The web server exposes only what the board uses (issue 19, items 5 and 10), tried as a visitor would.

A real ``python -m board serve`` and a websocket client speaking Streamlit's
protobuf (``tests/streamlit_client.py``), no browser, no sign-in:

* ``clear_cache`` from a visitor emptied every cached view of the server and
  the sender's session state (a page view counted again, once per message);
  now it is dropped and logged.
* an upload through ``/_stcore/upload_file`` with a self-made XSRF token was
  kept in the server's memory (six 150 MB uploads: 151 MB -> 1 GB); now
  every non-empty upload is answered 413 and nothing is kept.
* a top-level key of ``secrets.toml`` rewrote the web server's environment,
  so the web server used another ``BOARD_DATABASE_URL`` than the collector;
  now the environment stays as started.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

from board.store import Store
from tests.browser_support import Server, start_server
from tests.streamlit_client import StreamlitClient, text_of

ALL_DAYS = (date(2000, 1, 1), date(2100, 1, 1))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("exposure"))
    yield srv
    srv.stop()


def _views(store: Store, page: str = "wall") -> int:
    return sum(n for _, p, _, n in store.page_views(*ALL_DAYS) if p == page)


def test_a_visitor_cannot_clear_the_servers_caches_or_session(server: Server) -> None:
    before = _views(server.store)
    with StreamlitClient(server.base) as visitor:
        assert "Kajaani" in text_of(visitor.run("wall", "station=kajaani"))
        assert _views(server.store) == before + 1
        for _ in range(3):
            visitor.send("clear_cache")
            visitor.run("wall", "station=kajaani")
        visitor.send("load_git_info")
        visitor.send("set_run_on_save", True)
        assert "Kajaani" in text_of(visitor.run("wall", "station=kajaani"))
    # The session's state survived (the view was counted once), so the caches were not cleared either.
    assert _views(server.store) == before + 1
    log = (server.tmp / "server.log").read_text()
    assert "refused a 'clear_cache' message from a browser" in log
    assert "refused a 'load_git_info' message" in log


def test_uploads_are_refused_and_not_kept(server: Server) -> None:
    token = generate_xsrf_token_string()
    with StreamlitClient(server.base, xsrf=(token, token)) as visitor:
        visitor.run("wall", "station=kajaani")
        url = f"{server.base}/_stcore/upload_file/{visitor.session_id}/file-1"
        with httpx.Client(timeout=30) as http:
            answer = http.put(url, files={"file": ("big.bin", b"\0" * 2_000_000)},
                              headers={"X-Xsrftoken": token, "Cookie": f"_streamlit_xsrf={token}"})
            chunked = http.put(url, content=iter([b"--b\r\n", b"\0" * 500_000]),
                               headers={"X-Xsrftoken": token, "Cookie": f"_streamlit_xsrf={token}",
                                        "Content-Type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 413, answer.text
    assert chunked.status_code in (400, 413), chunked.text


def test_secrets_toml_does_not_rewrite_the_web_servers_environment(tmp_path: Path) -> None:
    """A top-level ``BOARD_DATABASE_URL`` in secrets.toml must not send the web server to another store."""
    elsewhere = tmp_path / "elsewhere.sqlite"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'BOARD_DATABASE_URL = "sqlite:///{elsewhere}"\n', encoding="utf-8")
    srv = start_server(tmp_path, extra_env={"STREAMLIT_SECRETS_FILES": str(secrets)})
    try:
        with StreamlitClient(srv.base) as visitor:
            visitor.run("wall", "station=kajaani")
        # Counted in the store the collector writes to (the environment's), not in the one secrets.toml names.
        assert _views(srv.store) == 1
        if elsewhere.exists():
            other = Store.open(f"sqlite:///{elsewhere}")
            try:
                assert _views(other) == 0
            finally:
                other.dispose()
    finally:
        srv.stop()
