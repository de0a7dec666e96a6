"""The layering of the developers' guide holds in the imports: sources → connectors → collector → store → read
side → pages, the domain pure.

Read from the source text (``ast``), not by importing: a lower layer that reaches up is found even where the
import sits inside a function. The weekly report's mail once took the care-guarantee rule's wording from the
access view's HTML module (``board.web.access_html``), so a report depended on the web pages.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import ROOT

#: folder -> the modules nothing in it may import (a name and everything below it)
FORBIDDEN = {
    "board/domain": ("board.web", "board.store", "board.read", "board.reports", "board.i18n", "connectors",
                     "streamlit", "sqlalchemy"),
    "connectors": ("board.web", "board.store", "board.read", "streamlit"),
    "board/read": ("board.web", "streamlit"),
    "board/reports": ("board.web", "streamlit"),
}


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import in a file, ``from a import b`` giving ``a`` and ``a.b``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def reaching_up(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{line} imports {module}"
            for path in sorted((ROOT / folder).rglob("*.py"))
            for line, module in imported(path)
            if any(module == f or module.startswith(f + ".") for f in forbidden)]


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_layer_imports_from_a_layer_above_it(folder: str):
    assert (ROOT / folder).is_dir()
    assert reaching_up(folder, FORBIDDEN[folder]) == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path):
    """The check itself: a forbidden import in a function body, and a ``from … import`` of a submodule."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from board.web.access_html import render\n    import board.web\n")
    assert [m for _, m in imported(sample)] == ["board.web.access_html", "board.web.access_html.render",
                                                "board.web"]
