"""The read side: what each page reads, one module per page (never SQL in a page, never a source).

``wall`` (a station's tiles, notices, sparklines), ``overview`` (every
station's row, today's curves), ``week`` (the manager's week report and board
usage), ``sources`` (each source's health from the collector's records). Each
function takes the settings and the store explicitly: the web server caches
the results (``board.web.streamlit_support``), and the CLI, the tests and the
benchmarks call the same functions.
"""
