"""Sign-in returns to the page the person asked for, not always to the overview.

Streamlit 1.67's OpenID Connect flow (``st.login``) ends in ``/oauth2callback``,
which always redirects to the app's base path (``starlette_auth_routes``: no
"next" parameter exists). Someone who opened ``/manual`` and signed in found
themselves on the overview and had to find the page again.

:func:`install` wraps Streamlit's two auth routes before the server starts:

* ``/auth/login`` remembers the page the sign-in started from — its ``next``
  parameter if given, else the ``Referer`` the browser sends when the page's
  sign-in button moves it there (same origin, so the whole path is sent) — in a
  short-lived cookie (HttpOnly, SameSite=Lax, and Secure when the request came
  over HTTPS: :func:`came_over_https`). Only a path on this server under the base path
  is kept (:func:`safe_return_path`): never another host, so sign-in cannot be
  turned into an open redirect.
* ``/oauth2callback``, when it answers with its redirect to the base path
  (the sign-in worked, or failed: either way the person lands somewhere),
  sends the browser to the remembered page instead and drops the cookie.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: The cookie holding the page to return to (HttpOnly, SameSite=Lax: sent on the provider's redirect back).
COOKIE = "board_after_sign_in"
#: How long the page is remembered (seconds): a sign-in takes a minute or two, not a day.
KEEP_SECONDS = 600
MAX_LENGTH = 500


def _base(base_url: str | None) -> str:
    base = (base_url or "").strip("/")
    return f"/{base}" if base else ""


def safe_return_path(candidate: str | None, base_url: str | None, host: str | None = None) -> str | None:
    """The path (and query) of ``candidate`` if it is a page of this app, else ``None``.

    ``candidate`` is a relative path or an absolute URL (a Referer); an absolute one must name ``host`` (the
    request's own Host). The result always starts with the base path and one ``/`` and never with ``//``, so a
    browser cannot read it as another host; the sign-in's own routes are not kept (a loop), nor the base path
    itself (the callback goes there anyway)."""
    if not candidate or len(candidate) > MAX_LENGTH or "\\" in candidate or any(ord(c) < 32 for c in candidate):
        return None
    parts = urlsplit(candidate)
    absolute = bool(parts.scheme or parts.netloc)
    if absolute and (parts.scheme not in ("http", "https") or host is None or parts.netloc.lower() != host.lower()):
        return None
    path = parts.path
    base = _base(base_url)
    if not path.startswith(base + "/") or path.startswith("//"):
        return None
    rest = path[len(base) + 1:]
    if rest in ("", "oauth2callback") or rest.startswith(("auth/", "_stcore", "_board", "static/", "/")):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def came_over_https(scheme: str, forwarded_proto: str | None) -> bool:
    """Whether a request reached the board over HTTPS: its own scheme, or the ``X-Forwarded-Proto`` of the
    reverse proxy that ended TLS in front of it (docs/DEPLOY.md; the first value when proxies chained theirs).

    The header is the client's to send when no proxy sets it, but all it can do here is mark the cookie Secure:
    a browser on plain HTTP then keeps no return page and lands on the overview, as before 6c7bdac."""
    first = (forwarded_proto or "").split(",")[0].strip().lower()
    return scheme.lower() == "https" or first == "https"


def install() -> None:
    """Wrap Streamlit's auth routes as described above (before Streamlit starts its server; idempotent)."""
    from starlette.routing import Route
    from streamlit.web.server.starlette import starlette_app

    original = starlette_app.create_auth_routes
    if getattr(original, "_board_return", False):
        return

    def auth_routes(base_url: str) -> list:  # type: ignore[type-arg]
        routes = []
        for route in original(base_url):
            endpoint, path = route.endpoint, route.path
            if path.endswith("/auth/login"):
                async def login(request, endpoint=endpoint):  # type: ignore[no-untyped-def]
                    response = await endpoint(request)
                    wanted = request.query_params.get("next") or request.headers.get("referer")
                    target = safe_return_path(wanted, base_url, request.headers.get("host"))
                    if target and 300 <= response.status_code < 400:  # on its way to the provider
                        response.set_cookie(COOKIE, target, max_age=KEEP_SECONDS, path=_base(base_url) or "/",
                                            httponly=True, samesite="lax", secure=came_over_https(
                                                request.url.scheme, request.headers.get("x-forwarded-proto")))
                    return response

                routes.append(Route(path, login, methods=sorted(route.methods or {"GET"})))
            elif path.endswith("/oauth2callback"):
                async def callback(request, endpoint=endpoint):  # type: ignore[no-untyped-def]
                    response = await endpoint(request)
                    target = safe_return_path(request.cookies.get(COOKIE), base_url)
                    home = _base(base_url) + "/"
                    if target and response.status_code in (302, 303, 307) and response.headers.get(
                            "location") == home:
                        response.headers["location"] = target
                    if COOKIE in request.cookies:  # dropped with the attributes it was set with
                        response.delete_cookie(COOKIE, path=_base(base_url) or "/", httponly=True, samesite="lax",
                                               secure=came_over_https(request.url.scheme,
                                                                      request.headers.get("x-forwarded-proto")))
                    return response

                routes.append(Route(path, callback, methods=sorted(route.methods or {"GET"})))
            else:
                routes.append(route)
        return routes

    auth_routes._board_return = True  # type: ignore[attr-defined]
    starlette_app.create_auth_routes = auth_routes
