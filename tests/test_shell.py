"""The page shell (board/web/shell): Streamlit's own index.html, with the board's language, loading text and script."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit import file_util

from board.web import shell

STREAMLIT_INDEX = (Path(file_util.get_static_dir()) / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_shell_speaks_the_configured_language_and_keeps_streamlit(lang):
    page = shell.page_shell(STREAMLIT_INDEX, lang)
    assert f'<html lang="{lang}">' in page and '<html lang="en">' not in page.replace(f'<html lang="{lang}">', "")
    assert '<span lang="fi">Ladataan…</span><span lang="sv">Laddar…</span><span lang="en">Loading…</span>' in page
    assert page.index("board-loading") < page.index('<div id="root"></div>')
    assert page.index("window.BOARD_SHELL") < page.index("</head>")
    assert '[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #4a5565' in page
    # Everything Streamlit's page loads is still there.
    for line in STREAMLIT_INDEX.splitlines():
        if "<script" in line or "<link" in line:
            assert line in page


def test_an_unknown_language_falls_back_to_finnish():
    assert '<html lang="fi">' in shell.page_shell(STREAMLIT_INDEX, "de")


def test_a_changed_streamlit_page_is_refused_not_half_patched():
    with pytest.raises(RuntimeError, match="changed shape"):
        shell.page_shell("<!doctype html><html><body><main></main></body></html>", "fi")


def test_the_static_folder_serves_streamlit_files_and_the_shell(tmp_path):
    static = shell.build_static_dir(Path(file_util.get_static_dir()), "sv")
    assert (static / "index.html").read_text(encoding="utf-8") == shell.page_shell(STREAMLIT_INDEX, "sv")
    assert (static / "static").is_symlink() and (static / "static" / "js").is_dir()
    assert {p.name for p in static.iterdir()} == {p.name for p in Path(file_util.get_static_dir()).iterdir()}


def test_the_language_style_names_only_known_languages():
    assert shell.language_style("sv") == "<style>:root { --board-lang: sv; }</style>"
    assert "--board-lang: fi" in shell.language_style("<script>")
