"""The command line as an administrator uses it: a real subprocess, a real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def board(*args: str, config_dir: Path, db: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": db}
    return subprocess.run([sys.executable, "-m", "board", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_help_lists_the_commands(config_dir, sqlite_url):
    out = board("--help", config_dir=config_dir, db=sqlite_url).stdout
    for command in ("demo", "collect", "serve", "status", "check", "init-db"):
        assert command in out
    assert "--once" in board("collect", "--help", config_dir=config_dir, db=sqlite_url).stdout


def test_collect_once_then_status_json(config_dir, sqlite_url):
    collected = board("collect", "--once", config_dir=config_dir, db=sqlite_url)
    assert collected.returncode == 0, collected.stderr
    assert "demo: OK" in collected.stdout

    result = board("status", "--station", "kajaani", "--json", config_dir=config_dir, db=sqlite_url)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    [station] = data["stations"]
    assert station["station"] == "kajaani"
    tiles = {t["family"]: t for t in station["tiles"]}
    assert set(tiles) == {"queue", "contacts", "omasote", "feedback"}
    queue = tiles["queue"]
    assert queue["age_seconds"] is not None and queue["age_seconds"] < 600
    assert isinstance(queue["figures"]["queue_waiting"]["value"], float)

    text = board("status", config_dir=config_dir, db=sqlite_url)
    assert text.returncode == 0
    assert "Ristijärven terveysasema [ristijarvi]" in text.stdout and "waiting now:" in text.stdout


def test_status_reports_missing_data_with_exit_code_1(config_dir, sqlite_url):
    result = board("status", "--station", "sotkamo", config_dir=config_dir, db=sqlite_url)
    assert result.returncode == 1
    assert "NO_DATA" in result.stdout and "updated never" in result.stdout


def test_unknown_station_and_source(config_dir, sqlite_url):
    result = board("status", "--station", "oulu", config_dir=config_dir, db=sqlite_url)
    assert result.returncode == 2 and "unknown station 'oulu'" in result.stderr
    result = board("collect", "--once", "--source", "nope", config_dir=config_dir, db=sqlite_url)
    assert result.returncode == 2 and "unknown or disabled source 'nope'" in result.stderr


def test_wrong_configuration_fails_at_start_naming_file_and_key(config_dir, sqlite_url):
    (config_dir / "board.yaml").write_text("wall:\n  refresh_seconds: soon\n")
    result = board("status", config_dir=config_dir, db=sqlite_url)
    assert result.returncode == 2
    assert "board.yaml: wall.refresh_seconds" in result.stderr and "'soon'" in result.stderr


def test_check_reports_each_source(config_dir, sqlite_url):
    result = board("check", config_dir=config_dir, db=sqlite_url)
    assert result.returncode == 0 and "demo (demo): OK" in result.stdout


def test_check_and_collect_say_what_is_wrong_with_each_source(config_dir, sqlite_url, tmp_path):
    """A bad file, a missing ODBC driver and a secret in an error: each source reported in words, none stops another."""
    import yaml

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = ["Asema;Aika;Jonossa", "kajaani;21.11.2026 10.00;4", "kajaani;21.11.2026 10.05;12,5x"]
    (inbox / "12.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    sources = yaml.safe_load((config_dir / "sources.yaml").read_text())["sources"]
    sources += [
        {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
         "mapping": {"layout": "wide", "station": "Asema", "time": "Aika", "metrics": {"Jonossa": "queue_waiting"}}},
        {"name": "dw", "type": "sql", "query": "SELECT * FROM jono WHERE aika >= :since",
         "odbc": "Driver={ODBC Driver 18 for SQL Server};Server=dw;UID=board_reader;PWD=${CLI_TEST_PW}"},
    ]
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    env_pw = "Pw-" + "9" * 12
    os.environ["CLI_TEST_PW"] = env_pw
    try:
        check = board("check", config_dir=config_dir, db=sqlite_url)
        assert (inbox / "12.csv").exists()  # check moves nothing
        collect = board("collect", "--once", config_dir=config_dir, db=sqlite_url)
    finally:
        del os.environ["CLI_TEST_PW"]
    assert check.returncode == 1
    lines = dict(line.split(": ", 1) for line in check.stdout.splitlines())
    assert lines["demo (demo)"].startswith("OK")
    assert lines["vienti (files)"].startswith("FAILED (data) - ")
    assert "12.csv" in lines["vienti (files)"] and "line 3: queue_waiting: '12,5x' is not a number" in check.stdout
    assert lines["dw (sql)"].startswith("FAILED (configuration) - ODBC driver 'ODBC Driver 18 for SQL Server' is not "
                                        "installed — installed drivers are:")
    assert "demo: OK read " in collect.stdout
    # row by row (on_bad_row: refuse_row): the good row is stored, the bad one refused with its line and reason
    assert "vienti: PARTIAL read 2 · stored 1 · refused 1 · ignored 0 · 1 readings · 1 refusal" in collect.stdout
    assert "    some rows refused: 1 / 2" in collect.stdout
    assert "rejected 1: file 12.csv line 3: queue_waiting: '12,5x' is not a number" in collect.stdout
    assert "dw: FAILED" in collect.stdout
    assert (inbox / "processed" / "12.csv").exists() and (inbox / "processed" / "12.csv.reason.txt").exists()
    assert env_pw not in check.stdout + check.stderr + collect.stdout + collect.stderr


def test_passwords_in_database_urls_are_masked(config_dir):
    result = board("init-db", config_dir=config_dir, db="postgresql+psycopg://board:s3cret@127.0.0.1:1/none",
                   timeout=60)
    assert result.returncode == 2
    assert "cannot open the store at postgresql+psycopg://board:***@127.0.0.1:1/none" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def _processes_with_env(marker: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker.encode() in (proc / "environ").read_bytes():
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def test_demo_runs_both_processes_and_ctrl_c_stops_both(config_dir, sqlite_url):
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": sqlite_url}
    env.pop("BOARD_SIGN_IN", None)
    proc = subprocess.Popen([sys.executable, "-m", "board", "demo", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "demo did not start"
                time.sleep(0.3)
        children = [p for p in _processes_with_env(str(config_dir)) if p != proc.pid]
        assert len(children) >= 2  # the collector and the web server
        # no identity provider on a fresh machine: the demo's web server runs with sign-in off
        assert all(b"\0BOARD_SIGN_IN=off\0" in b"\0" + Path(f"/proc/{p}/environ").read_bytes() for p in children)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert f"http://localhost:{port}/wall?station=kajaani" in out and "stopped." in out
    assert "sign-in:                 off" in out
    time.sleep(0.5)
    assert [p for p in _processes_with_env(str(config_dir)) if Path(f"/proc/{p}").exists()] == []


def test_a_run_that_refused_rows_says_so_everywhere_with_exit_status_3(config_dir, sqlite_url, tmp_path):
    """collect --once, check and status --json all show the ledger of a run that refused rows; exit status 3."""
    import yaml

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = ["Asema;Aika;Jonossa", "kajaani;21.11.2026 10.00;4", "kajaani;21.11.2026 10.05;5"]
    bad = ["Asema;Aika;Jonossa", "kajaani;21.11.2026 11.00;4", "kajaani;21.11.2026 11.05;12,5x",
           "kajaani;21.11.2026 11.10;6"]
    (inbox / "a.csv").write_bytes(("\r\n".join(good) + "\r\n").encode("cp1252"))
    (inbox / "b.csv").write_bytes(("\r\n".join(bad) + "\r\n").encode("cp1252"))
    os.utime(inbox / "a.csv", (1_700_000_000, 1_700_000_000))  # a first (oldest first)
    sources = yaml.safe_load((config_dir / "sources.yaml").read_text())["sources"]
    sources += [{"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
                 "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                             "metrics": {"Jonossa": "queue_waiting"}}}]
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))

    collect = board("collect", "--once", config_dir=config_dir, db=sqlite_url)
    assert collect.returncode == 3, collect.stdout + collect.stderr
    [line] = [x for x in collect.stdout.splitlines() if x.startswith("vienti: ")]
    # a.csv: 2 rows stored; b.csv: 2 rows stored, its bad row refused with its line and reason
    assert line.startswith("vienti: PARTIAL read 5 · stored 4 · refused 1 · ignored 0 · 4 readings · 1 refusal")
    assert "    some rows refused: 1 / 5" in collect.stdout

    check = board("check", config_dir=config_dir, db=sqlite_url)
    assert check.returncode == 3, check.stdout + check.stderr
    assert "last pull that read anything: PARTIAL - some rows refused: 1 / 5" in check.stdout

    status = board("status", "--station", "kajaani", "--json", config_dir=config_dir, db=sqlite_url)
    assert status.returncode == 3, status.stdout + status.stderr
    sources_out = {s["name"]: s for s in json.loads(status.stdout)["sources"]}
    vienti = sources_out["vienti"]
    assert vienti["health"] == "partial"
    ledger = vienti["last_run_that_read"]
    assert {k: ledger[k] for k in ("state", "rows_read", "rows_stored", "rows_refused", "rows_ignored",
                                   "readings_stored", "unaccounted")} == {
        "state": "partial", "rows_read": 5, "rows_stored": 4, "rows_refused": 1, "rows_ignored": 0,
        "readings_stored": 4, "unaccounted": 0}
    assert any("b.csv" in reason for reason in vienti["refused_reasons"])
    assert sources_out["demo"]["health"] == "ok" and sources_out["demo"]["last_run"]["unaccounted"] == 0


def test_the_collectors_stop_signal_never_waits_for_a_lock_the_interrupted_thread_holds():
    """A signal handler runs in the main thread between two bytecodes, possibly inside ``stop.wait()`` with the
    Event's lock held. The handler of ``collect`` used to call ``stop.set()`` right there and wait for that lock
    forever (a collector hung on SIGTERM, its every thread blocked on the lock). A helper thread plays the main
    thread here: it holds the lock, as ``Event.wait`` does, when the handler runs."""
    import signal
    import threading

    from board.cli_collect import stop_handler

    stop = threading.Event()
    handler = stop_handler(stop)
    returned = threading.Event()

    def interrupted_inside_wait() -> None:
        with stop._cond:  # the lock Event.wait holds between its bytecodes
            handler(signal.SIGTERM, None)
            returned.set()

    t = threading.Thread(target=interrupted_inside_wait, daemon=True)
    t.start()
    assert returned.wait(60), "the handler waited for the lock its own thread holds"
    t.join(60)
    assert stop.wait(60)  # and, the lock released, the stop came through
    handler(signal.SIGTERM, None)  # a second signal is harmless
