"""The session gate around Streamlit's server, and the security headers of every response.

- A page load (GET of any path Streamlit answers with its index.html) without a live session
  cookie is sent to /login?next=<that path>, so the app's pages are only ever loaded signed in.
- Media files (/media/: evidence photos, snapshots) and uploads (/_stcore/upload_file/) need a
  live session too, and an upload must go to a Streamlit session of the same cookie.
- The websocket: Streamlit lets a browser reconnect to a session by presenting its id, which
  also appears in every upload URL. That slot is honoured only for the cookie the Streamlit
  session was signed in with (bound_token_hash, given by serve.py); any other browser gets a
  session of its own (so does any browser without a live cookie). On a connection made with a
  live cookie, every message (a click, a rerun) is checked again: once the cookie's session has
  ended (signed out in another tab, deactivated, timed out) each message is first given to
  signed_out_message (serve.py gives Streamlit's own: a rerun keeps its page but loses its
  widget changes, so no widget callback runs, and other messages are dropped); the run then
  finds no session and shows the sign-in. Without that function the connection is closed.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portsight.services.sessions import token_hash
from portsight.web import backend
from portsight.web.cookies import SESSION_COOKIE, cookie, header, is_https
from portsight.web.routes import LOGIN_PATH, LOGOUT_PATH

log = logging.getLogger(__name__)

# st.App's reserved routes, and /app/static/ (server.enableStaticServing: the repository's static/).
# static/ holds the board's map outlines and their licence, public files a browser fetches
# many times per board: like Streamlit's own /static/ scripts they are served without a sign-in
# and without a session lookup each. Nothing private belongs there (evidence is under /media/).
STREAMLIT_PREFIXES = ("/_stcore/", "/media/", "/component/", "/static/", "/app/static/")
OPEN_FILES = frozenset(
    {"/favicon.png", "/manifest.json", "/robots.txt"}
)  # files at the root of Streamlit's static folder
PROTECTED_PREFIXES = ("/media/", "/_stcore/upload_file/")
UPLOAD_PREFIX = "/_stcore/upload_file/"
WEBSOCKET_PATH = "/_stcore/stream"
SESSION_ENDED = 4001  # websocket close code: the cookie's session has ended

Alive = Callable[..., bool]  # (token, *, touch) -> whether the token still signs someone in


def content_security_policy(script_hashes: Iterable[str] = (), *, framed_by_self: bool = False) -> str:
    """What the app's pages may load: only this site's own files, and no framing by other sites.

    Streamlit writes its styles inline (CSS-in-JS), images and fonts may be data: or blob: URLs,
    the websocket and uploads go to this site ('self' covers ws:/wss: to the same host). Checked
    in Chromium over every page (tests/e2e/test_login.py) and the camera (test_field_inspection.py). Its one
    inline script (in index.html) is allowed by hash. Component iframes (streamlit-webrtc's
    camera) are pages of this site framed by the app, so they alone may be framed by 'self'.
    """
    # 'wasm-unsafe-eval' lets WebAssembly compile (the camera input uses it), not JavaScript eval.
    scripts = " ".join(["'self'", "'wasm-unsafe-eval'", *(f"'{h}'" for h in script_hashes)])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self' data: blob:",  # the camera input fetches its capture from a data: URL
            "media-src 'self' data: blob:",
            "frame-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'" if framed_by_self else "frame-ancestors 'none'",
        ]
    )


def inline_script_hashes(document: str) -> list[str]:
    """CSP hashes ('sha256-...') of the inline <script> blocks of an HTML document."""
    hashes = []
    for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", document, flags=re.S | re.I):
        digest = hashlib.sha256(match.group(1).encode("utf-8")).digest()
        hashes.append("sha256-" + base64.b64encode(digest).decode("ascii"))
    return hashes


def is_page_load(method: str, path: str) -> bool:
    """A request Streamlit answers with its index.html (any path of its own files and routes aside)."""
    if method not in ("GET", "HEAD"):
        return False
    if path.startswith(STREAMLIT_PREFIXES) or path in OPEN_FILES:
        return False
    if "/_stcore/" in path:
        # Streamlit's frontend finds its base path by trying /<page>/_stcore/health first: that
        # probe must get Streamlit's 404, not the sign-in page (it would take /<page> for the base).
        return False
    return path not in (LOGIN_PATH, LOGOUT_PATH)


def login_redirect(path: str, query: str) -> str:
    target = path + (f"?{query}" if query else "")
    return f"{LOGIN_PATH}?next={quote(target, safe='')}"


def upload_session_id(path: str) -> str | None:
    rest = path[len(UPLOAD_PREFIX) :]
    session_id = rest.split("/", 1)[0]
    return session_id or None


def _with_reconnect_slot_cleared(scope: Scope) -> Scope:
    """The websocket scope without the session id Streamlit would reconnect to (third subprotocol)."""
    headers = []
    for key, value in scope["headers"]:
        if key.lower() == b"sec-websocket-protocol":
            entries = [entry.strip() for entry in value.decode("latin-1").split(",")]
            if len(entries) >= 3:
                entries[2] = ""
            value = ", ".join(entries).encode("latin-1")
        headers.append((key, value))
    return {**scope, "headers": headers}


def reconnect_slot(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    raw = header(headers, "sec-websocket-protocol")
    if not raw:
        return None
    entries = [entry.strip() for entry in raw.split(",")]
    return entries[2] if len(entries) >= 3 and entries[2] else None


class SessionGate:
    """Pure ASGI middleware (it sees websockets too): see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        bound_token_hash: Callable[[str], str | None] | None = None,
        signed_out_message: Callable[[bytes], bytes | None] | None = None,
        script_hashes: Iterable[str] = (),
        alive: Alive | None = None,
    ) -> None:
        self.app = app
        self.bound_token_hash = bound_token_hash or (lambda _session_id: None)
        self.signed_out_message = signed_out_message
        self.alive: Alive = alive or backend.alive
        self.csp = content_security_policy(script_hashes)
        self.csp_framed = content_security_policy(script_hashes, framed_by_self=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _signed_in(self, token: str | None, *, touch: bool = False) -> bool:
        if not token:
            return False
        try:
            return await run_in_threadpool(self.alive, token, touch=touch)
        except Exception:  # noqa: BLE001 - a database outage signs nobody in; the sign-in page says why
            log.exception("could not check a session")
            return False

    def _bound_elsewhere(self, session_id: str, token: str) -> bool:
        """The Streamlit session was signed in with another cookie than this one."""
        bound = self.bound_token_hash(session_id)
        return bound is not None and bound != token_hash(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        headers = scope["headers"]
        https = is_https(scope.get("scheme", "http"), headers)
        token = cookie(headers, SESSION_COOKIE)
        secured = self._headers_added(send, path, https)
        if path.startswith(PROTECTED_PREFIXES):
            refused = not await self._signed_in(token)
            if not refused and path.startswith(UPLOAD_PREFIX):
                session_id = upload_session_id(path)
                refused = session_id is None or token is None or self._bound_elsewhere(session_id, token)
            if refused:
                await _respond(secured, 403, b"Sign in first.", [(b"content-type", b"text/plain; charset=utf-8")])
                return
        elif is_page_load(method, path) and not await self._signed_in(token, touch=True):
            location = login_redirect(path, scope.get("query_string", b"").decode("latin-1"))
            await _respond(secured, 303, b"", [(b"location", location.encode("latin-1"))])
            return
        await self.app(scope, receive, secured)

    def _headers_added(self, send: Send, path: str, https: bool) -> Send:
        framed = path.startswith("/component/")
        extra = [
            (b"content-security-policy", (self.csp_framed if framed else self.csp).encode("latin-1")),
            (b"x-frame-options", b"SAMEORIGIN" if framed else b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]
        if https:
            extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        return send_with_headers

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] != WEBSOCKET_PATH:
            await self.app(scope, receive, send)
            return
        token = cookie(scope["headers"], SESSION_COOKIE)
        signed_in = await self._signed_in(token, touch=True)
        slot = reconnect_slot(scope["headers"])
        if slot is not None and (not signed_in or token is None or self._bound_elsewhere(slot, token)):
            # A signed-out browser has nothing to gain from an old session, and may be presenting
            # someone else's id: it gets a session of its own.
            scope = _with_reconnect_slot_cleared(scope)
        if not signed_in:
            # Never signed in on this connection: its Streamlit session shows the sign-in, and can
            # never be one that was signed in (the slot was cleared above).
            await self.app(scope, receive, send)
            return

        closed = False

        async def send_unless_closed(message: Message) -> None:
            if not closed:
                await send(message)

        async def receive_checked() -> Message:
            nonlocal closed
            while True:
                message = await receive()
                if message["type"] != "websocket.receive" or closed or await self._signed_in(token):
                    return message
                data = message.get("bytes")
                if self.signed_out_message is None or data is None:
                    closed = True
                    await send({"type": "websocket.close", "code": SESSION_ENDED, "reason": "session ended"})
                    return {"type": "websocket.disconnect", "code": SESSION_ENDED}
                kept = self.signed_out_message(data)
                if kept is not None:
                    return {**message, "bytes": kept}

        await self.app(scope, receive_checked, send_unless_closed)


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
