"""The REST connector against a real HTTP server on loopback.

Each test gets its own ``ThreadingHTTPServer`` on 127.0.0.1 driven by a
:class:`Scenario` (records, required credentials, pagination, a status to
answer, a delay, a garbage body). The server records every request it got, so
tests can assert on what went over the wire. No mocks.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from board.domain.reading import Reading, Rejected
from board.source_settings import RestSource
from connectors.errors import ConfigurationError, DataError, TransientError
from connectors.rest import RestConnector

STATIONS = ["kajaani", "sotkamo"]
UNTIL = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(hours=1)
TOKEN = "s3cret-token-0123456789"
HETU_CODE = "131052-308T"


# ---------------------------------------------------------------------- the server
@dataclass
class Seen:
    """One request the server got."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased


@dataclass
class Scenario:
    records: list[Any] = field(default_factory=list)
    #: Dotted path the records sit at in the body ("data.items"); None: the body is the list itself.
    wrap: str | None = None
    #: None, "body" (next link at meta.next), "link" (Link header), "page" (?page=&per_page=),
    #: "loop" (meta.next always points at the same page), "ignore_page" (always the first page).
    paging: str | None = None
    page_size: int = 2
    #: ("bearer", token) | ("basic", user, password) | ("header", name, value) | ("query", name, value)
    auth: tuple[str, ...] | None = None
    status: int | None = None
    status_body: str = ""
    delay: float = 0.0
    raw: bytes | None = None
    #: Close the connection without answering.
    drop: bool = False
    content_type: str = "application/json"
    #: Prefix of next links (another server's base URL, to test that the connector will not go there).
    next_base: str = ""
    requests: list[Seen] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Handler(BaseHTTPRequestHandler):
    server: ScenarioServer

    def do_GET(self) -> None:
        s = self.server.scenario
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        s.requests.append(Seen(split.path, query, {k.lower(): v for k, v in self.headers.items()}))
        if s.delay:
            time.sleep(s.delay)
        if s.drop:
            self.close_connection = True
        elif not self._authorised(s, query):
            presented = self.headers.get("Authorization", "") + " ".join(v for values in query.values() for v in values)
            self._send(401, json.dumps({"error": f"invalid credentials {presented}"}).encode())
        elif s.status:
            self._send(s.status, s.status_body.encode())
        elif s.raw is not None:
            self._send(200, s.raw, s.content_type)
        else:
            body, headers = self._page(s, query)
            self._send(200, json.dumps(body).encode(), headers=headers)

    def _authorised(self, s: Scenario, query: dict[str, list[str]]) -> bool:
        if s.auth is None:
            return True
        kind, *args = s.auth
        if kind == "bearer":
            return self.headers.get("Authorization") == f"Bearer {args[0]}"
        if kind == "basic":
            expected = base64.b64encode(f"{args[0]}:{args[1]}".encode()).decode()
            return self.headers.get("Authorization") == f"Basic {expected}"
        if kind == "header":
            return self.headers.get(args[0]) == args[1]
        return query.get(args[0]) == [args[1]]

    def _page(self, s: Scenario, query: dict[str, list[str]]) -> tuple[Any, dict[str, str]]:
        records, next_link, headers = s.records, None, {}
        if s.paging == "page":
            number, size = int(query["page"][0]), int(query.get("per_page", [s.page_size])[0])
            records = s.records[(number - 1) * size: number * size]
        elif s.paging == "ignore_page":
            records = s.records[: s.page_size]
        elif s.paging == "loop":
            records, next_link = s.records[: s.page_size], f"{s.next_base}/api?cursor=1"
        elif s.paging in ("body", "link"):
            offset = int(query.get("cursor", ["0"])[0])
            records = s.records[offset: offset + s.page_size]
            if offset + s.page_size < len(s.records):
                next_link = f"{s.next_base}/api?cursor={offset + s.page_size}"
        body: Any = records
        for part in reversed((s.wrap or "").split(".") if s.wrap else []):
            body = {part: body}
        if s.paging == "link" and next_link:
            host, port = self.server.server_address[:2]
            headers["Link"] = f'<http://{host}:{port}{next_link}>; rel="next", <http://{host}:{port}/api>; rel="first"'
        elif s.paging in ("body", "loop"):
            body["meta"] = {"next": next_link, "count": len(records)}
        return body, headers

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
        pass


class ScenarioServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.scenario = scenario

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):  # a client that gave up (the timeout test) is fine
            self.scenario.errors.append(repr(error))


@dataclass
class Api:
    base: str
    scenario: Scenario

    @property
    def url(self) -> str:
        return f"{self.base}/api"


@contextmanager
def serve(tls: ssl.SSLContext | None = None) -> Iterator[Api]:
    scenario = Scenario()
    server = ScenarioServer(scenario)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield Api(f"{'https' if tls else 'http'}://{host}:{port}", scenario)
    finally:
        server.shutdown()
        server.server_close()
    assert not scenario.errors, f"the test server failed: {scenario.errors}"


@pytest.fixture
def api() -> Iterator[Api]:
    with serve() as a:
        yield a


# ---------------------------------------------------------------------- helpers
def source(url: str, **settings: Any) -> RestSource:
    config: dict[str, Any] = {"type": "rest", "name": "api", "url": url,
                              "params": {"since": "{since}", "until": "{until}"}}
    config.update(settings)
    return RestSource.model_validate(config)


def record(station: str = "kajaani", metric: str = "queue_waiting", at: str = "2026-11-22T09:30:00+00:00",
           value: Any = 7, **extra: Any) -> dict[str, Any]:
    return {"station": station, "metric": metric, "time": at, "value": value, **extra}


def minute(n: int) -> str:
    """The n-th minute after 09.30 UTC: records of one station and figure at different times (the same time with
    another value would be a repeat the connector refuses)."""
    return f"2026-11-22T09:{30 + n:02d}:00+00:00"


def pull(src: RestSource, since: datetime | None = SINCE, until: datetime = UNTIL) -> tuple[list[Reading], list[str]]:
    items = list(RestConnector(src, STATIONS).pull(since, until))
    return [i for i in items if isinstance(i, Reading)], [i.reason for i in items if isinstance(i, Rejected)]


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 22, hour, minute, tzinfo=UTC)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------- mapping
def test_long_layout_with_dotted_paths_and_station_codes(api: Api) -> None:
    api.scenario.wrap = "data.items"
    api.scenario.records = [
        {"unit": {"code": "KAJ"}, "measure": "jonossa", "at": "2026-11-22T09:30:00+00:00", "m": {"n": 7}},
        {"unit": {"code": "sotkamo"}, "measure": "vanhin", "at": "22.11.2026 11.45", "m": {"n": "12,5"}},
        {"unit": {"code": "KAJ"}, "measure": "debug", "at": "2026-11-22T09:30:00Z", "m": {"n": 1}},
    ]
    src = source(api.url, records="data.items", mapping={
        "station": "unit.code", "metric": "measure", "time": "at", "value": "m.n",
        "stations": {"KAJ": "kajaani"},
        "metrics": {"jonossa": "queue_waiting", "vanhin": "queue_oldest_wait_min", "debug": "ignore"}})
    readings, rejected = pull(src)
    assert rejected == []
    assert readings == [Reading("kajaani", "queue_waiting", at(9, 30), 7.0),
                        Reading("sotkamo", "queue_oldest_wait_min", at(9, 45), 12.5)]  # 11.45 Helsinki = 9.45 UTC


def test_wide_layout(api: Api) -> None:
    api.scenario.records = [{"asema": "kajaani", "aika": "2026-11-22T09:00:00+00:00", "jonossa": 4, "hoidettu": "31",
                             "tyhja": None}]
    src = source(api.url, mapping={"layout": "wide", "station": "asema", "time": "aika",
                                   "metrics": {"jonossa": "queue_waiting", "hoidettu": "queue_handled_today",
                                               "tyhja": "contacts_chat_today"}})
    readings, rejected = pull(src)
    assert rejected == []
    assert sorted(readings, key=lambda r: r.metric) == [Reading("kajaani", "queue_handled_today", at(9, 0), 31.0),
                                                        Reading("kajaani", "queue_waiting", at(9, 0), 4.0)]


def test_finnish_decimal_comma_in_a_string(api: Api) -> None:
    api.scenario.records = [record(metric="queue_oldest_wait_min", value="12,5")]
    readings, _ = pull(source(api.url))
    assert [r.value for r in readings] == [12.5]


def test_unknown_station_is_rejected_with_its_name_and_the_rest_still_read(api: Api) -> None:
    api.scenario.records = [record(station="KUHMO"), record(station="sotkamo"), "not an object"]
    readings, rejected = pull(source(api.url))
    assert [r.station for r in readings] == ["sotkamo"]
    assert len(rejected) == 2
    assert "unknown station 'KUHMO'" in rejected[0] and "mapping.stations" in rejected[0]
    assert rejected[1] == "a record is not a JSON object"


def test_identity_code_anywhere_rejects_the_record_without_quoting_it(api: Api) -> None:
    api.scenario.records = [record(note=f"soita {HETU_CODE}"), record(extra={"deep": [HETU_CODE]}), record(value=3)]
    readings, rejected = pull(source(api.url))
    assert [r.value for r in readings] == [3.0]
    assert len(rejected) == 2
    for reason in rejected:
        assert "identity code" in reason
        assert HETU_CODE not in reason and "131052" not in reason


def test_a_field_named_nimi_is_not_read_and_one_named_hetu_rejects_the_record(api: Api) -> None:
    """As a file's columns (a9a5ce2): an unmapped name field is never read, so it does not refuse the record (a
    vendor's API cannot be reshaped); a field named for an identity code does. A push sender is still refused
    for either (tests/test_privacy_fields.py)."""
    api.scenario.records = [record(at=minute(0), value=1, nimi="Matti Meikäläinen"),
                            record(at=minute(1), value=2, hetu=""), record(at=minute(2), value=3)]
    readings, rejected = pull(source(api.url))
    assert [r.value for r in readings] == [1.0, 3.0]
    assert len(rejected) == 1 and "'hetu'" in rejected[0]
    assert not any("Matti" in r for r in rejected) and all("Matti" not in str(r) for r in readings)


# ---------------------------------------------------------------------- what goes over the wire
def test_since_and_until_reach_the_server_as_iso_times_with_headers_and_url_query(api: Api) -> None:
    api.scenario.records = [record()]
    src = source(f"{api.url}?format=json", params={"alku": "{since}", "loppu": "{until}", "q": "aika>={since}"},
                 headers={"X-Tenant": "kainuu"})
    pull(src, since=datetime(2026, 11, 22, 8, 0, 0, 400_000, tzinfo=UTC), until=UNTIL)
    [seen] = api.scenario.requests
    assert seen.query == {"format": ["json"], "alku": ["2026-11-22T08:00:00+00:00"],
                          "loppu": ["2026-11-22T10:00:00+00:00"], "q": ["aika>=2026-11-22T08:00:00+00:00"]}
    assert seen.headers["x-tenant"] == "kainuu"
    assert seen.headers["accept"] == "application/json"


def test_without_a_bookmark_the_window_starts_backfill_days_back(api: Api) -> None:
    api.scenario.records = [record()]
    readings, _ = pull(source(api.url, backfill_days=3), since=None)
    assert len(readings) == 1
    assert api.scenario.requests[0].query["since"] == ["2026-11-19T10:00:00+00:00"]


@pytest.mark.parametrize(("server_auth", "auth"), [
    (("bearer", TOKEN), {"type": "bearer", "token": TOKEN}),
    (("basic", "board", "pässwörd"), {"type": "basic", "username": "board", "password": "pässwörd"}),
    (("header", "X-API-Key", TOKEN), {"type": "api_key", "value": TOKEN}),
    (("header", "Ocp-Apim-Subscription-Key", TOKEN),
     {"type": "api_key", "value": TOKEN, "header": "Ocp-Apim-Subscription-Key"}),
    (("query", "apikey", TOKEN), {"type": "api_key", "value": TOKEN, "query_param": "apikey"}),
], ids=["bearer", "basic", "api_key-header", "api_key-custom-header", "api_key-query"])
def test_credentials_are_accepted_by_a_server_that_checks_them(api: Api, server_auth: tuple[str, ...],
                                                               auth: dict[str, str]) -> None:
    api.scenario.auth = server_auth
    api.scenario.records = [record()]
    readings, rejected = pull(source(api.url, auth=auth))
    assert (len(readings), rejected) == (1, [])
    if server_auth[0] == "query":
        assert "x-api-key" not in api.scenario.requests[0].headers  # the key goes in one place only


@pytest.mark.parametrize("auth", [{"type": "bearer", "token": "wrong-token-987654"},
                                  {"type": "api_key", "value": "wrong-token-987654", "query_param": "apikey"}],
                         ids=["bearer", "api_key-query"])
def test_refused_credentials_are_a_configuration_error_without_the_secret(api: Api, auth: dict[str, str]) -> None:
    api.scenario.auth = ("bearer", TOKEN)
    with pytest.raises(ConfigurationError) as e:
        pull(source(api.url, auth=auth))
    message = str(e.value)
    assert f"the API at {api.url} refused the credentials (HTTP 401)" in message
    assert "check auth in sources.yaml" in message
    assert "wrong-token-987654" not in message and "apikey" not in message


def test_credentials_wanted_but_none_configured(api: Api) -> None:
    api.scenario.auth = ("bearer", TOKEN)
    with pytest.raises(ConfigurationError, match=r"wants credentials \(HTTP 401\): add auth"):
        pull(source(api.url))


def test_not_found_is_a_configuration_error(api: Api) -> None:
    api.scenario.status = 404
    with pytest.raises(ConfigurationError, match=r"not found \(HTTP 404\): check url"):
        pull(source(api.url))


def test_other_4xx_shows_a_short_redacted_excerpt_of_the_body(api: Api) -> None:
    api.scenario.status = 400
    api.scenario.status_body = f"Bad request: parameter 'alku' is not a date (key {TOKEN}) " + "x" * 500
    with pytest.raises(ConfigurationError) as e:
        pull(source(api.url, auth={"type": "api_key", "value": TOKEN}))
    message = str(e.value)
    assert "HTTP 400: Bad request: parameter 'alku' is not a date (key ***)" in message
    assert TOKEN not in message
    assert len(message) < 400


@pytest.mark.parametrize("status", [500, 503, 429, 408])
def test_server_errors_and_throttling_are_transient(api: Api, status: int) -> None:
    api.scenario.status = status
    with pytest.raises(TransientError, match=rf"the API at {api.url} answered HTTP {status}; will retry"):
        pull(source(api.url))


def test_a_slow_server_is_transient(api: Api) -> None:
    api.scenario.delay = 3.0
    started = time.monotonic()
    with pytest.raises(TransientError, match=r"no answer from 127\.0\.0\.1:\d+ within 0\.3 s"):
        pull(source(api.url, timeout_seconds=0.3))
    assert time.monotonic() - started < 2.5  # well before the server's answer (a loaded machine adds ~0.5 s)


def test_connection_refused_is_transient() -> None:
    port = closed_port()
    with pytest.raises(TransientError, match=rf"cannot connect to 127\.0\.0\.1:{port} \(connection refused"):
        pull(source(f"http://127.0.0.1:{port}/api"))


def test_a_dropped_connection_is_transient(api: Api) -> None:
    api.scenario.drop = True
    with pytest.raises(TransientError, match=r"connection to 127\.0\.0\.1:\d+ failed \(RemoteProtocolError: .*retry"):
        pull(source(api.url))


def test_a_body_that_is_not_json_is_a_data_error(api: Api) -> None:
    api.scenario.raw, api.scenario.content_type = b"<html><body>Kirjaudu sisaan</body></html>", "text/html"
    with pytest.raises(DataError, match=r"not JSON \(content type text/html\)"):
        pull(source(api.url))


def test_records_path_missing_names_the_path_and_the_keys_the_body_has(api: Api) -> None:
    api.scenario.wrap = "results"
    api.scenario.records = [record()]
    with pytest.raises(DataError) as e:
        pull(source(api.url, records="data.items"))
    assert "no 'data.items'" in str(e.value) and "'results'" in str(e.value)


def test_a_body_that_is_an_object_when_a_list_is_expected(api: Api) -> None:
    api.scenario.wrap = "items"
    with pytest.raises(DataError, match=r"is a JSON object with keys 'items', not a list of records"):
        pull(source(api.url))


# ---------------------------------------------------------------------- pagination
def test_next_link_in_the_body_with_the_api_key_kept_in_the_query(api: Api) -> None:
    s = api.scenario
    s.paging, s.wrap, s.page_size = "body", "data", 2
    s.auth = ("query", "apikey", TOKEN)
    s.records = [record(value=v, at=minute(v)) for v in range(5)]
    src = source(api.url, records="data", pagination={"type": "next_link", "path": "meta.next"},
                 auth={"type": "api_key", "value": TOKEN, "query_param": "apikey"})
    readings, _ = pull(src)
    assert [r.value for r in readings] == [0, 1, 2, 3, 4]
    assert [q.query.get("cursor") for q in s.requests] == [None, ["2"], ["4"]]
    assert "since" in s.requests[0].query
    assert all("since" not in q.query for q in s.requests[1:])  # the link carries its own query
    assert all(q.query["apikey"] == [TOKEN] for q in s.requests)


def test_next_link_in_the_link_header(api: Api) -> None:
    s = api.scenario
    s.paging, s.page_size = "link", 2
    s.records = [record(value=v, at=minute(v)) for v in range(4)]
    readings, _ = pull(source(api.url, pagination={"type": "next_link"}))
    assert [r.value for r in readings] == [0, 1, 2, 3]
    assert len(s.requests) == 2


def test_page_numbers_stop_on_a_short_page(api: Api) -> None:
    s = api.scenario
    s.paging = "page"
    s.records = [record(value=v, at=minute(v)) for v in range(5)]
    src = source(api.url, pagination={"type": "page", "param": "page", "start": 1, "size_param": "per_page",
                                      "size": 2})
    readings, _ = pull(src)
    assert [r.value for r in readings] == [0, 1, 2, 3, 4]
    assert [(q.query["page"], q.query["per_page"]) for q in s.requests] == [(["1"], ["2"]), (["2"], ["2"]),
                                                                            (["3"], ["2"])]
    assert all(q.query["since"] == ["2026-11-22T09:00:00+00:00"] for q in s.requests)


def test_page_numbers_stop_on_an_empty_page(api: Api) -> None:
    s = api.scenario
    s.paging = "page"
    s.records = [record(value=v, at=minute(v)) for v in range(4)]
    readings, _ = pull(source(api.url, pagination={"type": "page", "size_param": "per_page", "size": 2}))
    assert len(readings) == 4
    assert len(s.requests) == 3


def test_a_server_ignoring_the_page_parameter_is_a_data_error(api: Api) -> None:
    s = api.scenario
    s.paging = "ignore_page"
    s.records = [record(value=v, at=minute(v)) for v in range(4)]
    with pytest.raises(DataError, match=r"ignore the parameter 'page'"):
        pull(source(api.url, pagination={"type": "page", "size": 2}))
    assert len(s.requests) == 2


def test_a_looping_next_link_is_a_data_error(api: Api) -> None:
    s = api.scenario
    s.paging, s.wrap = "loop", "data"
    s.records = [record(value=v, at=minute(v)) for v in range(4)]
    with pytest.raises(DataError, match=r"pagination loops"):
        pull(source(api.url, records="data", pagination={"type": "next_link", "path": "meta.next"}))
    assert len(s.requests) == 2


def test_more_pages_than_max_pages_is_a_data_error(api: Api) -> None:
    s = api.scenario
    s.paging, s.wrap, s.page_size = "body", "data", 1
    s.records = [record(value=v, at=minute(v)) for v in range(10)]
    with pytest.raises(DataError, match=r"more than 3 pages.*raise max_pages.*narrow the window"):
        pull(source(api.url, records="data", max_pages=3, pagination={"type": "next_link", "path": "meta.next"}))
    assert len(s.requests) == 3


def test_a_next_link_to_another_host_is_not_followed(api: Api) -> None:
    with serve() as other:
        s = api.scenario
        s.paging, s.wrap, s.page_size = "body", "data", 1
        s.next_base = other.base.replace("127.0.0.1", "localhost")
        s.records = [record(value=v, at=minute(v)) for v in range(3)]
        src = source(api.url, records="data", pagination={"type": "next_link", "path": "meta.next"},
                     auth={"type": "api_key", "value": TOKEN})
        with pytest.raises(ConfigurationError, match=r"another host \(localhost:\d+\)"):
            pull(src)
        assert other.scenario.requests == []


def test_a_next_link_to_another_port_on_the_same_host_is_not_followed(api: Api) -> None:
    """Issue 19, item 10: the same host on another port is another service; it got the credentials before."""
    with serve() as other:
        s = api.scenario
        s.paging, s.wrap, s.page_size = "body", "data", 1
        s.next_base = other.base
        s.records = [record(value=v, at=minute(v)) for v in range(3)]
        src = source(api.url, records="data", pagination={"type": "next_link", "path": "meta.next"},
                     auth={"type": "api_key", "value": TOKEN})
        with pytest.raises(ConfigurationError, match=r"another port \(127\.0\.0\.1:\d+\)"):
            pull(src)
        assert other.scenario.requests == []
        code, _, finnish = _refusal(src)  # and on a Finnish /sources page, in Finnish
        assert code == "redirect_port" and "ohjasi toiseen porttiin (127.0.0.1:" in finnish


# ---------------------------------------------------------------------- TLS
@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def test_an_untrusted_certificate_is_a_configuration_error_unless_verify_tls_is_off(
        self_signed: tuple[Path, Path]) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    with serve(tls=context) as tls_api:
        tls_api.scenario.records = [record()]
        with pytest.raises(ConfigurationError, match=r"TLS certificate of 127\.0\.0\.1:\d+ is not trusted"):
            pull(source(tls_api.url))
        readings, _ = pull(source(tls_api.url, verify_tls=False))
        assert len(readings) == 1


# ---------------------------------------------------------------------- in the page's language
def _refusal(src: RestSource) -> tuple[str, str, str]:
    """(code, English, Finnish) of the error a pull of ``src`` raises."""
    from board.domain.reasons import Reason, reason_of
    from board.web.reasons import reason_text

    with pytest.raises((ConfigurationError, DataError)) as e:
        pull(src)
    reason = reason_of(e.value)
    assert isinstance(reason, Reason), repr(reason)  # a code, not a bare English sentence
    return reason.code, str(reason), reason_text(reason, "fi")


def test_rare_refusals_have_a_code_and_read_in_finnish_on_the_sources_page(
        api: Api, self_signed: tuple[Path, Path]) -> None:
    """TLS, paging and the answer's JSON shape were English sentences on a Finnish /sources page."""
    s = api.scenario
    s.wrap = "items"
    code, english, finnish = _refusal(source(api.url))
    assert code == "json_not_list_keys" and "is a JSON object with keys 'items', not a list" in english
    assert "on JSON-olio (avaimet 'items') eikä tietueiden lista" in finnish
    code, english, finnish = _refusal(source(api.url, records="data.items"))
    assert code == "json_no_records" and "no 'data.items'" in english
    assert "ei ole kohtaa 'data.items'; siinä on avaimet 'items'" in finnish
    s.paging, s.wrap, s.page_size = "body", "data", 1
    s.records = [record(value=v, at=minute(v)) for v in range(10)]
    code, _, finnish = _refusal(source(api.url, records="data", max_pages=3,
                                       pagination={"type": "next_link", "path": "meta.next"}))
    assert code == "too_many_pages" and finnish.startswith("yli 3 sivua yhdessä haussa: nosta max_pages")
    s.paging = "loop"
    code, _, finnish = _refusal(source(api.url, records="data", pagination={"type": "next_link", "path": "meta.next"}))
    assert code == "pages_loop" and finnish.startswith("sivutus kiertää kehää")
    s.paging, s.wrap = None, None
    s.raw, s.content_type = b"<html><body>Kirjaudu sisaan</body></html>", "text/html"
    code, _, finnish = _refusal(source(api.url))
    assert code == "not_json" and "muulla kuin JSONilla (sisältötyyppi text/html)" in finnish
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    with serve(tls=context) as tls_api:
        tls_api.scenario.records = [record()]
        code, english, finnish = _refusal(source(tls_api.url))
    assert code == "tls_untrusted" and "TLS certificate of 127.0.0.1" in english
    assert finnish.startswith("palvelimen 127.0.0.1:") and "TLS-varmennetta ei luoteta" in finnish


# ---------------------------------------------------------------------- check()
def test_check_ok_names_an_example_reading(api: Api) -> None:
    api.scenario.records = [record(), record(station="sotkamo")]
    result = RestConnector(source(api.url), STATIONS).check(UNTIL)
    assert (result.ok, result.kind) == (True, "ok")
    assert result.message == "reachable; 2 records on the first page, e.g. kajaani queue_waiting 7 at 22.11.2026 11.30"
    assert api.scenario.requests[0].query["since"] == ["2026-11-21T10:00:00+00:00"]


def test_check_reads_only_the_first_page(api: Api) -> None:
    s = api.scenario
    s.paging, s.page_size = "link", 1
    s.records = [record(value=v, at=minute(v)) for v in range(3)]
    result = RestConnector(source(api.url, pagination={"type": "next_link"}), STATIONS).check(UNTIL)
    assert result.ok and "1 record on the first page" in result.message
    assert len(s.requests) == 1


def test_check_with_no_records(api: Api) -> None:
    result = RestConnector(source(api.url), STATIONS).check(UNTIL)
    assert result == type(result)(True, "ok", "reachable, but no records in the last 24 hours")


def test_check_reports_records_it_cannot_map(api: Api) -> None:
    api.scenario.records = [record(), record(station="X")]
    result = RestConnector(source(api.url), STATIONS).check(UNTIL)
    assert (result.ok, result.kind) == (False, "data")
    assert "1 of 2 records on the first page cannot be used" in result.message
    assert "unknown station 'X' (add it to mapping.stations" in result.message


def test_check_reports_refused_credentials_without_the_secret(api: Api) -> None:
    api.scenario.auth = ("bearer", TOKEN)
    result = RestConnector(source(api.url, auth={"type": "bearer", "token": "wrong-token-987654"}), STATIONS).check(
        UNTIL)
    assert (result.ok, result.kind) == (False, "configuration")
    assert "refused the credentials (HTTP 401)" in result.message and "wrong-token-987654" not in result.message


def test_check_reports_an_unreachable_server_as_transient() -> None:
    result = RestConnector(source(f"http://127.0.0.1:{closed_port()}/api"), STATIONS).check(UNTIL)
    assert (result.ok, result.kind) == (False, "transient")
    assert "cannot connect" in result.message


def test_check_reports_a_wrong_records_path_as_data(api: Api) -> None:
    api.scenario.wrap = "rows"
    result = RestConnector(source(api.url, records="items"), STATIONS).check(UNTIL)
    assert (result.ok, result.kind) == (False, "data")
    assert "no 'items'" in result.message and "'rows'" in result.message


def test_check_never_raises_even_for_a_naive_time(api: Api) -> None:
    result = RestConnector(source(api.url), STATIONS).check(datetime(2026, 11, 22, 10, 0))
    assert (result.ok, result.kind) == (False, "error")
    assert result.message.startswith("ValueError: naive datetime")
