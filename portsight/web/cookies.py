"""The session cookie: its name, how it is set and cleared, and reading it from raw ASGI headers."""

from __future__ import annotations

from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie

SESSION_COOKIE = "portsight_session"
LANGUAGE_COOKIE = "portsight_lang"  # the language picked on the sign-in page; not a secret


def session_cookie(token: str, *, secure: bool) -> str:
    """Set-Cookie for a new session: HttpOnly (no script reads it), SameSite=Lax (no cross-site
    POST carries it), Secure under HTTPS. No Max-Age: it goes with the browser, and the server
    ends the session after the idle and absolute time-outs anyway."""
    return f"{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/" + ("; Secure" if secure else "")


def cleared_session_cookie(*, secure: bool) -> str:
    return f"{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0" + ("; Secure" if secure else "")


def language_cookie(lang: str, *, secure: bool) -> str:
    return f"{LANGUAGE_COOKIE}={lang}; SameSite=Lax; Path=/; Max-Age=31536000" + ("; Secure" if secure else "")


def header(headers: Iterable[tuple[bytes, bytes]], name: str) -> str | None:
    """The first value of a header in an ASGI scope's raw headers (name in lower case)."""
    wanted = name.encode("latin-1")
    for key, value in headers:
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None


def cookie(headers: Iterable[tuple[bytes, bytes]], name: str) -> str | None:
    """A cookie's value from an ASGI scope's raw headers, None when absent or unreadable."""
    for key, value in headers:
        if key.lower() != b"cookie":
            continue
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(value.decode("latin-1"))
        except CookieError:
            continue
        if name in jar and jar[name].value:
            return jar[name].value
    return None


def is_https(scheme: str, headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """The browser talks HTTPS: to us directly, or to the proxy in front (X-Forwarded-Proto)."""
    forwarded = header(headers, "x-forwarded-proto")
    if forwarded:
        return forwarded.split(",")[0].strip().lower() == "https"
    return scheme in ("https", "wss")
