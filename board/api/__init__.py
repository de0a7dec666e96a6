"""The board's HTTP API (``python -m board api``): push ingestion and a read API, on Starlette and uvicorn.

* ``POST /push/NAME``: a push source's records (board/push.py), with its own token;
* ``GET /api/v1/stations``: every station's current figures as JSON (board/read/current.py);
* ``GET /metrics``: the same as OpenMetrics / Prometheus text (board/api/metrics.py);
* ``GET /healthz``: 200 while the process answers.

Beside the collector, not inside Streamlit: a sender must not depend on a browser session, and the API
has no page to draw.
"""
