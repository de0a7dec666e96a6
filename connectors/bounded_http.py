"""HTTP for the REST connector, bounded in time and size whatever the server does.

* **Time.** httpx's timeouts are per operation: a server that trickles a
  byte every 0.5 s never trips a 2-s read timeout. Here every connect, TLS
  handshake, read and write of the connection is shortened to what is left
  of the pull's deadline (:mod:`connectors.deadline`), and one started after
  it has passed fails at once; so a pull ends within its deadline plus at
  most one already-running operation. This is done below httpx, in an
  httpcore *network backend* (httpcore's documented way to wrap the
  sockets), because that is the only layer that sees every read — headers
  included.
* **Size.** :func:`read_body` reads a body as it streams in and stops at a
  limit; a ``Content-Length`` over the limit is refused before anything is
  read. The limit counts decoded bytes, so a small gzip body that inflates
  to gigabytes stops at the limit as well.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from connectors import deadline


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_tcp(host, port, _left(timeout, httpcore.ConnectTimeout), local_address,
                                               socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    if deadline.expired():
        raise error("the pull's deadline has passed")
    return deadline.bounded(timeout)


class BoundedTransport(httpx.HTTPTransport):
    """httpx's own transport (its error mapping, its request handling) over a deadline-aware connection pool.

    httpx 0.28 builds its pool without a way to pass a network backend, so
    the pool is built here, with httpx's default limits, in its place.
    """

    def __init__(self, verify: ssl.SSLContext | bool) -> None:
        # Not super().__init__(): it would build a second TLS context (loading the trust stores again costs
        # tens of milliseconds a pull) and a pool only to be replaced.
        context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
        self._pool = httpcore.ConnectionPool(ssl_context=context, max_connections=limits.max_connections,
                                             max_keepalive_connections=limits.max_keepalive_connections,
                                             keepalive_expiry=limits.keepalive_expiry, network_backend=_Backend())


class TooLarge(Exception):
    """A body over the limit: ``declared`` when Content-Length said so, else the bytes read before stopping."""

    def __init__(self, limit: int, declared: int | None) -> None:
        super().__init__(limit, declared)
        self.limit = limit
        self.declared = declared


def read_body(response: httpx.Response, limit: int, truncate: bool = False) -> bytes:
    """The body of a streamed response, at most ``limit`` bytes; over it, :class:`TooLarge` (or cut, ``truncate``)."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit and not truncate:
        raise TooLarge(limit, int(declared))
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            if truncate:
                return bytes(body[:limit])
            raise TooLarge(limit, None)
    return bytes(body)
