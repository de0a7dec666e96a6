"""The drop folder is untrusted: links, FIFOs and devices are refused unread, and no reason leaks a secret.

The attack (issue 19, item 1): ``env.csv -> /proc/self/environ`` saved in the
drop folder was read by the files kind, and its refusal reason quoted the
content, so ``DW_PASSWORD`` and the store's password reached
``rejected/env.csv.reason.txt``, the ``collector_rejects`` table, stdout and
``/sources``. Here the real collector process meets that link (and a copy of
the same content as a plain file) and the secrets appear nowhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from board import secrets
from connectors.files import NotRegular, read_regular_file
from tests.test_files import STATIONS, WIDE_HEADER, drop, make, names, pull

ROOT = Path(__file__).resolve().parent.parent
UNTIL = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)
GOOD = WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\n"


def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir(exist_ok=True)
    return folder


def test_a_symbolic_link_is_refused_unread_and_moved_as_a_link(tmp_path):
    secret = "dw-" + uuid.uuid4().hex
    outside = tmp_path / "outside.csv"
    outside.write_text(f"Asema;DW_PASSWORD={secret}\r\nKAJ;1\r\n", encoding="utf-8")
    os.symlink(outside, inbox(tmp_path) / "env.csv")
    drop(tmp_path, "good.csv", GOOD)

    connector = make(tmp_path)
    readings, reasons = pull(connector, UNTIL)
    connector.acknowledge()

    assert len(readings) == 2  # the plain file beside it is imported
    assert len(reasons) == 1 and "env.csv is a symbolic link" in reasons[0] and "not read" in reasons[0]
    assert secret not in reasons[0]
    rejected = tmp_path / "inbox" / "rejected"
    assert names(rejected) == ["env.csv", "env.csv.reason.txt"]
    assert (rejected / "env.csv").is_symlink()  # the link moved, not what it points to
    assert outside.read_text(encoding="utf-8").startswith("Asema;DW_PASSWORD=")
    assert secret not in (rejected / "env.csv.reason.txt").read_text(encoding="utf-8")
    assert names(tmp_path / "inbox" / "processed") == ["good.csv"]


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(inbox(tmp_path) / "pipe.csv")
    result: dict[str, object] = {}

    def run() -> None:
        result["out"] = pull(make(tmp_path), UNTIL)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "opening the FIFO blocked the pull"
    readings, reasons = result["out"]  # type: ignore[misc]
    assert readings == [] and len(reasons) == 1 and "pipe.csv is a FIFO" in reasons[0]


def test_a_hard_link_to_a_file_elsewhere_is_refused(tmp_path):
    outside = tmp_path / "secrets.csv"
    outside.write_text(GOOD, encoding="utf-8")
    os.link(outside, inbox(tmp_path) / "linked.csv")

    readings, reasons = pull(make(tmp_path), UNTIL)

    assert readings == [] and "linked.csv is a hard link" in reasons[0]


def test_an_entry_swapped_for_a_link_after_the_listing_is_not_followed(tmp_path):
    target = tmp_path / "target.csv"
    target.write_text(GOOD, encoding="utf-8")
    link = inbox(tmp_path) / "swapped.csv"
    os.symlink(target, link)
    with pytest.raises(NotRegular, match="symbolic link"):
        read_regular_file(link)
    os.mkfifo(inbox(tmp_path) / "fifo.csv")
    with pytest.raises(NotRegular, match="FIFO"):
        read_regular_file(inbox(tmp_path) / "fifo.csv")


def test_check_names_the_link_and_reads_nothing(tmp_path):
    os.symlink("/proc/self/environ", inbox(tmp_path) / "env.csv")

    result = make(tmp_path).check(UNTIL)

    assert not result.ok and "env.csv is a symbolic link" in result.message
    assert (tmp_path / "inbox" / "env.csv").is_symlink()  # check moves nothing


def test_a_plain_file_quoting_a_secret_in_its_header_is_refused_with_the_secret_masked(tmp_path):
    secret = "Pw-" + uuid.uuid4().hex
    secrets.register(secret)
    drop(tmp_path, "copy.csv", f"PATH=/usr/bin\x00DW_PASSWORD={secret}\x00HOME=/root\r\n1;2\r\n")

    readings, reasons = pull(make(tmp_path), UNTIL)

    assert readings == [] and reasons
    assert secret not in reasons[0]
    reason_file = tmp_path / "inbox" / "rejected" / "copy.csv.reason.txt"
    assert secret not in reason_file.read_text(encoding="utf-8")


def test_a_header_of_many_columns_is_listed_in_part_only(tmp_path):
    header = ";".join(f"sarake{i}" for i in range(500))
    drop(tmp_path, "wide.csv", header + "\r\n" + ";" * 499 + "\r\n")

    _readings, reasons = pull(make(tmp_path), UNTIL)

    assert "sarake0" in reasons[0] and "sarake499" not in reasons[0] and "more" in reasons[0]
    assert len(reasons[0]) < 1000


@pytest.mark.postgres
def test_the_environ_link_leaks_nothing_through_the_real_collector(postgres_server, config_dir, tmp_path):
    """``python -m board collect --once`` with a secret in the environment and a password in the store's URL."""
    dw_password = "Dw-" + uuid.uuid4().hex[:16]
    db_password = "Db-" + uuid.uuid4().hex[:16]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        # Trust authentication accepts any password: what matters is that the board holds one.
        rest = postgres_server.split("://", 1)[1].split("@", 1)[1]
        url = f"postgresql+psycopg://postgres:{db_password}@{rest}?options=-csearch_path%3D{schema}"
        folder = inbox(tmp_path)
        os.symlink("/proc/self/environ", folder / "env.csv")
        (folder / "copy.csv").write_bytes(f"DW_PASSWORD={dw_password}\x00BOARD_DATABASE_URL={url}\r\n1\r\n"
                                          .encode())
        os.utime(folder / "copy.csv", (0, 0))
        sources = [
            {"name": "dw", "type": "sql", "enabled": False, "query": "SELECT 1 WHERE 1 = :since",
             "odbc": "Driver={PostgreSQL Unicode};Server=127.0.0.1;UID=board;PWD=${DW_PASSWORD}"},
            {"name": "vienti", "type": "files", "folder": str(folder), "settle_seconds": 0, "stations": STATIONS,
             "mapping": {"layout": "wide", "station": "Asema", "time": "Päivämäärä",
                         "metrics": {"Jonossa": "queue_waiting"}, "stations": {"KAJ": "kajaani"}}},
        ]
        (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True),
                                                 encoding="utf-8")
        env = {**os.environ, "BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": url,
               "DW_PASSWORD": dw_password}
        done = subprocess.run([sys.executable, "-m", "board", "collect", "--once"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        output = done.stdout + done.stderr
        assert "env.csv is a symbolic link" in output, output
        written = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                            for p in (folder / "rejected").glob("*.reason.txt"))
        assert "refused env.csv" in written and "symbolic link" in written
        engine = create_engine(url)
        with engine.connect() as conn:
            reasons = [r for (r,) in conn.execute(text("SELECT reason FROM collector_rejects"))]
            errors = [e or "" for (e,) in conn.execute(text("SELECT error FROM collector_runs"))]
        engine.dispose()
        assert any("env.csv" in r for r in reasons) and any("copy.csv" in r for r in reasons)
        for secret in (dw_password, db_password):
            assert secret not in output
            assert secret not in written
            assert not any(secret in r for r in reasons + errors)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
