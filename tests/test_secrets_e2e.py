"""Secrets never appear anywhere an administrator or a wall could see them, after failing logins.

One end-to-end run, as in production: a sql source whose URL holds a
``${SECRET}`` password for a role the database does not know, and a rest
source whose bearer token a loopback server refuses with 401, and one whose
token another refuses with HTTP 400, echoing it back in the body as a
careless server might (the board quotes a 400 body: the token must be masked
in it). The real command line runs ``collect --once``,
``check`` and ``status --json`` with their log in a file; the Sources page is
rendered; the store's run errors are read, and the store's file is searched
byte by byte. The secret values, and their URL-encoded forms, appear nowhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from board.factory import create_board
from board.store import Store
from tests.conftest import pages_reading
from tests.loopback import loopback

ROOT = Path(__file__).resolve().parent.parent


def forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), quote(secret)}


@pytest.mark.postgres
def test_no_secret_anywhere_after_failing_logins(postgres_server, config_dir, tmp_path, monkeypatch):
    password = "Pg-" + uuid.uuid4().hex[:12] + "~x.y"
    token = "tok+en/" + uuid.uuid4().hex[:10] + "=="
    db = f"sqlite:///{tmp_path / 'board.sqlite'}"
    host = postgres_server.split("@", 1)[1].split("?", 1)[0]  # 127.0.0.1:5432/test
    with loopback() as api, loopback() as echo:
        api.answer.require_authorization = echo.answer.require_authorization = "Bearer the-right-one"
        echo.answer.refusal_status = 400
        sources = yaml.safe_load((config_dir / "sources.yaml").read_text())["sources"]
        sources += [
            {"name": "dw", "type": "sql", "url": f"postgresql+psycopg://nobody_here:${{E2E_DB_PW}}@{host}",
             "query": "SELECT 1 AS x WHERE now() >= :since", "timeout_seconds": 5},
            {"name": "jono", "type": "rest", "url": api.url, "auth": {"type": "bearer", "token": "${E2E_TOKEN}"}},
            {"name": "palaute", "type": "rest", "url": echo.url,
             "auth": {"type": "bearer", "token": "${E2E_TOKEN}"}},
        ]
        (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
        env = {**os.environ, "BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": db,
               "E2E_DB_PW": password, "E2E_TOKEN": token}
        log = tmp_path / "board.log"
        outputs = []
        with log.open("w") as log_file:
            for args in (["collect", "--once"], ["check"], ["status", "--json"]):
                result = subprocess.run([sys.executable, "-m", "board", *args], cwd=ROOT, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=log_file, timeout=120)
                outputs.append(result.stdout)
                assert result.returncode in (0, 1), (args, result.returncode, log.read_text())
        for server in (api, echo):  # the token really was sent, and echoed by one
            assert any(request.get("authorization") == f"Bearer {token}" for request in server.answer.requests)

    collect, check, status = outputs
    assert "dw: FAILED" in collect and "jono: FAILED" in collect and "demo: OK" in collect
    assert 'role "nobody_here" does not exist' in collect or "login failed for user 'nobody_here'" in collect
    assert "refused the credentials (HTTP 401)" in check
    assert 'answered HTTP 400: {"error": "invalid token", "got": "Bearer ***"}' in check  # quoted, masked
    assert '"stations"' in status

    store = Store.open(db)
    errors = [r.error or "" for r in store.runs()]
    assert any("nobody_here" in e for e in errors) and any("HTTP 401" in e for e in errors)
    assert any("Bearer ***" in e for e in errors)
    store.dispose()

    # Sign-in off: the page's content; who may open it: tests/test_access_pages.py
    secrets = {"E2E_DB_PW": password, "E2E_TOKEN": token}
    with pages_reading(create_board(config_dir, db, sign_in="off", environ=secrets)):
        page = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
        page.query_params["lang"] = "en"
        page.run()
    assert not page.exception, page.exception
    rendered = "\n".join([*(h.value for h in page.html), *(m.value for m in page.markdown),
                          *(d.value.to_csv() for d in page.dataframe), *(e.value for e in page.error)])
    assert "nobody_here" in rendered and "HTTP 401" in rendered  # the page does show the failures

    places = {"collect output": collect, "check output": check, "status --json": status,
              "log file": log.read_text(), "run errors": "\n".join(errors), "Sources page": rendered,
              "store file": (tmp_path / "board.sqlite").read_bytes().decode("latin-1")}
    for secret in (password, token):
        for form in forms(secret):
            for place, content in places.items():
                assert form not in content, f"{form!r} found in {place}"
