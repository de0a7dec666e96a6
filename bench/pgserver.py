"""A private PostgreSQL cluster for one benchmark, configured as docs/DEPLOY.md recommends for a national store.

Why: the shared test server runs PostgreSQL's defaults (``shared_buffers``
128 MB, ``max_wal_size`` 1 GB) and cannot be restarted with more memory
while others use it. At hundreds of stations the readings' primary-key index
outgrows 128 MB and the backends write out evicted dirty pages themselves,
so the backfill slows down as the store grows (docs/PERFORMANCE.md, section
7). A bench that wants the recommended settings starts its own cluster:
``initdb`` in the benchmark's work folder, loopback only, a free port, the
socket inside the data folder, started with ``pg_ctl`` and stopped and
removed afterwards. Chosen by ``--param common.pg=private``; the shared
server stays the default (``--quick`` and ``make test`` use it).

PostgreSQL refuses to run as root: as root, the server's programs run as
the ``postgres`` user through ``runuser``, and the work folder is opened for
it to pass through.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.harness import free_port

PG_BIN = Path(os.environ.get("BOARD_PG_BIN", "/usr/lib/postgresql/15/bin"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _quarter_of_ram() -> str:
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return f"{max(128, pages // 4 // 2**20)}MB"


#: docs/DEPLOY.md: shared_buffers about a quarter of RAM, max_wal_size of several GB for the backfill; autovacuum
#: as PostgreSQL's default (``--param common.autovacuum=off`` measures a load without it, as docs/DEPLOY.md's first
#: backfill of a national store may run: docs/PERFORMANCE.md 7, *Backfill, session 14*).
DEFAULT_SETTINGS = {"shared_buffers": _quarter_of_ram(), "max_wal_size": "16GB", "checkpoint_timeout": "15min",
                    "autovacuum": "on"}


@dataclass
class Cluster:
    """A running private cluster: its address, settings and the CPU time its processes used."""

    datadir: Path
    port: int
    settings: dict[str, str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def postmaster_pid(self) -> int:
        return int((self.datadir / "postmaster.pid").read_text().split()[0])

    def cpu_seconds(self) -> float:
        """User + system CPU of the postmaster, its live children and the children it has reaped.

        The server's share of a load (parsing a ``COPY``, the heap and index
        inserts, the checkpointer, the WAL writer), which the client's
        ``process_time`` does not see.
        """
        pid = self.postmaster_pid()
        total = _stat_cpu(pid, with_reaped=True)
        for child in _children(pid):
            total += _stat_cpu(child, with_reaped=False)
        return total


def _stat_fields(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2:].split()


def _stat_cpu(pid: int, with_reaped: bool) -> float:
    try:
        f = _stat_fields(pid)
    except OSError:  # ended meanwhile: its time is in the parent's reaped children's
        return 0.0
    ticks = int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if with_reaped else 0)
    return ticks / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return out


def problem() -> str | None:
    """Why a private cluster cannot be started here (None: it can)."""
    if not (PG_BIN / "initdb").exists():
        return f"no PostgreSQL server programs in {PG_BIN} (BOARD_PG_BIN names another folder)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the server as"
    return None


@contextmanager
def private_cluster(workdir: Path, **settings: str) -> Iterator[Cluster]:
    """A fresh cluster in ``workdir/pgdata`` with ``DEFAULT_SETTINGS`` (overridden by ``settings``); removed after."""
    why = problem()
    if why:
        raise RuntimeError(why)
    conf = {**DEFAULT_SETTINGS, **settings}
    datadir = workdir / "pgdata"
    datadir.mkdir(mode=0o700)
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(datadir, user.pw_uid, user.pw_gid)
        os.chmod(workdir, 0o711)  # the server's user passes through the (root-only) work folder
        prefix = ["runuser", "-u", "postgres", "--"]
    log = workdir / "pgserver.log"
    log.touch()
    if prefix:
        shutil.chown(log, "postgres")

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")

    # The shared server's locale (C.UTF-8), so collation costs are the same on both.
    run(str(PG_BIN / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
        "--locale", "C.UTF-8", "--no-sync")
    port = free_port()
    lines = ["listen_addresses = '127.0.0.1'", f"port = {port}", f"unix_socket_directories = '{datadir}'",
             *(f"{k} = '{v}'" for k, v in conf.items())]
    with open(datadir / "postgresql.conf", "a", encoding="utf-8") as f:
        f.write("\n# bench/pgserver.py\n" + "\n".join(lines) + "\n")
    run(str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-l", str(log), "-w", "-t", "120", "start")
    try:
        yield Cluster(datadir, port, conf)
    finally:
        try:
            run(str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-m", "fast", "-w", "-t", "300", "stop")
        finally:
            shutil.rmtree(datadir, ignore_errors=True)
