"""WCAG 2.1 AA in a real browser: axe-core on every page, and <html lang> in the UI language.

Deque's axe-core (vendored, unchanged, in ``tests/vendor/axe-core``) is
injected into each page of a real ``python -m board serve`` in Chromium once
the page has drawn its content, and run with the WCAG 2.0/2.1 A and AA rules.
Any violation fails the test with the rule, the elements and axe's summary;
the exceptions we accept are listed in :data:`ACCEPTED` with the reason, and
in docs/ACCESSIBILITY.md. Sign-in is off in these servers
(``tests/browser_support.py``), so every page is open as to a signed-in
administrator.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser_support import ROOT, require_chromium, start_server
from tests.conftest import write_config

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: (page, wait for) — every page of the board, each waited for until its content is drawn.
PAGES = [
    ("wall?station=kajaani", ".wall [data-figure]"),
    ("", "table.ov tbody tr"),
    ("week", "[data-testid=\"stMetricValue\"]"),
    ("notices", '[data-testid="stTextArea"]'),
    ("sources", ".src-card"),
    ("month", '[data-testid="stMetricValue"]'),
    ("alerts", "h1"),
]

#: axe rule id -> why the board accepts it (also in docs/ACCESSIBILITY.md). Empty: nothing accepted.
ACCEPTED: dict[str, str] = {}


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""", WCAG_AA)


@pytest.fixture(scope="module")
def weeks_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """A server whose store holds two weeks, so the weekly view draws its charts."""
    require_chromium()
    tmp = tmp_path_factory.mktemp("a11y")
    srv = start_server(tmp, write_config(tmp / "config", backfill_days=14))
    yield srv.base, srv.store
    srv.stop()


#: Every page in Finnish; the wall and the overview also in Swedish (the page language follows the choice).
CASES = [(path, ready, "fi") for path, ready in PAGES] + [(path, ready, "sv") for path, ready in PAGES[:2]]


@pytest.mark.parametrize(("path", "ready", "lang"), CASES, ids=[f"{lang}-{p.split('?')[0] or 'overview'}"
                                                                 for p, _, lang in CASES])
def test_page_meets_wcag_21_aa(weeks_server, browser, path, ready, lang):
    base, _ = weeks_server
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    sep = "&" if "?" in path else "?"
    page.goto(f"{base}/{path}{sep}lang={lang}")
    page.wait_for_selector(ready, state="attached", timeout=60_000)
    page.wait_for_selector("#board-loading", state="hidden", timeout=30_000)
    page.wait_for_timeout(800)  # the last elements of the run settle
    assert page.evaluate("document.documentElement.lang") == lang
    found = [v for v in axe_violations(page) if v["id"] not in ACCEPTED]
    page.close()
    assert not found, "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n    " +
                                "\n    ".join(f"{n['target']}: {n['summary']}" for n in v["nodes"]) for v in found)
