"""Which pages sign-in may return to (board.web.sign_in_return.safe_return_path): this server's pages only."""

from __future__ import annotations

import pytest

from board.web.sign_in_return import safe_return_path

HOST = "board.example.fi"


@pytest.mark.parametrize(("candidate", "base", "expected"), [
    ("/manual", "", "/manual"),
    ("/manual?lang=sv", "", "/manual?lang=sv"),
    (f"https://{HOST}/week?station=kajaani&lang=en", "", "/week?station=kajaani&lang=en"),  # a Referer
    (f"http://{HOST}/ohjaus/sources", "ohjaus", "/ohjaus/sources"),
    ("/ohjaus/sources", "/ohjaus/", "/ohjaus/sources"),
])
def test_a_page_of_this_server_is_kept(candidate, base, expected):
    assert safe_return_path(candidate, base, HOST) == expected


@pytest.mark.parametrize(("candidate", "base"), [
    (None, ""), ("", ""),
    ("https://evil.example/manual", ""),        # another host
    (f"https://{HOST}.evil.example/manual", ""),
    ("//evil.example/manual", ""),              # protocol-relative: another host to a browser
    ("/\\evil.example", ""),
    ("javascript:alert(1)", ""),
    (f"ftp://{HOST}/manual", ""),
    ("manual", ""),                             # not a path
    ("/", ""),                                  # the overview: the callback goes there anyway
    ("/auth/login?provider=x", ""),             # the sign-in's own routes would loop
    ("/oauth2callback?code=1", ""),
    ("/_stcore/health", ""),
    ("/manual", "ohjaus"),                      # outside the base path
    ("/ohjausx/manual", "ohjaus"),
    ("/manual\r\nSet-Cookie: x=1", ""),
    ("/" + "a" * 600, ""),
])
def test_anything_else_is_refused(candidate, base):
    assert safe_return_path(candidate, base, HOST) is None


def test_an_absolute_url_needs_the_request_host():
    assert safe_return_path(f"https://{HOST}/manual", "", None) is None


@pytest.mark.parametrize(("scheme", "forwarded", "secure"), [
    ("http", None, False),
    ("https", None, True),
    ("http", "https", True),            # TLS ended at the reverse proxy (nginx: X-Forwarded-Proto $scheme)
    ("http", "HTTPS", True),
    ("http", "https, http", True),      # proxies chained: the first is the client's
    ("http", "http", False),
    ("http", "", False),
])
def test_the_cookie_is_secure_when_the_request_came_over_https(scheme, forwarded, secure):
    from board.web.sign_in_return import came_over_https

    assert came_over_https(scheme, forwarded) is secure
