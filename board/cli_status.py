"""``status`` and ``check``: each station's figures and each source's health and run ledger, for a terminal
or as JSON, with the exit status a monitoring script reads."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from board import formatting as fmt
from board.cli_support import EXIT_PARTIAL, open_board, safe_url
from board.domain.status import Status
from board.domain.timeutil import utcnow
from board.formatting import format_figure
from board.i18n import t
from board.secrets import redact
from board.settings import Settings


def cmd_status(args: argparse.Namespace) -> int:
    from board.read.overlaps import seen_overlaps
    from board.read.overview import all_station_views
    from board.read.sources import source_statuses

    board = open_board()
    settings, store = board.settings, board.store
    if args.station and args.station not in settings.station_by_code:
        print(f"unknown station {args.station!r}; known: {', '.join(settings.station_by_code)}", file=sys.stderr)
        return 2
    now = utcnow()
    result = all_station_views(settings, store, now, [args.station] if args.station else None)
    data = [status_record(v, now) for v in result]
    statuses = source_statuses(settings, store, now)
    sources = [_source_record(s) for s in statuses]
    seen = seen_overlaps(settings, store, statuses)
    if args.station:
        seen = [o for o in seen if args.station in o.stations]
    if args.json:
        overlaps = [{"metric": o.metric, "sources": list(o.sources), "stations": list(o.stations), "shown": o.shown}
                    for o in seen]
        print(json.dumps({"now": now.isoformat(), "stations": data, "sources": sources, "overlaps": overlaps},
                         ensure_ascii=False, indent=2))
    else:
        _print_status(settings, data, now)
        _print_sources(sources)
        for o in seen:
            print(f"\noverlap: {o.words()}")
    failing = any(tile["status"] in (Status.STALE.value, Status.NO_DATA.value) and tile["tracked"]
                  for st in data for tile in st["tiles"])
    if failing:
        return 1
    return EXIT_PARTIAL if any(s["health"] == "partial" for s in sources) else 0


def _source_record(status) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """A source's health and run ledger as ``status --json`` gives it (docs/CONNECTORS.md, run ledger)."""
    def run(r) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
        if r is None:
            return None
        return {"started_at": r.started_at.isoformat(), "ok": r.ok, **r.ledger(), "error": r.error}

    warning = status.warning
    return {"name": status.source.name, "type": status.source.type, "health": status.health.value,
            "last_run": run(status.last_run), "last_run_that_read": run(status.data_run),
            "refused_reasons": dict(sorted(status.data_run_rejects.items(), key=lambda kv: -kv[1])[:10])
            if warning is not None else {}}


def _print_sources(sources: list[dict]) -> None:  # type: ignore[type-arg]
    for s in sources:
        if s["health"] != "partial":
            continue
        run = s["last_run_that_read"]
        print(f"\nsource {s['name']}: PARTIAL - {_ledger_words(run)}")
        for reason, n in s["refused_reasons"].items():
            print(f"    rejected {n}: {reason}")


def _ledger_words(run: dict) -> str:  # type: ignore[type-arg]
    """A stored run's ledger (as in ``status --json``) in the words ``collect --once`` uses."""
    if run["rows_read"] is None:
        return f"some data refused: {run['refusals']} refusals, {run['readings_stored']} readings stored"
    text = (f"some rows refused: {run['rows_refused']} / {run['rows_read']} (read {run['rows_read']} · stored "
            f"{run['rows_stored']} · refused {run['rows_refused']} · ignored {run['rows_ignored']})")
    if run["unaccounted"]:
        text += f"; the rows do not add up: {run['unaccounted']} unexplained"
    return text


def status_record(view, now: datetime) -> dict[str, object]:  # type: ignore[no-untyped-def]
    tiles = []
    for tile in view.tiles:
        age = (now - tile.updated_at).total_seconds() if tile.updated_at else None
        # A stale tile's figures are its last values, not today's: their status says "stale", whatever the
        # values would be judged (a closed station's ten-day-old figures said "ok" or "warn").
        tiles.append({
            "family": tile.family.value,
            "status": tile.status.value,
            "stale": tile.stale,
            # False: no source is configured to deliver this tile for the station (no fault; board/read/tracked.py)
            "tracked": not view.not_tracked(tile),
            # False: none of its figures has limits at this station (contacts as shipped): its "neutral" means
            # never judged, not "could not judge now" (too few answers); the wall shows it without a badge.
            "limits": tile.judged,
            "updated_at": tile.updated_at.isoformat() if tile.updated_at else None,
            "age_seconds": round(age, 1) if age is not None else None,
            "figures": {f.code: {"value": f.value, "status": Status.STALE.value if tile.stale else f.status.value,
                                 "stale": tile.stale}
                        for f in [tile.headline, *tile.figures]},
        })
    return {"station": view.station.code, "name": view.station.name, "open": view.is_open, "tiles": tiles}


def _print_status(settings: Settings, data: list[dict], now: datetime) -> None:  # type: ignore[type-arg]
    print(f"{fmt.fmt_date(now)} {fmt.fmt_time(now)}  ({safe_url(settings.database_url)})")
    for st in data:
        print(f"\n{st['name']} [{st['station']}]" + ("" if st["open"] else "  (closed)"))
        for tile in st["tiles"]:
            age = tile["age_seconds"]
            age_text = "never" if age is None else f"{fmt.fmt_minutes(age / 60, 'en')} ago".replace("\u00a0", " ")
            head = f"  {tile['family']:<9} {tile['status'].upper():<8} updated {age_text}"
            if not tile["tracked"]:
                head += "  (not tracked: no source delivers it for this station)"
            elif not tile["limits"]:
                head += "  (no limits: never judged)"
            print(head)
            parts = [f"{t('fig.' + code, 'en')}: {format_figure(code, f['value'], 'en')}"
                     + ("" if f["status"] in ("neutral",) else f" ({f['status']})")
                     for code, f in tile["figures"].items()]
            print("      " + "; ".join(p.replace("\u00a0", " ").replace("\u202f", " ") for p in parts))


def cmd_check(args: argparse.Namespace) -> int:
    from connectors import CheckResult, build_connector
    from connectors.deadline import Deadline

    settings = open_board().settings
    if args.source and args.source not in {s.name for s in settings.sources}:
        print(f"unknown source {args.source!r}; configured: {', '.join(s.name for s in settings.sources)}",
              file=sys.stderr)
        return 2
    sources = [settings.source(args.source)] if args.source else settings.sources
    ok_all = True
    partial = False
    ledgers, seen = _stored(settings)
    _warn_overlaps(settings, args.source, seen)
    for src in sources:
        try:
            with Deadline(src.pull_timeout_seconds, f"the check of {src.name}").active():
                result = build_connector(src, settings).check(utcnow())
        except Exception as e:  # check must report, not crash
            result = CheckResult(False, "error", f"{type(e).__name__}: {e}")
        ok_all &= result.ok
        state = "OK" if result.ok else f"FAILED ({result.kind})"
        disabled = "" if src.enabled else " [disabled in sources.yaml]"
        print(f"{src.name} ({src.type}){disabled}: {state} - {redact(result.message)}")
        stored = ledgers.get(src.name)
        if stored is not None and stored["health"] == "partial":
            partial = True
            print(f"    last pull that read anything: PARTIAL - {_ledger_words(stored['last_run_that_read'])}")
            for reason, n in stored["refused_reasons"].items():
                print(f"    rejected {n}: {redact(reason)}")
    if not ok_all:
        return 1
    return EXIT_PARTIAL if partial else 0


def _warn_overlaps(settings: Settings, only: str | None, seen: list) -> None:  # list[SeenOverlap]
    """Warn (on stderr, so the lines of the sources stay as scripts read them) of each pair of enabled sources
    that can deliver the same figure for the same station, and of each figure the store has fresh from two
    (board/read/overlaps.py; a warning, not an error: it may be a deliberate move from one source to another)."""
    from board.read.overlaps import configured_overlaps

    for overlap in configured_overlaps(settings):
        if only is None or only in overlap.sources:
            print(f"warning: {overlap.words()}", file=sys.stderr)
    for found in seen:  # found only by reading: a file's stations, metric names passed through
        if only is None or only in found.sources:
            print(f"warning: now in the store: {found.words()}", file=sys.stderr)


def _stored(settings: Settings) -> tuple[dict[str, dict], list]:  # type: ignore[type-arg]
    """Each source's health and run ledger from the store, and the figures fresh from two sources now, for
    ``check`` (({}, []) when there is no store yet: a check before the first collection must still test the
    sources)."""
    from board.read.overlaps import seen_overlaps
    from board.read.sources import source_statuses
    from board.store import Store

    try:
        store = Store.open(settings.database_url, create=False)
    except Exception:
        return {}, []
    try:
        statuses = source_statuses(settings, store, utcnow())
        return {s.source.name: _source_record(s) for s in statuses}, seen_overlaps(settings, store, statuses)
    except Exception:  # no tables yet, or an older schema: the check itself is what matters here
        return {}, []
    finally:
        store.dispose()
