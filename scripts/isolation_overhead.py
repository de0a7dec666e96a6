"""What pulling in a memory-limited worker (connectors/isolated.py) costs a normal collector cycle.

One process, one store, the same sources pulled alternately with ``max_memory_mb`` at its default (a worker
per pull) and at 0 (in the collector's process), so both see the same machine load:

* a ``rest`` source: a loopback server answering 200 records (2 stations, 4 metrics, 25 instants);
* a ``files`` source: one Finnish Excel CSV of 50 rows dropped before each cycle.

    .venv/bin/python -m scripts.isolation_overhead [cycles]     # default 20 cycles of each

Prints the median and p90 seconds per cycle of each and their ratio. docs/PERFORMANCE.md (section 5) has a run.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from board.collector import Collector
from board.settings import load_settings
from board.store import Store
from connectors.isolated import start_workers

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
RECORDS = json.dumps([{"station": s, "metric": m, "time": (START + timedelta(minutes=5 * i)).isoformat(), "value": i}
                      for s in ("kajaani", "sotkamo")
                      for m in ("queue_waiting", "contacts_phone_today", "omasote_unanswered", "feedback_answers_today")
                      for i in range(25)]).encode()
HEADER = "Asema;Päivämäärä;Jonossa;Puhelut\r\n"


class Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(RECORDS)))
        self.end_headers()
        self.wfile.write(RECORDS)

    def log_message(self, *args: object) -> None:
        pass


def main(cycles: int = 20) -> None:
    from tests.conftest import write_config

    work = Path(tempfile.mkdtemp(prefix="isolation-"))
    api = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    inbox = work / "inbox"
    inbox.mkdir()
    wide = {"layout": "wide", "station": "Asema", "time": "Päivämäärä",
            "metrics": {"Jonossa": "queue_waiting", "Puhelut": "contacts_phone_today"},
            "stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}
    sources = []
    for limit in (1024, 0):
        sources.append({"name": f"rest{limit}", "type": "rest", "url": f"http://127.0.0.1:{api.server_port}/api",
                        "max_memory_mb": limit, "lookback_seconds": 0})
        sources.append({"name": f"files{limit}", "type": "files", "folder": str(inbox / str(limit)),
                        "settle_seconds": 0, "mapping": wide, "max_memory_mb": limit})
        (inbox / str(limit)).mkdir()
    config = write_config(work / "config")
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    url = f"sqlite:///{work / 'board.sqlite'}"
    settings = load_settings(config, url)
    store = Store.open(url)
    collector = Collector(settings, store)
    start_workers(collector.sources.values())
    times: dict[str, list[float]] = {s["name"]: [] for s in sources}
    for cycle in range(cycles + 1):  # the first cycle warms up and is not counted
        for limit in (1024, 0):
            rows = "".join(f"{'KAJ' if r % 2 else 'SOT'};23.11.2026 {8 + r // 12}.{5 * (r % 12):02d};{r};{cycle}\r\n"
                           for r in range(50))
            path = inbox / str(limit) / f"vienti-{cycle}.csv"
            path.write_bytes((HEADER + rows).encode("cp1252"))
            os.utime(path, (time.time() - 60,) * 2)
            for kind in ("rest", "files"):
                name = f"{kind}{limit}"
                began = time.perf_counter()
                outcome = collector.run_source(name)
                if not outcome.ok:
                    raise SystemExit(f"{name}: {outcome.error}")
                if cycle:
                    times[name].append(time.perf_counter() - began)
    store.dispose()
    api.shutdown()
    load = os.getloadavg()[0]
    for kind in ("rest", "files"):
        isolated, inline = times[f"{kind}1024"], times[f"{kind}0"]
        print(f"{kind}: worker median {statistics.median(isolated) * 1000:.0f} ms "
              f"(p90 {statistics.quantiles(isolated, n=10)[-1] * 1000:.0f}), in-process median "
              f"{statistics.median(inline) * 1000:.0f} ms (p90 {statistics.quantiles(inline, n=10)[-1] * 1000:.0f}); "
              f"ratio {statistics.median(isolated) / statistics.median(inline):.2f}, "
              f"+{(statistics.median(isolated) - statistics.median(inline)) * 1000:.0f} ms per pull")
    print(f"{cycles} cycles each, load average {load:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
