"""Issue 14's closing evidence, reproducible: a wall fed from items, a figure typed by hand, 100 answers' NPS.

Why a script: the evidence of the last session (screenshots, figures) was lost with its machine. This makes
it again from nothing, on a fresh SQLite store in a temporary folder, the way an administrator would get it:

* the documented items demo configuration (``python -m board demo --items``: board/demo_items_setup.py),
  its one demo source left as written except ``stations`` (every station but ``sotkamo``, whose feedback
  comes from the export below: two sources counting one station's answers would not add up to its NPS);
* the feedback service's drop-folder source ``palaute`` exactly as docs/CONNECTORS.md (*Items*) writes it,
  ``folder`` pointed at the temporary folder, and an export of **100 individual answers** (62 promoters,
  29 passives, 9 detractors: NPS +53, counted here by hand, independently of the board) as such a service
  writes it: Windows-1252, ``;``, CRLF, a title line, Finnish headers and ``d.m.yyyy h.mm`` times, blank
  cells, a free-text column the board never reads and a totals row it ignores with a reason;
* one collector cycle, the run ledger of each source (read / stored / refused / ignored), and
  ``python -m board status --json`` for one station;
* then (unless ``--no-browser``) ``python -m board serve`` on loopback with sign-in **required** against
  an OpenID Connect provider on loopback (tests/oidc_provider.py: the protocol Entra ID speaks, no
  simulated sign-in), a shift lead typing a figure on ``/manual`` through the page itself, and Chromium
  screenshots of the wall fed from items, the same wall with the typed figure, the ``/sources`` audit row
  (signed in as an administrator) and the weekly view with the NPS (the same administrator), saved
  under ``docs/screenshots/`` (``-o``).

Every station is open all day (``BOARD_ALWAYS_OPEN=1``), so the run works at any hour; the 100 answers are
spread over today's elapsed minutes. ``tests/test_evidence_items.py`` runs the data part (:func:`load`)
at fixed clocks, so the evidence cannot rot.

    .venv/bin/python scripts/evidence_items.py            # data, figures and screenshots (~2-3 min)
    .venv/bin/python scripts/evidence_items.py --no-browser
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file: the board's packages live in the project root
    sys.path.insert(0, str(ROOT))

from board.collector import Collector, RunOutcome  # noqa: E402
from board.demo_items_setup import ITEMS_SOURCE, prepare  # noqa: E402
from board.domain.timeutil import HELSINKI  # noqa: E402
from board.factory import create_board  # noqa: E402

#: The station the feedback export feeds (and no other source) and the station whose wall shows the demo items.
FEEDBACK_STATION, WALL_STATION = "sotkamo", "kajaani"
#: How the export names the station (the documented source's ``mapping.stations`` translates it).
FEEDBACK_STATION_NAME = "Sotkamon terveysasema"
#: The issue's 100 answers by class: 62 promoters (9-10), 29 passives (7-8), 9 detractors (0-6).
CLASS_SIZES = (62, 29, 9)
SCREENSHOTS = ROOT / "docs" / "screenshots"


@dataclass(frozen=True)
class Answer:
    """One answer as the feedback service holds it (times in UTC)."""

    ident: str
    at: datetime
    score: int
    needs_reaction: bool
    reacted_at: datetime | None


@dataclass
class Loaded:
    """What :func:`load` made and what the board made of it."""

    config_dir: Path
    url: str
    env: dict[str, str]
    now: datetime
    answers: list[Answer]
    outcomes: list[RunOutcome]
    nps_by_hand: int
    board_nps: dict[str, float | None] = field(default_factory=dict)


# ------------------------------------------------------------------ the export, counted by hand
def make_answers(now: datetime, seed: int = 53) -> list[Answer]:
    """100 answers today (Helsinki) up to ``now``, spread over the elapsed minutes, in a shuffled class order.

    Some need a reaction (score 0-4, and two others); half of those were reacted to half an hour later when
    that is already past ``now``."""
    rng = random.Random(seed)
    promoters, passives, detractors = CLASS_SIZES
    scores = ([rng.choice((9, 10)) for _ in range(promoters)] + [rng.choice((7, 8)) for _ in range(passives)]
              + [rng.randint(0, 6) for _ in range(detractors)])
    rng.shuffle(scores)
    # Real minutes since local midnight, counted in UTC (a DST day has 23 or 25 hours; wall-clock arithmetic
    # on an aware Helsinki time would not see that)
    midnight = now.astimezone(HELSINKI).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    elapsed = int((now - midnight).total_seconds() // 60)  # whole minutes: the export's resolution
    answers = []
    for n, score in enumerate(scores):
        at = midnight + timedelta(minutes=elapsed * n // len(scores))
        needs = score <= 4 or n in (3, 50)
        reacted = at + timedelta(minutes=30)
        answers.append(Answer(f"{90000 + n}", at, score, needs,
                              reacted if needs and n % 2 == 0 and reacted <= now else None))
    return answers


def nps_by_hand(scores: list[int]) -> int:
    """NPS as feedback services define it: % of 9-10 less % of 0-6, rounded (the board's code is not used)."""
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores))


def _finnish(at: datetime) -> str:
    """``d.m.yyyy h.mm`` in Helsinki time, as a Finnish Excel export writes it."""
    t = at.astimezone(HELSINKI)
    return f"{t.day}.{t.month}.{t.year} {t.hour}.{t.minute:02d}"


def write_export(folder: Path, answers: list[Answer], now: datetime) -> Path:
    """The feedback service's export as it writes it (see the module docstring); returns its path."""
    lines = [f"Palautteet, ajettu {_finnish(now)}", "",
             "Vastaus-ID;Yksikkö;Päivämäärä;Suositteluhalukkuus;Vaatii reagointia;Reagoitu;Vapaa palaute"]
    comments = ("Odotin pitkään, mutta hoitaja oli ystävällinen", "", "Hyvä palvelu", "")
    for n, a in enumerate(answers):
        reacted = "" if a.reacted_at is None else _finnish(a.reacted_at)
        lines.append(f"{a.ident};{FEEDBACK_STATION_NAME};{_finnish(a.at)};{a.score};"
                     f"{'Kyllä' if a.needs_reaction else 'Ei'};{reacted};{comments[n % len(comments)]}")
    lines.append(f"Yhteensä;{len(answers)};;;;;")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"palautteet_{now.astimezone(HELSINKI):%Y%m%d}.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    settled = (datetime.now(UTC) - timedelta(minutes=10)).timestamp()
    os.utime(path, (settled, settled))  # written ten minutes ago: past the folder's settle_seconds
    return path


# ------------------------------------------------------------------ configuration and the collector
def documented_source(name: str) -> dict[str, Any]:
    """The item source ``name`` exactly as docs/CONNECTORS.md's *Items* section writes it."""
    doc = (ROOT / "docs" / "CONNECTORS.md").read_text(encoding="utf-8")
    section = doc.split("## Items: sources whose records the board counts itself", 1)[1].split("\n## ", 1)[0]
    for block in re.findall(r"```yaml\n(.*?)```", section, re.S):
        (entry,) = yaml.safe_load(block)
        if entry["name"] == name:
            return entry
    raise LookupError(f"no item source {name!r} in docs/CONNECTORS.md")


def configure(home: Path, backfill_days: int, environ: Mapping[str, str]) -> tuple[Path, dict[str, str]]:
    """The items demo's configuration under ``home`` plus the documented feedback folder; the environment."""
    env = prepare({**environ, "BOARD_ALWAYS_OPEN": "1", "BOARD_DATABASE_URL": f"sqlite:///{home / 'board.sqlite'}"},
                  data_dir=home)
    config = Path(env["BOARD_CONFIG_DIR"])
    stations = yaml.safe_load((config / "stations.yaml").read_text(encoding="utf-8"))["stations"]
    demo = {**ITEMS_SOURCE, "backfill_days": backfill_days,
            "stations": [s["code"] for s in stations if s["code"] != FEEDBACK_STATION]}
    feedback = {**documented_source("palaute"), "folder": str(home / "drop" / "palaute")}
    (config / "sources.yaml").write_text(
        "# Written by scripts/evidence_items.py: the items demo's source (board/demo_items_setup.py) and the\n"
        "# feedback drop folder of docs/CONNECTORS.md (Items), its folder pointed here.\n"
        + yaml.safe_dump({"sources": [demo, feedback]}, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return config, env


def load(home: Path, now: datetime, backfill_days: int = 14, environ: Mapping[str, str] | None = None) -> Loaded:
    """The data part: configuration, export, one collector cycle at ``now``, and the NPS the board shows.

    ``board_nps`` holds the feedback station's NPS as the wall (its feedback tile's big number) and the
    weekly view (today's column and the week) compute it from the store."""
    from board.read import week as weekly
    from board.read.wall import station_view

    config, env = configure(home, backfill_days, os.environ if environ is None else environ)
    answers = make_answers(now)
    write_export(home / "drop" / "palaute", answers, now)
    board = create_board(config, env["BOARD_DATABASE_URL"], environ=env)
    try:
        outcomes = Collector(board.settings, board.store, clock=lambda: now, sleep=lambda s: None).run_once()
        loaded = Loaded(config, env["BOARD_DATABASE_URL"], env, now, answers, outcomes,
                        nps_by_hand([a.score for a in answers]))
        view = station_view(board.settings, board.store, FEEDBACK_STATION, now)
        tile = next(t for t in view.tiles if t.family.value == "feedback")
        loaded.board_nps["wall"] = tile.headline.value
        year, week, _ = now.astimezone(HELSINKI).isocalendar()
        report = weekly.week_report(board.settings, board.store, year, week, [FEEDBACK_STATION], as_of=now)
        today = next(d for d in report.stations[0].days if d.day == now.astimezone(HELSINKI).date())
        loaded.board_nps["week_day"] = today.figures.get("feedback_nps")
        loaded.board_nps["week_day_answers"] = today.figures.get("feedback_answers")
        loaded.board_nps["week"] = report.stations[0].week.get("feedback_nps")
    finally:
        board.close()
    return loaded


def ledger_lines(outcomes: list[RunOutcome]) -> list[str]:
    lines = []
    for o in outcomes:
        run = o.run
        ledger = {k: getattr(run, k, None) for k in ("rows_read", "rows_stored", "rows_refused", "rows_ignored")}
        ledger["unaccounted"] = run.unaccounted if run is not None else None
        lines.append(f"  {o.source}: ok={o.ok} read={ledger.get('rows_read')} stored={ledger.get('rows_stored')} "
                     f"refused={ledger.get('rows_refused')} ignored={ledger.get('rows_ignored')} "
                     f"unaccounted={ledger.get('unaccounted')} readings written={o.rows}"
                     + (f" refused reasons {o.rejects}" if o.rejects else ""))
    return lines


def board_cli(env: Mapping[str, str], *args: str) -> tuple[int, str]:
    """``python -m board ARGS`` as an administrator runs it, with this run's configuration and store."""
    done = subprocess.run([sys.executable, "-m", "board", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def status_json(env: Mapping[str, str], station: str) -> dict[str, Any]:
    code, out = board_cli(env, "status", "--json", "--station", station)
    if code not in (0, 1, 3):  # 1: a stale or missing tile; 3: a source refused some rows (both still JSON)
        raise RuntimeError(f"board status failed ({code}): {out[-2000:]}")
    return json.loads(out[out.index("{"):])


def status_figures(status: dict[str, Any], station: str) -> dict[str, Any]:
    (st,) = [s for s in status["stations"] if s["station"] == station]
    return {code: f["value"] for tile in st["tiles"] for code, f in tile["figures"].items()}


# ------------------------------------------------------------------ the browser part
def _shrink(png: bytes, path: Path, limit: int = 300_000) -> int:
    """Save a screenshot as a palette PNG (text and flat colours survive 256 colours), under ``limit`` bytes."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    for colours in (256, 128, 64):
        buf = io.BytesIO()
        image.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buf, "PNG", optimize=True)
        if buf.tell() < limit:
            break
    path.write_bytes(buf.getvalue())
    return buf.tell()


def wall_figures(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every figure on the wall as its text: ``data-figure`` code -> what a nurse reads."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.wall [data-figure]')]
        .map(e => [e.dataset.figure, e.innerText.replace(/\\s+/g, ' ').trim()]))""")


def compare(wall: dict[str, str], status: dict[str, Any]) -> list[str]:
    """The wall's figures beside ``status --json``'s values, one line each (the board's formatter, in fi)."""
    from board.formatting import format_figure

    lines = []
    for code, value in status.items():
        shown = wall.get(code)
        expected = "–" if value is None else format_figure(code, value, "fi")
        same = shown is not None and _norm(expected) in _norm(shown)
        lines.append(f"  {code:<30} wall {shown!s:<24} status {value!s:<10} {'same' if same else 'DIFFERENT'}")
    return lines


def _norm(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).replace("−", "-").strip()


def browse(loaded: Loaded, out: Path, home: Path) -> dict[str, Any]:
    """Serve the board with sign-in required, type a figure as a shift lead, and take the screenshots."""
    from tests import harness
    from tests.oidc_provider import Provider

    found: dict[str, Any] = {}
    client_id, client_secret = "ohjaustaulu-evidence", secrets.token_urlsafe(24)
    shift_lead = {"email": "vilma.vuorovastaava@example.fi", "name": "Vilma Vuorovastaava",
                  "roles": ["Ohjaustaulu.ShiftLead"]}
    admin = {"email": "aino.yllapitaja@example.fi", "name": "Aino Ylläpitäjä", "roles": ["Ohjaustaulu.Admin"]}
    provider = Provider(client_id, client_secret, shift_lead)
    board_yaml = loaded.config_dir / "board.yaml"
    board = yaml.safe_load(board_yaml.read_text(encoding="utf-8"))
    board["access"] = {"sign_in": "required", "role_claim": "roles", "roles": {
        "shift_lead": {"claim_values": ["Ohjaustaulu.ShiftLead"]},
        "manager": {"claim_values": ["Ohjaustaulu.Manager"]},
        "administrator": {"claim_values": ["Ohjaustaulu.Admin"]}}}
    board_yaml.write_text(yaml.safe_dump(board, allow_unicode=True, sort_keys=False), encoding="utf-8")
    secrets_file = home / "secrets.toml"  # README, Sign-in and roles: the [auth] block
    secrets_file.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(48)}"\n'
        f'client_id = "{client_id}"\nclient_secret = "{client_secret}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n', encoding="utf-8")
    env = {k: v for k, v in loaded.env.items() if k.startswith("BOARD_")}
    env.update(BOARD_SIGN_IN="required", BOARD_ADDRESS="127.0.0.1", STREAMLIT_SECRETS_FILES=str(secrets_file))
    # The wall needs today's readings fresh: one more cycle of the collector at the real now.
    fresh = create_board(loaded.config_dir, loaded.url, environ=loaded.env)
    try:
        server = harness.Server(home / "server.log", loaded.config_dir, loaded.url, **env)
    except Exception:
        provider.stop()
        fresh.close()
        raise
    out.mkdir(parents=True, exist_ok=True)
    try:
        with harness.chromium() as browser:
            ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
            page = ctx.new_page()

            def shot(name: str, **kw: Any) -> None:
                found.setdefault("screenshots", {})[name] = _shrink(page.screenshot(**kw), out / name)

            try:
                _steps(page, server.base, env, fresh, provider, admin, found, shot)
            except Exception:
                page.screenshot(path=str(home / "failed.png"), full_page=True)
                print(f"failed here: {home / 'failed.png'}", file=sys.stderr)
                raise
            ctx.close()
    finally:
        server.stop()
        provider.stop()
        fresh.close()
    return found


def _steps(page, base: str, env: Mapping[str, str], fresh, provider, admin: dict[str, Any],  # type: ignore[no-untyped-def]
           found: dict[str, Any], shot) -> None:
    """The browser's walk: the wall fed from items, the typed figure, the audit row and the weekly view."""
    # 1. the wall fed from items, and status --json at the same store state
    Collector(fresh.settings, fresh.store).run_once()
    page.goto(f"{base}/wall?station={WALL_STATION}")
    page.wait_for_selector(".wall .tile .headline [data-figure]", timeout=60_000)
    page.wait_for_timeout(1500)
    found["wall_items"] = wall_figures(page)
    found["status_items"] = status_figures(status_json(env, WALL_STATION), WALL_STATION)
    shot("items-wall.png")
    page.goto(f"{base}/wall?station={FEEDBACK_STATION}")
    page.wait_for_selector('.wall [data-figure="feedback_nps"]', timeout=60_000)
    page.wait_for_timeout(1000)
    found["wall_feedback"] = wall_figures(page)
    shot("items-wall-feedback.png")

    # 2. the shift lead types the callbacks waiting on /manual, signed in through the provider
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{base}/manual")
    page.get_by_role("button", name="Kirjaudu sisään").click(timeout=60_000)
    page.get_by_text("Kirjautunut: Vilma Vuorovastaava").wait_for(timeout=60_000)
    page.goto(f"{base}/manual")  # the provider sends a new sign-in to the overview
    page.get_by_label("Arvo", exact=True).fill("41")
    page.get_by_label("Syy (vapaaehtoinen, ei potilastietoja)").fill("takaisinsoittojärjestelmä ei vastaa")
    page.get_by_role("button", name="Näytä seinällä").click()
    page.get_by_text("Syötetty: Kajaanin terveysasema").wait_for(timeout=60_000)
    shot("manual-entry-page.png")
    found["manual_page"] = page.inner_text("body")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{base}/wall?station={WALL_STATION}")
    page.wait_for_selector('.headline .manual-mark[data-manual="queue_waiting"]', timeout=60_000)
    page.wait_for_timeout(1500)
    found["wall_manual"] = wall_figures(page)
    found["wall_manual_text"] = page.inner_text(".wall")
    found["status_manual"] = status_figures(status_json(env, WALL_STATION), WALL_STATION)
    shot("manual-wall.png")

    # 3. an administrator: the audit row on /sources and the weekly view with the NPS
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{base}/manual")
    page.get_by_role("button", name="Kirjaudu ulos").click(timeout=60_000)
    page.get_by_role("button", name="Kirjaudu sisään").wait_for(timeout=60_000)
    provider.claims = admin
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.get_by_text("Kirjautunut: Aino Ylläpitäjä").wait_for(timeout=60_000)
    page.goto(f"{base}/sources")
    audit = page.get_by_text("Käsin syötetyt luvut (30 vrk)")
    audit.wait_for(timeout=60_000)
    page.locator('[data-testid="stDataFrame"]').last.wait_for(timeout=60_000)
    page.locator('[data-testid="stDataFrame"]').last.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    shot("sources-manual-audit.png")
    year, week, _ = datetime.now(UTC).astimezone(HELSINKI).isocalendar()  # this week: the view opens the last one
    page.set_viewport_size({"width": 1366, "height": 1900})  # Streamlit scrolls inside: a taller window shows more
    page.goto(f"{base}/week?week={year}-W{week:02d}&station={FEEDBACK_STATION}")
    page.get_by_text("NPS (tavoite +40)").first.wait_for(timeout=90_000)
    page.get_by_role("tab", name="Asiakaspalaute").click()  # the table by station: the week's NPS and answers
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 5",
                           timeout=90_000)  # the charts, the NPS bar among them
    page.wait_for_timeout(5000)  # drawn a moment after they are there
    found["week_text"] = page.inner_text("body")
    shot("week-nps.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--out", type=Path, default=SCREENSHOTS, help="folder for the PNGs")
    parser.add_argument("--backfill-days", type=int, default=ITEMS_SOURCE["backfill_days"])
    parser.add_argument("--no-browser", action="store_true", help="the data and figures only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args(argv)
    os.environ["BOARD_ALWAYS_OPEN"] = "1"
    home = Path(tempfile.mkdtemp(prefix="evidence-items-"))
    try:
        now = datetime.now(UTC)
        loaded = load(home, now, args.backfill_days)
        scores = [a.score for a in loaded.answers]
        print(f"store: {loaded.url}\nnow: {now.astimezone(HELSINKI):%d.%m.%Y %H.%M.%S} Helsinki")
        print(f"answers: {len(scores)}: promoters {sum(s >= 9 for s in scores)}, passives "
              f"{sum(7 <= s <= 8 for s in scores)}, detractors {sum(s <= 6 for s in scores)}; "
              f"NPS by hand {loaded.nps_by_hand:+d}")
        print(f"board's NPS for {FEEDBACK_STATION}: wall {loaded.board_nps['wall']}, weekly view today "
              f"{loaded.board_nps['week_day']} ({loaded.board_nps['week_day_answers']} answers), week "
              f"{loaded.board_nps['week']}")
        print("collector, one cycle (run ledger):", *ledger_lines(loaded.outcomes), sep="\n")
        status = status_json(loaded.env, FEEDBACK_STATION)
        fb = status_figures(status, FEEDBACK_STATION)
        print(f"board status --json --station {FEEDBACK_STATION}: " + json.dumps(
            {k: v for k, v in fb.items() if k.startswith("feedback")}, ensure_ascii=False))
        for source in status["sources"]:
            print(f"  source {source['name']}: {source['health']}, last run that read "
                  f"{json.dumps(source['last_run_that_read'], ensure_ascii=False)}")
        if not args.no_browser:
            found = browse(loaded, args.out, home)
            print(f"\nwall {WALL_STATION} fed from items vs board status --json (same store state):",
                  *compare(found["wall_items"], found["status_items"]), sep="\n")
            print(f"\nwall {WALL_STATION} with the typed figure vs board status --json:",
                  *compare(found["wall_manual"], found["status_manual"]), sep="\n")
            mark = re.findall(r"käsin syötetty klo [0-9.]+", found["wall_manual_text"])
            print(f"manual marks on the wall: {mark}")
            print(f"wall {FEEDBACK_STATION}: feedback_nps {found['wall_feedback'].get('feedback_nps')!r}")
            week_nps = re.findall(r"NPS[^\n]*\n?[^\n]*", found["week_text"])[:6]
            print(f"weekly view, lines with NPS: {week_nps}")
            print("screenshots:", *(f"  {args.out / n} {b} bytes" for n, b in found["screenshots"].items()),
                  sep="\n")
        return 0 if loaded.board_nps["wall"] == loaded.nps_by_hand else 1
    finally:
        if args.keep:
            print(f"kept {home}")
        else:
            import shutil

            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
