"""Processes at their edges (issue 19, item 10), with the real ``python -m board`` processes.

* ``demo`` runs with sign-in off, so it listens on 127.0.0.1 only (it
  listened on every interface).
* The demo's simulator workers end when the collector that started them is
  killed with SIGKILL (they stayed, orphaned).
* A truncated SQLite WAL index (the store's ``-shm`` file) kills the
  collector with SIGBUS — SQLite maps that file — but now with a line and
  the Python stack on stderr (before: nothing at all).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from board.store import Store
from tests.harness import ROOT, free_port


def _listening(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp{,6} write them) of sockets listening on ``port``."""
    found = []
    for name in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                found.append(local.rsplit(":", 1)[0])
    return found


LOOPBACK_V4 = socket.inet_aton("127.0.0.1")[::-1].hex().upper()  # /proc writes the address little-endian


def _env(config_dir: Path, url: str) -> dict[str, str]:
    env = {**os.environ, "BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": url}
    env.pop("BOARD_ADDRESS", None)
    return env


def test_the_demo_listens_on_loopback_only(config_dir: Path, sqlite_url: str) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "board", "demo", "--port", str(port)], cwd=ROOT,
                            env=_env(config_dir, sqlite_url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "demo did not start"
                time.sleep(0.3)
        addresses = _listening(port)
        assert addresses and all(a == LOOPBACK_V4 for a in addresses), addresses
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert "listening on:            127.0.0.1" in out


def _children(pid: int) -> list[int]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(proc.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_demo_simulator_workers_exit_when_the_collector_is_killed(tmp_path: Path) -> None:
    from tests.conftest import write_config

    if (os.cpu_count() or 1) < 2:
        pytest.skip("the demo simulates in this process on one core: no workers to orphan")
    # A backfill big enough for the worker pool (>= 1000 station-days) and slow to write.
    config = write_config(tmp_path / "config", backfill_days=3000, history_step_minutes=5)
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    Store.open(url).dispose()
    log = (tmp_path / "collector.log").open("w")
    collector = subprocess.Popen([sys.executable, "-m", "board", "collect"], cwd=ROOT, env=_env(config, url),
                                 stdout=log, stderr=subprocess.STDOUT)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not workers and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = [p for p in _children(collector.pid)
                       if b"multiprocessing" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert workers, "the collector started no simulator workers"
        collector.send_signal(signal.SIGKILL)
        collector.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [p for p in workers if _alive(p)]
        info = {p: Path(f"/proc/{p}/cmdline").read_bytes()[:300] for p in left}
    finally:
        for p in workers:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
        if collector.poll() is None:
            collector.kill()
        log.close()
    assert left == [], f"orphaned simulator workers still running: {info}"


def test_a_truncated_wal_index_is_not_a_silent_death(tmp_path: Path) -> None:
    from tests.conftest import write_config

    config = write_config(tmp_path / "config", interval_seconds=1, live_step_seconds=10, stale_after_seconds=900)
    sources = yaml.safe_load((config / "sources.yaml").read_text())
    assert sources["sources"][0]["interval_seconds"] == 1
    db = tmp_path / "board.sqlite"
    url = f"sqlite:///{db}"
    collector = subprocess.Popen([sys.executable, "-m", "board", "collect"], cwd=ROOT, env=_env(config, url),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        shm = Path(f"{db}-shm")
        deadline = time.monotonic() + 60
        while not (shm.exists() and shm.stat().st_size > 0) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)
        os.truncate(shm, 0)
        out, _ = collector.communicate(timeout=60)
    finally:
        if collector.poll() is None:
            collector.kill()
            collector.communicate()
    assert collector.returncode == -signal.SIGBUS
    assert "Fatal Python error: Bus error" in out
    assert "store" in out.split("Fatal Python error: Bus error", 1)[1]  # the stack names where it happened
