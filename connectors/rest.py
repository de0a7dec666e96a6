"""The REST connector: JSON records from an HTTP API.

One pull is one or more GET requests for the window ``[since, until]``:
``{since}`` and ``{until}`` in the configured query parameters become ISO
8601 UTC times, the list of records is taken from the body at ``records``,
and each record goes through the shared :class:`~connectors.mapping.RecordMapper`.
Pages are followed by a next link (in the body or the ``Link`` header) or by
a page number, up to ``max_pages``.

Errors are sorted into the collector's three kinds so it knows what to do:
refused credentials or a wrong address are configuration errors (not
retried), timeouts, 429 and 5xx are transient (retried), and a body that is
not what the mapping expects is a data error. Messages are written for an
administrator and never contain a secret: URLs are shown without query
string or user info, and every configured secret value is masked from
anything the server echoes back.

Credentials are only ever sent to the configured host: a redirect or next
link pointing at another host (or from https down to http) is refused, because
httpx keeps custom headers such as ``X-API-Key`` across such redirects.
"""

from __future__ import annotations

import itertools
import json
import ssl
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import quote_plus

import certifi
import httpx

from board.domain.privacy import HETU
from board.domain.reading import ONE_ROW, Ignored, PullItem, Reading, Rejected
from board.domain.reasons import Reason, reason_of
from board.domain.timeutil import UTC, ensure_utc
from board.formatting import fmt_clock, fmt_date
from board.secrets import MASK, redact
from board.source_settings import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    CursorPagination,
    NextLinkPagination,
    OffsetPagination,
    PagePagination,
    RestSource,
)
from connectors import deadline
from connectors.base import NOTHING_TO_STORE, CheckResult
from connectors.bounded_http import BoundedTransport, TooLarge, read_body
from connectors.errors import ConfigurationError, ConnectorError, DataError, TransientError
from connectors.items import describe, mapper_for
from connectors.mapping import (
    RecordError,
    RecordIgnored,
    RecordMapper,
    _keys,
    get_path,
    personal_columns,
    quote,
    quote_names,
)
from connectors.repeats import RepeatGuard

MAX_EXCERPT = 200
#: Of an error answer (4xx/5xx), only this much is read: enough for its excerpt in the message.
ERROR_BODY_BYTES = 64 * 1024
MAX_KEYS = 12
#: Secrets shorter than this are not masked (they would mask ordinary words); same rule as board.secrets.
MIN_SECRET = 4
CHECK_WINDOW = timedelta(days=1)


class RestConnector:
    """Reads readings from one configured HTTP JSON API; keeps nothing between pulls but its settings."""

    def __init__(self, source: RestSource, stations: list[str] | Mapping[str, Sequence[str]]) -> None:
        self.name = source.name
        self.source = source
        #: The codes, or code -> (name, municipality) so that names as people write them match too.
        self.stations = stations if isinstance(stations, Mapping) else list(stations)
        self._home = httpx.URL(source.url)

    # ------------------------------------------------------------------ contract
    def pull(self, since: datetime | None, until: datetime) -> Iterator[PullItem]:
        """Readings in ``[since, until]``; ``since=None`` reads back ``backfill_days``."""
        until = ensure_utc(until)
        since = until - timedelta(days=self.source.backfill_days) if since is None else ensure_utc(since)
        if since > until:
            return
        mapper = mapper_for(self.source, self.stations, until, what="field")
        number = 0
        guard = RepeatGuard(lambda n: f"record {n}", source=self.name)  # one value per key and pull, across pages
        with self._client() as client:
            for records in self._pages(client, since, until):
                _require_fields(mapper, records)
                for record in records:
                    number += 1
                    mapped = list(map_record(mapper, record, f"record {number}"))
                    if mapped and not isinstance(mapped[0], Rejected | Ignored):
                        mapped = guard.row(mapped, number)
                    yield from mapped
                    yield ONE_ROW  # the run ledger: each record ends as readings, one Rejected or one Ignored

    def check(self, until: datetime) -> CheckResult:
        """Reads the first page of the last day and says what an administrator needs to know. Never raises."""
        try:
            return self._check(ensure_utc(until))
        except ConnectorError as e:
            return CheckResult(False, e.kind, self._scrub(str(e)))
        except Exception as e:  # check() must report, not raise, whatever goes wrong
            return CheckResult(False, "error", self._scrub(f"{type(e).__name__}: {e}"))

    def _check(self, until: datetime) -> CheckResult:
        mapper = mapper_for(self.source, self.stations, until, what="field")
        with self._client() as client:
            pages = self._pages(client, until - CHECK_WINDOW, until)
            try:
                records = next(pages, [])
            finally:
                pages.close()
        if not records:
            return CheckResult(True, "ok", "reachable, but no records in the last 24 hours")
        _require_fields(mapper, records)  # as a pull does: a field missing from every record fails, not ignored
        results = [item for record in records for item in map_record(mapper, record)]
        rejected = [r for r in results if isinstance(r, Rejected)]
        # A record the collector ignores with a reason (a feedback answer with an empty score) is said so, as the
        # run says it; it is neither a failure nor an example of what is counted.
        ignored = [r for r in results if isinstance(r, Ignored)]
        readings = [r for r in results if not isinstance(r, Rejected | Ignored)]
        count = _plural(len(records), "record")
        if rejected:
            return CheckResult(False, "data", f"reachable, but {len(rejected)} of {count} on the first page cannot "
                                              f"be used; first: {rejected[0].reason}")
        also = f"; {len(ignored)} ignored, not counted (first: {ignored[0].reason})" if ignored else ""
        unread = personal_columns(sorted({k for r in records if isinstance(r, Mapping) for k in _keys(r)}),
                                  mapper.mapped_fields())
        if unread:  # as a files check names the columns it leaves out
            also += f"; not read (may hold names or contact details): {quote_names(unread)}"
        if not readings:
            what = "all ignored" if ignored else "all mapped to ignored metrics"
            return CheckResult(True, "ok", f"reachable; {count} on the first page, {what}{also}")
        r = readings[0]
        if not isinstance(r, Reading):
            return CheckResult(True, "ok", f"reachable; {count} on the first page, e.g. {describe(r)}{also}")
        return CheckResult(True, "ok", f"reachable; {count} on the first page, e.g. {r.station} {r.metric} "
                                       f"{r.value:g} at {fmt_date(r.ts)} {fmt_clock(r.ts)}{also}")

    # ------------------------------------------------------------------ pages
    def _pages(self, client: httpx.Client, since: datetime, until: datetime) -> Iterator[list[Any]]:
        """The records list of each page, in order."""
        params = self._params(since, until)
        pagination = self.source.pagination
        if isinstance(pagination, NextLinkPagination):
            yield from self._linked_pages(client, params, pagination)
        elif isinstance(pagination, PagePagination | OffsetPagination):
            yield from self._numbered_pages(client, params, pagination)
        elif isinstance(pagination, CursorPagination):
            yield from self._cursor_pages(client, params, pagination)
        else:
            url = self._url(params)
            yield self._records(self._fetch(client, url)[1], url)

    def _linked_pages(self, client: httpx.Client, params: dict[str, str],
                      pagination: NextLinkPagination) -> Iterator[list[Any]]:
        """Follows next links; the link carries the query, so ``params`` go on the first request only."""
        url = self._url(params)
        seen: set[str] = set()
        for number in itertools.count(1):
            seen.add(str(url))
            response, body = self._fetch(client, url)
            yield self._records(body, url)
            following = self._next_link(response, body, pagination)
            if following is None:
                return
            url = self._with_auth_query(following)
            if str(url) in seen:
                raise DataError(Reason("pages_loop", f"pagination loops: the next link from {_where(response.url)} "
                                       f"leads back to a page already read ({_where(url)}); check pagination in "
                                       "sources.yaml", where=_where(response.url), link=_where(url)))
            if number >= self.source.max_pages:
                raise self._too_many_pages()

    def _numbered_pages(self, client: httpx.Client, params: dict[str, str],
                        pagination: PagePagination | OffsetPagination) -> Iterator[list[Any]]:
        """Asks for page start, start+1, … (offset start, start+size, …) until a page has fewer than ``size`` records.

        Without ``size_param`` the server chooses the page size, so ``size``
        must equal it or the pull stops after the first page. An offset-paged
        list that gains an item between two requests repeats the previous
        page's last record on the next page: the pull's repeat guard (readings)
        or the item's key (items) takes it once.
        """
        step = pagination.size if isinstance(pagination, OffsetPagination) else 1
        previous: list[Any] | None = None
        for index in itertools.count():
            if index >= self.source.max_pages:
                raise self._too_many_pages()
            page_params = {**params, pagination.param: str(pagination.start + index * step)}
            if pagination.size_param:
                page_params[pagination.size_param] = str(pagination.size)
            url = self._url(page_params)
            records = self._records(self._fetch(client, url)[1], url)
            if records and records == previous:
                second = index + 1 if step > 1 else pagination.start + index  # an offset's pages counted from 1
                raise DataError(Reason("pages_repeat", f"the API at {_where(url)} answered the same records for "
                                       f"page {second - 1} and {second}: it seems to ignore the parameter "
                                       f"{pagination.param!r}; check pagination in sources.yaml", where=_where(url),
                                       first=second - 1, second=second, param=repr(pagination.param)))
            yield records
            if len(records) < pagination.size:
                return
            previous = records

    def _cursor_pages(self, client: httpx.Client, params: dict[str, str],
                      pagination: CursorPagination) -> Iterator[list[Any]]:
        """Sends each page's cursor back (with the window's ``params``) until the body holds none."""
        seen: set[str] = set()
        page_params = dict(params)
        for number in itertools.count(1):
            url = self._url(page_params)
            body = self._fetch(client, url)[1]
            yield self._records(body, url)
            try:
                cursor = get_path(body, pagination.path) if isinstance(body, Mapping) else None
            except KeyError:
                cursor = None
            if cursor is None or isinstance(cursor, bool) or not str(cursor).strip():
                return
            if not isinstance(cursor, str | int):
                raise DataError(Reason("cursor_not_text", f"{pagination.path!r} in the answer from {_where(url)} is "
                                       f"a JSON {_json_kind(cursor)}, not a cursor: check pagination in sources.yaml",
                                       path=repr(pagination.path), where=_where(url), kind=_json_kind(cursor)))
            cursor = str(cursor)
            if cursor in seen:
                raise DataError(Reason("cursor_loop", f"pagination loops: the API at {_where(url)} gave a cursor "
                                       "it had given before; check pagination in sources.yaml", where=_where(url)))
            seen.add(cursor)
            if number >= self.source.max_pages:
                raise self._too_many_pages()
            page_params = {**params, pagination.param: cursor}

    def _too_many_pages(self) -> DataError:
        return DataError(Reason("too_many_pages", f"more than {self.source.max_pages} pages for one pull: raise "
                                "max_pages in sources.yaml, or narrow the window (a smaller backfill_days)",
                                max=self.source.max_pages))

    def _next_link(self, response: httpx.Response, body: Any, pagination: NextLinkPagination) -> httpx.URL | None:
        """The next page's URL, resolved against this page's; None on the last page."""
        if pagination.path is None:
            raw: Any = response.links.get("next", {}).get("url")
            where = "the Link header"
        else:
            where = f"{pagination.path!r}"
            try:
                raw = get_path(body, pagination.path) if isinstance(body, Mapping) else None
            except KeyError:
                raw = None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if pagination.path is None:
            where = Reason("link_header", where)
        if not isinstance(raw, str):
            raise DataError(Reason("next_link_not_url", f"the next link at {where} in the answer from "
                                   f"{_where(response.url)} is a JSON {_json_kind(raw)}, not a URL; check "
                                   "pagination.path in sources.yaml", at=where, where=_where(response.url),
                                   kind=_json_kind(raw)))
        try:
            url = response.url.join(raw.strip())
        except httpx.InvalidURL:
            raise DataError(Reason("next_link_invalid", f"the next link at {where} in the answer from "
                                   f"{_where(response.url)} is not a valid URL", at=where,
                                   where=_where(response.url))) from None
        if url.scheme not in ("http", "https"):
            raise DataError(Reason("next_link_scheme", f"the next link at {where} in the answer from "
                                   f"{_where(response.url)} is not an http(s) URL (scheme {url.scheme!r})", at=where,
                                   where=_where(response.url), scheme=repr(url.scheme)))
        return url

    def _records(self, body: Any, url: httpx.URL) -> list[Any]:
        """The list of records in one page's body, or a DataError saying what the body holds instead."""
        path = self.source.records
        if not path:
            if isinstance(body, list):
                return body
            raise DataError(_shape("json_not_list", f"the answer from {_where(url)} is a JSON {_json_kind(body)}"
                                   f"{_keys_of(body)}, not a list of records: set records in sources.yaml to the "
                                   "path of the list", body, where=_where(url), kind=_json_kind(body)))
        if not isinstance(body, Mapping):
            raise DataError(Reason("json_not_object", f"the answer from {_where(url)} is a JSON {_json_kind(body)}, "
                                   f"not an object holding {path!r}: check records in sources.yaml", where=_where(url),
                                   kind=_json_kind(body), path=repr(path)))
        try:
            found = get_path(body, path)
        except KeyError:
            raise DataError(Reason("json_no_records", f"no {path!r} in the answer from {_where(url)}; the body has "
                                   f"keys {_keys_of(body, bare=True)}: check records in sources.yaml",
                                   path=repr(path), where=_where(url), keys=_keys_of(body, bare=True))) from None
        if not isinstance(found, list):
            raise DataError(_shape("json_records_not_list", f"{path!r} in the answer from {_where(url)} is a JSON "
                                   f"{_json_kind(found)}{_keys_of(found)}, not a list of records: check records in "
                                   "sources.yaml", found, path=repr(path), where=_where(url), kind=_json_kind(found)))
        return found

    # ------------------------------------------------------------------ requests
    def _params(self, since: datetime, until: datetime) -> dict[str, str]:
        """The configured query parameters with ``{since}``/``{until}`` filled in (whole seconds, widened)."""
        since_text = _iso(since.replace(microsecond=0))
        until_text = _iso(until.replace(microsecond=0) + timedelta(seconds=1) if until.microsecond else until)
        return {key: value.replace("{since}", since_text).replace("{until}", until_text)
                for key, value in self.source.params.items()}

    def _url(self, params: dict[str, str]) -> httpx.URL:
        # copy_merge_params keeps a query already in the configured url: httpx's own params= would replace it.
        return self._with_auth_query(self._home.copy_merge_params(params) if params else self._home)

    def _with_auth_query(self, url: httpx.URL) -> httpx.URL:
        auth = self.source.auth
        if isinstance(auth, ApiKeyAuth) and auth.query_param:
            return url.copy_merge_params({auth.query_param: auth.value.get_secret_value()})
        return url

    def _client(self) -> httpx.Client:
        headers = {"Accept": "application/json", "User-Agent": "ohjaustaulu"}
        headers.update({key: value.get_secret_value() for key, value in self.source.headers.items()})
        auth = self.source.auth
        basic = None
        if isinstance(auth, BearerAuth):
            headers["Authorization"] = f"Bearer {auth.token.get_secret_value()}"
        elif isinstance(auth, BasicAuth):
            basic = httpx.BasicAuth(auth.username, auth.password.get_secret_value())
        elif isinstance(auth, ApiKeyAuth) and not auth.query_param:
            headers[auth.header] = auth.value.get_secret_value()
        return httpx.Client(headers=headers, auth=basic, timeout=self.source.timeout_seconds,
                            transport=BoundedTransport(self._tls), follow_redirects=True,
                            event_hooks={"request": [self._stay_home]})

    @cached_property
    def _tls(self) -> ssl.SSLContext | bool:
        """The system's trust store plus certifi's: an organisation's own CA is usually installed in the former.

        (httpx alone would trust certifi's bundle only.) Built once per connector: loading the stores
        costs tens of milliseconds, and the context holds settings only, nothing from a pull.
        """
        if not self.source.verify_tls:
            return False
        context = ssl.create_default_context()
        context.load_verify_locations(certifi.where())
        return context

    def _stay_home(self, request: httpx.Request) -> None:
        """Refuses any request (redirect or next link) that would carry the credentials to another host."""
        url, home = request.url, self._home
        if url.host.lower() != home.host.lower():
            raise ConfigurationError(Reason(
                "redirect_host", f"the API at {_where(home)} sent the board on to another host ({_netloc(url)}); not "
                "following it, so that the credentials are not sent there: if that host is right, put it in url in "
                "sources.yaml", where=_where(home), host=_netloc(url)))
        # Another port on the same host is another service (another program may listen there): the same
        # port, or http's default upgraded to https's, only.
        upgrade = (home.scheme, _port(home), url.scheme, _port(url)) == ("http", 80, "https", 443)
        if _port(url) != _port(home) and not upgrade:
            raise ConfigurationError(Reason(
                "redirect_port", f"the API at {_where(home)} sent the board on to another port ({_netloc(url)}); not "
                "following it, so that the credentials are not sent there: if that port is right, put it in url in "
                "sources.yaml", where=_where(home), host=_netloc(url)))
        if home.scheme == "https" and url.scheme != "https":
            raise ConfigurationError(Reason("redirect_plain_http", f"the API at {_where(home)} sent the board on to "
                                            f"plain http ({_where(url)}); not following it, so that the credentials "
                                            "are not sent unencrypted", where=_where(home), link=_where(url)))

    def _fetch(self, client: httpx.Client, url: httpx.URL) -> tuple[httpx.Response, Any]:
        """One GET: the response and its JSON body, or the right kind of error.

        The body is read as it streams in, at most ``max_response_mb`` of it
        (a ``Content-Length`` over that is refused before reading); every
        socket operation ends by the pull's deadline (``connectors/bounded_http.py``).
        """
        limit = int(self.source.max_response_mb * 1024 * 1024)
        try:
            with client.stream("GET", url) as response:
                body = read_body(response, limit if response.status_code < 300 else ERROR_BODY_BYTES,
                                 truncate=response.status_code >= 300)
        except httpx.TimeoutException:
            if deadline.expired():
                raise deadline.current().exceeded() from None  # type: ignore[union-attr]
            raise TransientError(Reason("no_answer", f"no answer from {_netloc(url)} within "
                                        f"{self.source.timeout_seconds:g} s; will retry", host=_netloc(url),
                                        seconds=self.source.timeout_seconds)) from None
        except TooLarge as e:
            size = f"says it is {_megabytes(e.declared)}" if e.declared is not None else "went on past that"
            text = (f"the answer from {_where(url)} {size}, more than max_response_mb "
                    f"({self.source.max_response_mb:g} MB): not read further. Narrow the window "
                    "(pagination, a smaller backfill_days) or raise max_response_mb in sources.yaml")
            if e.declared is not None:
                raise DataError(Reason("answer_too_big_declared", text, where=_where(url), size=_megabytes(e.declared),
                                       max=self.source.max_response_mb)) from None
            raise DataError(Reason("answer_too_big", text, where=_where(url), max=self.source.max_response_mb)) \
                from None
        except httpx.ConnectError as e:
            raise self._connect_error(e, url) from None
        except httpx.TooManyRedirects:
            raise ConfigurationError(Reason("redirect_loop", f"the API at {_where(url)} redirects in a loop: check url "
                                            "in sources.yaml", where=_where(url))) from None
        except httpx.TransportError as e:
            detail = f"{type(e).__name__}: {self._excerpt(str(e))}"
            raise TransientError(Reason("connection_failed", f"the connection to {_netloc(url)} failed ({detail}); "
                                        "will retry", host=_netloc(url), detail=detail)) from None
        self._raise_for_status(response, body)
        try:
            return response, json.loads(body)
        except ValueError:
            content_type = response.headers.get("content-type") or "none"
            raise DataError(Reason("not_json", f"the API at {_where(response.url)} answered with something that is "
                                   f"not JSON (content type {content_type}): check url in sources.yaml",
                                   where=_where(response.url), content_type=content_type)) from None

    def _connect_error(self, error: httpx.ConnectError, url: httpx.URL) -> ConnectorError:
        """A refused connection is worth retrying; a TLS failure is not (it needs the administrator)."""
        cause = _ssl_cause(error)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return ConfigurationError(Reason(
                "tls_untrusted", f"the TLS certificate of {_netloc(url)} is not trusted ({cause.verify_message}): "
                "install the organisation's CA certificate in the system's trust store, or for a test system set "
                "verify_tls: false in sources.yaml", host=_netloc(url), detail=str(cause.verify_message)))
        if cause is not None:
            detail = str(cause.reason or type(cause).__name__)
            return ConfigurationError(Reason(
                "tls_failed", f"TLS with {_netloc(url)} failed ({detail}): check that url uses the scheme the server "
                "speaks (http:// or https://)", host=_netloc(url), detail=detail))
        port = url.port or (443 if url.scheme == "https" else 80)
        return TransientError(Reason("cannot_connect", f"cannot connect to {_host(url)}:{port} (connection refused "
                                     "or host unreachable); will retry", host=f"{_host(url)}:{port}"))

    def _raise_for_status(self, response: httpx.Response, body: bytes) -> None:
        status, where = response.status_code, _where(response.url)
        if status < 300:
            return
        if status in (401, 403):
            if self.source.auth is None:
                raise ConfigurationError(Reason("http_wants_credentials", f"the API at {where} wants credentials "
                                                f"(HTTP {status}): add auth to this source in sources.yaml",
                                                where=where, status=status))
            raise ConfigurationError(Reason("http_credentials_refused", f"the API at {where} refused the credentials "
                                            f"(HTTP {status}): check auth in sources.yaml and the secret it refers to",
                                            where=where, status=status))
        if status == 404:
            raise ConfigurationError(Reason("http_not_found", f"the API at {where} was not found (HTTP 404): check url "
                                            "in sources.yaml", where=where))
        if status in (408, 429) or status >= 500:
            wait = _retry_after(response.headers.get("retry-after"))
            if wait is None:
                raise TransientError(Reason("http_retry", f"the API at {where} answered HTTP {status}; will retry",
                                            where=where, status=status))
            error = TransientError(Reason("http_retry_after", f"the API at {where} answered HTTP {status} and asks "
                                          f"to wait {wait:g} s (Retry-After); will retry", where=where, status=status,
                                          seconds=f"{wait:g}"))
            error.retry_after = wait
            raise error
        if status < 400:
            raise ConfigurationError(Reason("http_redirect_nowhere", f"the API at {where} answered HTTP {status}, a "
                                            "redirect without a place to go: check url in sources.yaml", where=where,
                                            status=status))
        excerpt = self._excerpt(body.decode(response.encoding or "utf-8", errors="replace"))
        text = f"the API at {where} answered HTTP {status}{f': {excerpt}' if excerpt else ''} (check url and params " \
               "in sources.yaml)"
        if excerpt:
            raise ConfigurationError(Reason("http_refused_said", text, where=where, status=status, said=excerpt))
        raise ConfigurationError(Reason("http_refused", text, where=where, status=status))

    # ------------------------------------------------------------------ secrets
    def _secrets(self) -> list[str]:
        """Every secret value this source holds, whether or not it came from a ``${NAME}`` reference."""
        values = [value.get_secret_value() for value in self.source.headers.values()]
        auth = self.source.auth
        if isinstance(auth, BearerAuth):
            values.append(auth.token.get_secret_value())
        elif isinstance(auth, BasicAuth):
            values.append(auth.password.get_secret_value())
        elif isinstance(auth, ApiKeyAuth):
            values.append(auth.value.get_secret_value())
        return sorted({v for v in values if len(v) >= MIN_SECRET}, key=len, reverse=True)

    def _scrub(self, text: str) -> str:
        """``text`` without this source's secrets, other known secrets, or identity codes."""
        for value in self._secrets():
            for form in {value, url_quote(value, safe=""), quote_plus(value)}:
                text = text.replace(form, MASK)
        return HETU.sub(MASK, redact(text))

    def _excerpt(self, text: str) -> str:
        """A short, single-line, secret-free piece of what a server said."""
        flat = " ".join(self._scrub(text).split())
        return flat if len(flat) <= MAX_EXCERPT else flat[: MAX_EXCERPT - 1] + "…"


# ---------------------------------------------------------------------- helpers
def map_record(mapper: RecordMapper, record: Any, where: str = "a record") -> Iterator[Reading | Rejected | Ignored]:
    """One record's readings, or one Rejected with the reason, or one Ignored when it maps to no reading."""
    if not isinstance(record, Mapping):
        yield Rejected("a record is not a JSON object")
        return
    try:
        readings = mapper.map(record)
    except RecordIgnored as e:  # deliberately nothing to count (connectors.mapping.RecordIgnored)
        yield Ignored(where, str(e))
        return
    except RecordError as e:
        yield Rejected(reason_of(e))  # a Reason stays one: /sources says it in the page's language
        return
    if not readings:
        yield Ignored(where, NOTHING_TO_STORE)
    yield from readings


def _require_fields(mapper: RecordMapper, records: list[Any]) -> None:
    """A mapped field missing from every record of a page means the API changed its fields: fail the run.

    Rejecting each record instead would let the run succeed and move the
    bookmark past them: once the fields are back (or the mapping fixed), that
    stretch would never be asked for again. Failing keeps the bookmark, so the
    next good run backfills it, as with an SQL query whose column is missing.
    """
    objects = [r for r in records if isinstance(r, Mapping)]
    if not objects:
        return
    missing = [f for f in mapper.required_fields() if not any(_has(r, f) for r in objects)]
    if missing:
        fields = sorted({str(k) for r in objects[:50] for k in r})
        raise ConfigurationError(
            f"field {', '.join(repr(f) for f in missing)} missing from all {_plural(len(objects), 'record')} of the "
            f"answer; its fields are: {', '.join(repr(f) for f in fields[:20]) or '(none)'} (the API changed its "
            "fields, or fix mapping in sources.yaml; the source's bookmark waits, so nothing is skipped)")


def _has(record: Mapping[str, Any], path: str) -> bool:
    try:
        get_path(record, path)
    except KeyError:
        return False
    return True


def _retry_after(header: str | None) -> float | None:
    """HTTP ``Retry-After`` in seconds: a number of seconds, or an HTTP date (RFC 9110); None when absent or bad."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    if text.isdigit():
        return float(min(int(text), 86400))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, min((when - datetime.now(UTC)).total_seconds(), 86400.0))


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat()


def _host(url: httpx.URL) -> str:
    return f"[{url.host}]" if ":" in url.host else url.host


def _port(url: httpx.URL) -> int:
    """The port a request really goes to (the scheme's default when the URL names none)."""
    return url.port or (443 if url.scheme == "https" else 80)


def _netloc(url: httpx.URL) -> str:
    """host[:port] (the port when it is not the scheme's default)."""
    return f"{_host(url)}:{url.port}" if url.port else _host(url)


def _where(url: httpx.URL) -> str:
    """A URL safe to show: scheme://host[:port]/path, never the query string or user info."""
    return f"{url.scheme}://{_netloc(url)}{url.path}"


def _ssl_cause(error: BaseException) -> ssl.SSLError | None:
    """The TLS error behind an httpx error, if that is what it is (httpx wraps httpcore wraps ssl)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _json_kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _shape(code: str, text: str, value: Any, **params: Any) -> Reason:
    """A reason about a JSON value's shape: ``code`` plain, or ``code_keys`` naming an object's keys."""
    if isinstance(value, Mapping):
        return Reason(f"{code}_keys", text, keys=_keys_of(value, bare=True), **params)
    return Reason(code, text, **params)


def _keys_of(value: Any, bare: bool = False) -> str:
    """The keys of a JSON object for a message (``" with keys 'a', 'b'"``); "" for anything else."""
    if not isinstance(value, Mapping):
        return ""
    keys = [quote(k) for k in list(value)[:MAX_KEYS]]
    text = (", ".join(keys) or "(none)") + (", …" if len(value) > MAX_KEYS else "")
    return text if bare else f" with keys {text}"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB".replace(",", " ")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


__all__ = ["RestConnector"]
