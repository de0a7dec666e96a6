"""The floor a wall refresh is measured against (bench/screens.py): a fragment that shows one small element.

Served only when the web server runs with ``BOARD_BENCH_PAGES=1`` (app.py),
at ``/bench-empty?refresh=S``: the same server, the same Streamlit fragment
machinery (script thread, deltas, websocket) and the same timer as a wall,
with no store, no view and almost nothing to send. What a wall refresh costs
above this is the board's own work.
"""

from datetime import UTC, datetime

import streamlit as st

try:
    refresh = max(2, int(st.query_params.get("refresh", 15)))
except ValueError:
    refresh = 15


@st.fragment(run_every=refresh)
def empty() -> None:
    st.html(f'<div class="empty-fragment" data-now="{datetime.now(UTC).isoformat()}"></div>')


empty()
