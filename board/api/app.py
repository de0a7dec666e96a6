"""The Starlette application of ``python -m board api``: routes, tokens, body limits and answers.

Every refusal says what to fix, as JSON ``{"error": …, "fix": …}``; a push that was read answers with its
run (board/push.py): 200 when it stored something (``refused_rows`` lists what was not, by position), 422
when everything was refused (the run is recorded as failed, like a pulled run that stored nothing).

Tokens: each push source has its own (``token:`` in sources.yaml, a ``${NAME}`` secret); the read API has
one, ``BOARD_API_TOKEN`` (the environment or .streamlit/secrets.toml). Both are compared in constant time.
Without the read token the read API answers with what the public wall shows (board/read/current.py).
"""

from __future__ import annotations

import hmac
import logging
import zlib
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from board.api.metrics import OPENMETRICS_TYPE, PROMETHEUS_TYPE, exposition, wants_openmetrics
from board.factory import Board
from board.push import PushDesk
from board.read.current import StationFigures, current_figures
from board.secrets import load_lookup, register
from board.settings import PROJECT_DIR
from connectors.push import BodyError, records_of

log = logging.getLogger(__name__)

#: The read API's token: its name in the environment or .streamlit/secrets.toml.
READ_TOKEN = "BOARD_API_TOKEN"
JSON_TYPES = ("application/json", "text/json")


class TooLarge(Exception):
    """The body is longer than the source allows."""


def create_app(board: Board, read_token: str | None = None) -> Starlette:
    """The API of ``board``. ``read_token`` None: ``BOARD_API_TOKEN`` from the environment or secrets.toml."""
    if read_token is None:
        read_token = load_lookup(PROJECT_DIR, board.environment.variables).get(READ_TOKEN) or None
    if read_token:
        register(read_token)
    desk = PushDesk(board.settings, board.store)

    async def push(request: Request) -> Response:
        name = request.path_params["source"]
        source = desk.source(name)
        if source is None:
            return _error(404, f"no push source named {name!r}",
                          "post to /push/NAME where NAME is a source of type: push in sources.yaml")
        if not desk.token_ok(name, _bearer(request)):
            return _error(401, "missing or wrong token for this source",
                          "send the source's token as 'Authorization: Bearer TOKEN'",
                          headers={"WWW-Authenticate": 'Bearer realm="push"'})
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in JSON_TYPES:
            return _error(415, f"content type {kind or '(none)'!r} is not taken",
                          "send JSON with 'Content-Type: application/json'")
        encoding = request.headers.get("content-encoding", "identity").strip().lower() or "identity"
        if encoding not in ENCODINGS:
            return _error(415, f"content encoding {encoding!r} is not taken",
                          "send the body as it is, or compressed with 'Content-Encoding: gzip' (or deflate)")
        limit = source.max_body_kb * 1024
        try:
            body = _inflate(await _body(request, limit), encoding, limit)
            records = records_of(body)
        except TooLarge:
            return _error(413, f"the body is larger than {source.max_body_kb} KB",
                          "send fewer records per request (or raise max_body_kb of the source)")
        except BodyError as e:
            return _error(400, str(e), 'send a JSON list of records, or {"records": [...]}, as the mapping in '
                                       "sources.yaml names their fields")
        result = await run_in_threadpool(desk.take, name, records)
        status = 200 if result.stored_any else 422
        return JSONResponse(result.as_json(), status_code=status)

    async def stations(request: Request) -> Response:
        figures = await run_in_threadpool(current_figures, board.settings, board.store, _reader(request))
        return JSONResponse({"stations": [_station_json(s) for s in figures]})

    async def metrics(request: Request) -> Response:
        figures = await run_in_threadpool(current_figures, board.settings, board.store, _reader(request))
        openmetrics = wants_openmetrics(request.headers.get("accept", ""))
        return PlainTextResponse(exposition(figures, openmetrics),
                                 media_type=OPENMETRICS_TYPE if openmetrics else PROMETHEUS_TYPE)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    def _reader(request: Request) -> bool:
        """True with the right read token; a wrong token is refused (401) rather than quietly served less."""
        presented = _bearer(request)
        if not presented:
            return False
        if read_token and hmac.compare_digest(presented.encode("utf-8"), read_token.encode("utf-8")):
            return True
        raise _Unauthorized()

    async def unauthorized(request: Request, exc: Exception) -> Response:
        return _error(401, "wrong read token", f"send {READ_TOKEN} as 'Authorization: Bearer TOKEN', or no "
                      "token for the public figures", headers={"WWW-Authenticate": 'Bearer realm="read"'})

    routes = [
        Route("/push/{source}", push, methods=["POST"]),
        Route("/api/v1/stations", stations, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={_Unauthorized: unauthorized})


class _Unauthorized(Exception):
    pass


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def _body(request: Request, limit: int) -> bytes:
    """The body, read no further than ``limit`` bytes (a declared larger length is refused unread)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


#: Content encodings a sender may compress its body with (``identity``: not compressed).
ENCODINGS = ("identity", "gzip", "x-gzip", "deflate")


def _inflate(body: bytes, encoding: str, limit: int) -> bytes:
    """The body uncompressed, never more than ``limit`` bytes of it (a small gzip that inflates is refused too).

    ``deflate`` is zlib's format as HTTP means it; a raw deflate stream, which some senders write, is taken too.
    """
    if encoding == "identity":
        return body
    attempts = (31,) if encoding in ("gzip", "x-gzip") else (15, -15)
    for wbits in attempts:
        inflater = zlib.decompressobj(wbits)
        try:
            out = inflater.decompress(body, limit + 1)
        except zlib.error:
            continue
        if len(out) > limit or inflater.unconsumed_tail:
            raise TooLarge()
        if not inflater.eof:
            break
        return out
    raise BodyError(f"the body is not valid {encoding} data (Content-Encoding says it is)")


def _error(status: int, error: str, fix: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "fix": fix}, status_code=status, headers=headers)


def _station_json(s: StationFigures) -> dict[str, Any]:
    out: dict[str, Any] = {
        "station": s.code, "name": s.name, "municipality": s.municipality, "open": s.is_open,
        "tiles": [{
            "tile": t.family.value, "status": s.tile_status(t), "tracked": t.family not in s.untracked,
            # False: none of the tile's figures has limits here (contacts as shipped), so "neutral" is "never
            # judged", not "could not judge now"; the wall shows such a tile without a badge.
            "limits": t.judged,
            "stale": t.stale, "updated_at": t.updated_at.isoformat() if t.updated_at else None,
            "figures": [{"figure": f.code, "value": f.value, "status": s.figure_status(t, f.status.value),
                         "target": f.target,
                         "headline": f is t.headline} for f in (t.headline, *t.figures)],
        } for t in s.tiles],
    }
    if s.readings:
        out["readings"] = {m: {"value": lv.value, "at": lv.ts.isoformat(), "source": lv.source}
                           for m, lv in s.readings.items()}
    return out
