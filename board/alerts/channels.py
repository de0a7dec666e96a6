"""Channels an organisation already has: e-mail (SMTP), a Microsoft Teams Workflows webhook, a JSON webhook.

Why hand-written senders and not Apprise: Apprise (2.2.0, evaluated against
the same loopback SMTP server and HTTP receiver as the tests) sends all
three, but (1) its JSON webhook has a fixed body (``title``, ``message``)
with extra fields only as URL arguments, and its Teams card is its own
unless a template file is kept on disk; the board needs its own structured
fields and an Adaptive Card with facts and a link; (2) it reports a failure
as ``False`` plus a log line, and a refused SMTP login came back as
"Connection error while submitting email": the board needs the reason in
words for the Sources page and needs to tell a wrong password (do not
retry; tell the administrator) from a server that is down (retry with
backoff); (3) its ``workflow://`` URL must be rewritten from the URL Teams
gives, and it always uses HTTPS; (4) it adds four packages. The standard
library's ``smtplib`` and ``httpx`` (already a dependency) do the same in
about 150 lines. docs/ALERTS.md has the comparison.

Every error is a :class:`ChannelError` that says whether trying again later
can help (``transient``) and what happened, with secrets masked. A Teams
URL carries its own signature, so it is configured as a ``${NAME}``
secret and never appears in a message.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal, Protocol
from urllib.parse import urlsplit

import httpx

from board import secrets
from board.alerts.messages import Message, adaptive_card, webhook_payload
from board.domain.reasons import Reason, map_text

DEFAULT_TIMEOUT = 15.0


@dataclass(frozen=True)
class Attachment:
    """A file attached to an e-mail (the weekly report's workbook)."""

    filename: str
    content: bytes
    mime: str


class ChannelError(Exception):
    """A message could not be delivered; ``transient`` says whether a later try can succeed."""

    def __init__(self, message: str | Reason, *, transient: bool) -> None:
        super().__init__(map_text(message, secrets.redact))  # a Reason keeps its code (fi/sv/en on /sources)
        self.transient = transient


class Channel(Protocol):
    name: str

    def send(self, message: Message, to: Sequence[str] = ()) -> None:
        """Deliver ``message`` (to ``to`` where the channel has addresses) or raise :class:`ChannelError`."""


# ------------------------------------------------------------------ e-mail
class EmailChannel:
    """SMTP with STARTTLS (port 587) or implicit TLS (465) and a login, as an organisation's relay wants it.

    ``security="none"`` is for a relay inside a closed network that offers
    no TLS; then no login is sent (a password must not cross in the clear).
    ``ca_file`` trusts a private certificate authority (an internal relay's).
    """

    def __init__(self, name: str, *, host: str, port: int, sender: str,
                 security: Literal["starttls", "tls", "none"] = "starttls", username: str | None = None,
                 password: str | None = None, ca_file: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        if security == "none" and username:
            raise ValueError(f"{name}: a login needs TLS (security: starttls or tls), not 'none'")
        self.name, self.host, self.port, self.sender = name, host, port, sender
        self.security, self.username, self.password = security, username, password
        self.ca_file, self.timeout = ca_file, timeout

    def send(self, message: Message, to: Sequence[str] = ()) -> None:
        self.send_mail(message.subject(), message.text(), message.key, to)

    def send_mail(self, subject: str, text: str, key: str, to: Sequence[str],
                  attachments: Sequence[Attachment] = ()) -> None:
        """One plain-text e-mail (with files attached): the alerts' messages and the weekly report
        (board/reports) leave through here, one SMTP client for both."""
        if not to:
            raise ChannelError(Reason("no_recipients", f"{self.name}: no recipients (the subscription's 'to' is "
                                      "empty)", name=self.name), transient=False)
        mail = EmailMessage()
        mail["Subject"] = subject
        mail["From"] = self.sender
        mail["To"] = ", ".join(to)
        mail["Date"] = formatdate(localtime=False)
        # The same message id on every try: a mail client shows a message resent after a crash only once.
        mail["Message-ID"] = f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@ohjaustaulu>"
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(text)
        for a in attachments:
            maintype, subtype = a.mime.split("/", 1)
            mail.add_attachment(a.content, maintype=maintype, subtype=subtype, filename=a.filename)
        where = Reason("smtp_where", f"{self.name}: SMTP server {self.host}:{self.port}", name=self.name,
                       server=f"{self.host}:{self.port}")
        try:
            context = ssl.create_default_context(cafile=self.ca_file)
            if self.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.security == "starttls":
                    smtp.starttls(context=context)
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as e:
            raise ChannelError(Reason("smtp_login_refused", f"{where} refused the login for {self.username!r}: "
                                      f"{_reply(e)}", where=where, user=repr(self.username), reply=_reply(e)),
                               transient=False) from e
        except smtplib.SMTPNotSupportedError as e:
            raise ChannelError(Reason("smtp_no_starttls", f"{where} does not offer STARTTLS (set security: tls or "
                                      "the right port)", where=where), transient=False) from e
        except smtplib.SMTPRecipientsRefused as e:
            refused = ", ".join(f"{a} ({_reply_of(*r)})" for a, r in e.recipients.items())
            raise ChannelError(Reason("smtp_recipients_refused", f"{where} refused the recipients {refused}",
                                      where=where, refused=refused), transient=False) from e
        except smtplib.SMTPResponseException as e:
            raise ChannelError(Reason("smtp_answered", f"{where} answered {_reply(e)}", where=where, reply=_reply(e)),
                               transient=400 <= e.smtp_code < 500) from e
        except ssl.SSLCertVerificationError as e:
            raise ChannelError(Reason("smtp_untrusted", f"{where}: its certificate is not trusted "
                                      f"({e.verify_message}); set ca_file", where=where, detail=str(e.verify_message)),
                               transient=False) from e
        except TimeoutError as e:
            raise ChannelError(_no_answer(where, self.timeout), transient=True) from e
        except (OSError, smtplib.SMTPException) as e:
            raise ChannelError(_failed(where, e), transient=True) from e


def _no_answer(where: Reason, seconds: float) -> Reason:
    return Reason("channel_no_answer", f"{where} did not answer within {seconds:g} s", where=where, seconds=seconds)


def _failed(where: Reason, error: BaseException) -> Reason:
    detail = f"{type(error).__name__}: {error}"
    return Reason("channel_failed", f"{where}: {detail}", where=where, detail=detail)


def _reply(e: smtplib.SMTPResponseException) -> str:
    return _reply_of(e.smtp_code, e.smtp_error)


def _reply_of(code: int, text: bytes | str) -> str:
    body = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {body}".strip()


# ------------------------------------------------------------------ HTTP
class _HttpChannel:
    kind = "webhook"

    def __init__(self, name: str, *, url: str, headers: Mapping[str, str] | None = None,
                 timeout: float = DEFAULT_TIMEOUT, verify: str | bool = True) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{name}: {secrets.redact(url)!r} is not an http(s) URL")
        self.name, self.url, self.headers, self.timeout, self.verify = name, url, dict(headers or {}), timeout, verify
        #: Where, in words that carry no secret: the scheme and host only (a Workflows URL's path has its signature).
        self.where = Reason("hook_where", f"{name}: {self.kind} at {parts.scheme}://{parts.hostname}", name=name,
                            kind=self.kind, url=f"{parts.scheme}://{parts.hostname}")

    def body(self, message: Message) -> dict:
        raise NotImplementedError

    def send(self, message: Message, to: Sequence[str] = ()) -> None:
        headers = {"Idempotency-Key": message.key, **self.headers}
        try:
            with httpx.Client(timeout=self.timeout, verify=self.verify, follow_redirects=False) as client:
                response = client.post(self.url, json=self.body(message), headers=headers)
        except httpx.TimeoutException as e:
            raise ChannelError(_no_answer(self.where, self.timeout), transient=True) from e
        except httpx.HTTPError as e:
            raise ChannelError(_failed(self.where, e), transient=True) from e
        if 200 <= response.status_code < 300:
            return
        text = " ".join(response.text.split())[:200]
        transient = response.status_code in (408, 425, 429) or response.status_code >= 500
        hint = "" if transient else " (check the URL and its signature)"
        said = f"{self.where} answered HTTP {response.status_code} {text}{hint}".rstrip()
        raise ChannelError(Reason("hook_answered" if transient else "hook_refused", said, where=self.where,
                                  status=response.status_code, said=text), transient=transient)


class TeamsChannel(_HttpChannel):
    """A Teams channel's Workflows webhook ("Send webhook alerts to a channel"), posted an Adaptive Card."""

    kind = "Teams workflow"

    def body(self, message: Message) -> dict:
        return adaptive_card(message)


class WebhookChannel(_HttpChannel):
    """Any HTTP endpoint that takes JSON: the message's fields (station, figure, value, since, link, text)."""

    kind = "webhook"

    def body(self, message: Message) -> dict:
        return webhook_payload(message)
