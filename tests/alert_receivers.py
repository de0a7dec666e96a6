"""Real receivers on loopback for alert messages: an SMTP server with STARTTLS and login, an HTTP receiver.

The SMTP server is aiosmtpd with a certificate made for 127.0.0.1 by the
test (the sender trusts it through ``ca_file``, as it would an internal
relay's CA); it requires STARTTLS before AUTH and refuses a wrong login.
Both can be told to refuse for a while (SMTP 451, HTTP 503) or be stopped
and started again on the same port, for the "channel down, then back" cases.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message as MimeMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "ohjaustaulu", "smtp-salasana-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: MimeMessage

    @property
    def subject(self) -> str:
        return str(email.header.make_header(email.header.decode_header(self.message["Subject"])))

    @property
    def body(self) -> str:
        part = self.message.get_payload(decode=True)
        return part.decode(self.message.get_content_charset() or "utf-8") if isinstance(part, bytes) else ""


@dataclass
class _SmtpState:
    mails: list[Mail] = field(default_factory=list)
    refuse: int = 0  # answer this many DATA commands with 451 (try again later)
    logins: list[tuple[str, bool]] = field(default_factory=list)


class _Handler:
    def __init__(self, state: _SmtpState) -> None:
        self.state = state

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.state.refuse > 0:
            self.state.refuse -= 1
            return "451 4.3.0 Mail server temporarily busy, try again later"
        self.state.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos),
                                     email.message_from_bytes(envelope.original_content)))
        return "250 2.0.0 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1: STARTTLS required, then AUTH with :data:`USER` / :data:`PASSWORD`."""

    def __init__(self, folder: Path) -> None:
        self.cert, self.key = make_certificate(folder)
        self.port = free_port()
        self.state = _SmtpState()
        self._controller: Controller | None = None

    @property
    def mails(self) -> list[Mail]:
        return self.state.mails

    def start(self) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and data.login.decode() == USER and \
                data.password.decode() == PASSWORD
            self.state.logins.append((data.login.decode() if isinstance(data, LoginPassword) else "?", ok))
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

        self._controller = Controller(_Handler(self.state), hostname="127.0.0.1", port=self.port,
                                      tls_context=context, require_starttls=True, authenticator=authenticate,
                                      auth_require_tls=True, auth_exclude_mechanism=["CRAM-MD5"])
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self) -> dict[str, Any]:
        """The e-mail channel's settings for this server (as in ``alerts.yaml``)."""
        return {"type": "email", "host": "127.0.0.1", "port": self.port, "security": "starttls",
                "username": USER, "password": PASSWORD, "sender": "ohjaustaulu@example.fi",
                "ca_file": str(self.cert), "timeout_seconds": 5}


@contextmanager
def smtp_server(folder: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ------------------------------------------------------------------ HTTP
@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: Any


class _HttpHandler(BaseHTTPRequestHandler):
    server: _HttpServer

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        receiver = self.server.receiver
        with receiver.lock:
            receiver.started += 1
            delay = receiver.delay
        if delay:  # a receiver that takes its time: what arrives counts only once it has answered
            time.sleep(delay)
        with receiver.lock:
            status = receiver.status
            if status < 300:
                receiver.posts.append(Post(self.path, {k.lower(): v for k, v in self.headers.items()},
                                           json.loads(raw or b"null")))
            else:
                receiver.refused += 1
        body = b"{}" if status < 300 else b'{"error": "unavailable"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class HttpReceiver:
    """Records POSTed JSON; ``status`` is what it answers (202 like a Workflows webhook, 503 to refuse)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.posts: list[Post] = []
        self.status = 202
        self.refused = 0
        self.started = 0  # requests begun (answered or not)
        self.delay = 0.0  # seconds before answering
        self.lock = threading.Lock()
        self._server: _HttpServer | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self._server = _HttpServer(("127.0.0.1", self.port), _HttpHandler)
        self._server.receiver = self  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def on(self, path: str) -> list[Post]:
        with self.lock:
            return [p for p in self.posts if p.path == path]


@contextmanager
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
