"""Every self-refreshing part of a page behind sign-in checks the sign-in first (board.web.access.recheck).

A fragment rerun does not run the page's ``access.require``. A page's fragments tick on the same period, and one
whose rerun request waits behind the whole-page run of the sign-in page still runs after it: if it does not check,
it draws into the sign-in page and the tab is left blank until reloaded (the Sources page's alert-channel and
weekly-report parts, 3 Dec: tests/test_browser_sessions_end.py). Read from the source, so a new part added without
the check fails here, at once, and not one browser run in four.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.harness import ROOT

#: The wall needs no sign-in (README, "Sign-in and roles").
NOT_GATED = {"wall.py"}


def _is_fragment(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "fragment"


def _first_call(body: list[ast.stmt]) -> str:
    """The first statement after the docstring, as source (``access.recheck(settings)`` wanted)."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return ast.unparse(body[0]) if body else ""


def fragments(path: Path) -> list[tuple[str, str]]:
    """(name, first statement) of each ``@st.fragment`` function in ``path``, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.name, _first_call(node.body)) for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and any(_is_fragment(d) for d in node.decorator_list)]


def test_every_fragment_of_a_gated_page_rechecks_the_sign_in_first():
    files = [p for p in sorted((ROOT / "pages").glob("*.py")) if p.name not in NOT_GATED]
    files.append(ROOT / "board" / "web" / "refreshing.py")  # the /alerts and /sources lists' shared part
    found = {f"{p.name}:{name}": first for p in files for name, first in fragments(p)}
    # The finder finds the known ones (the overview's table, the shared part, Sources' channels and reports).
    known = {"home.py:station_table", "refreshing.py:part", "sources.py:channels", "sources.py:reports"}
    assert known <= set(found), found
    missing = {where: first for where, first in found.items() if first != "access.recheck(settings)"}
    assert not missing, f"fragments that do not call access.recheck(settings) first: {missing}"


def test_the_finder_sees_a_fragment_without_the_check(tmp_path: Path):
    page = tmp_path / "page.py"
    page.write_text('@st.fragment(run_every=2)\ndef part() -> None:\n    """Doc."""\n    st.write(1)\n\n\n'
                    "@st.fragment\ndef other() -> None:\n    access.recheck(settings)\n", encoding="utf-8")
    assert fragments(page) == [("part", "st.write(1)"), ("other", "access.recheck(settings)")]
