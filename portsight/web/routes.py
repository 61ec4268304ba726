"""/login (GET the page, POST the form) and /logout (POST), as Starlette routes for st.App.

The password check (argon2) and the database calls are synchronous: they run in Starlette's
thread pool so a sign-in never blocks the event loop that serves every open tab.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from portsight.i18n import DEFAULT_LANGUAGE, LANGUAGES, fmt_datetime
from portsight.services.accounts import (
    AccountInactive,
    InvalidCredentials,
    LoginError,
    SignedIn,
    SignInThrottled,
    authenticate,
)
from portsight.services.sessions import end_session, open_session
from portsight.web import backend
from portsight.web.cookies import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    cleared_session_cookie,
    is_https,
    language_cookie,
    session_cookie,
)
from portsight.web.page import database_message, render_login_page, tr

log = logging.getLogger(__name__)

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
MAX_NEXT = 2000  # characters of a next= path kept; a longer one is not a page of this app
CLIENT_CHARS = 200


def safe_next(value: str | None) -> str:
    """A same-site path to go to after sign-in, or "/": never another site (no open redirect).

    Only a path that starts with one "/" is kept: "//host", "/\\host" and "https://host" are
    absolute URLs to a browser; control characters and the sign-in pages themselves are refused.
    """
    if not value or len(value) > MAX_NEXT or not value.startswith("/"):
        return "/"
    if value.startswith(("//", "/\\")) or any(ord(c) < 0x20 or c == "\x7f" or c == "\\" for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    if parts.path in (LOGIN_PATH, LOGOUT_PATH):
        return "/"
    return value


def same_site(request: Request) -> bool:
    """The POST comes from a page of this site: its Origin (or, without one, its Referer) names our host.

    A form on another site can make a browser POST here; the browser then names that site in
    Origin. Neither header present is refused too: every browser sends one on a form POST.
    """
    host = request.headers.get("host")
    source = request.headers.get("origin") or request.headers.get("referer")
    if not host or not source or source == "null":
        return False
    return urlsplit(source).netloc.lower() == host.lower()


def language(request: Request, chosen: str | None = None) -> str:
    for candidate in (chosen, request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT_LANGUAGE


def _https(request: Request) -> bool:
    return is_https(request.url.scheme, request.scope.get("headers", []))


def _client(request: Request) -> str | None:
    agent = request.headers.get("user-agent")
    return agent[:CLIENT_CHARS] if agent else None


def _problem() -> tuple[str, str] | None:
    settings = backend.settings()
    return backend.database_problem(settings.database_url, backend.engine())


def _picked(request: Request, form_lang: str | None = None) -> bool:
    """The visitor chose the language (a link on the page, or a choice remembered in a cookie)."""
    return any(
        v in LANGUAGES for v in (form_lang, request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE))
    )


def _page(
    request: Request, lang: str, next_path: str, *, status: int = 200, form_lang: str | None = None, **kwargs
) -> HTMLResponse:
    page = render_login_page(lang, next_path, keep_language=_picked(request, form_lang), **kwargs)
    response = HTMLResponse(page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def login_page(request: Request) -> Response:
    lang = language(request)
    next_path = safe_next(request.query_params.get("next"))
    try:
        problem = await run_in_threadpool(_problem)
        if problem is None:
            token = request.cookies.get(SESSION_COOKIE)
            signed_in = await run_in_threadpool(backend.resolve, token)
            if signed_in is not None:  # already signed in: straight to the page asked for
                return RedirectResponse(next_path, status_code=303)
    except SQLAlchemyError:
        log.exception("the sign-in page could not read the database")
        problem = ("unreachable", backend.safe_url(backend.settings().database_url))
    if problem is not None:
        return _page(request, lang, next_path, status=503, error=database_message(lang, problem), show_form=False)
    note = tr("login.session_ended", lang) if request.query_params.get("ended") else None
    return _page(request, lang, next_path, note=note)


def _authenticate(username: str, password: str, client: str | None) -> SignedIn:
    settings = backend.settings()
    return authenticate(
        backend.engine(),
        username,
        password,
        client=client,
        max_failures=settings.login_max_failures,
        lockout_minutes=settings.login_lockout_minutes,
    )


def _refusal(lang: str, exc: LoginError) -> tuple[int, str]:
    """The status and message for a refused sign-in, in the visitor's language."""
    if isinstance(exc, InvalidCredentials):
        return 401, tr("login.invalid", lang)
    if isinstance(exc, AccountInactive):
        return 403, tr("login.inactive", lang)
    if isinstance(exc, SignInThrottled):
        return 429, tr("login.throttled", lang, seconds=max(1, int(exc.retry_after)))
    until = getattr(exc, "until", None)
    if until is not None:  # AccountLocked, while the accounts service still has it
        return 403, tr("login.locked", lang, until=fmt_datetime(lang, until))
    return 401, tr("login.invalid", lang)


async def login_submit(request: Request) -> Response:
    if not same_site(request):
        return PlainTextResponse("Cross-site sign-in refused.", status_code=403)
    form = await request.form(max_files=0, max_fields=10)
    form_lang = str(form.get("lang") or "") or None
    lang = language(request, form_lang)
    next_path = safe_next(str(form.get("next") or ""))
    username = str(form.get("username") or "")[:200]
    password = str(form.get("password") or "")[:1000]
    if not username.strip() or not password:
        return _page(
            request,
            lang,
            next_path,
            status=400,
            form_lang=form_lang,
            username=username,
            error=tr("login.fill_both", lang),
        )
    client = request.client.host if request.client else None
    try:
        signed_in = await run_in_threadpool(_authenticate, username, password, client)
        user_id = signed_in.actor.user_id
        assert user_id is not None  # a signed-in account has a row
        token = await run_in_threadpool(
            open_session,
            backend.engine(),
            user_id,
            client=_client(request),
            lifetime=backend.lifetime(),
        )
    except LoginError as exc:
        status, message = _refusal(lang, exc)
        return _page(request, lang, next_path, status=status, form_lang=form_lang, username=username, error=message)
    except SQLAlchemyError:
        log.exception("sign-in failed on a database error")
        problem = await run_in_threadpool(_safe_problem)
        message = database_message(lang, problem) if problem else tr("common.unexpected_error", lang)
        return _page(request, lang, next_path, status=503, form_lang=form_lang, username=username, error=message)
    except Exception:  # noqa: BLE001 - never a stack trace on the sign-in page
        log.exception("sign-in failed")
        return _page(
            request,
            lang,
            next_path,
            status=500,
            form_lang=form_lang,
            username=username,
            error=tr("common.unexpected_error", lang),
        )
    response = RedirectResponse(next_path, status_code=303)
    secure = _https(request)
    response.headers.append("Set-Cookie", session_cookie(token, secure=secure))
    if form.get("lang") in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != form.get("lang"):
        response.headers.append("Set-Cookie", language_cookie(str(form.get("lang")), secure=secure))
    return response


def _safe_problem() -> tuple[str, str] | None:
    try:
        return _problem()
    except SQLAlchemyError:
        return None


async def logout(request: Request) -> Response:
    if not same_site(request):
        return PlainTextResponse("Cross-site sign-out refused.", status_code=403)
    token = request.cookies.get(SESSION_COOKIE)
    try:
        await run_in_threadpool(end_session, backend.engine(), token)
    except SQLAlchemyError:
        log.exception("the sign-out could not be recorded")  # the cookie is cleared all the same
    response = RedirectResponse(f"{LOGIN_PATH}?ended=1", status_code=303)
    response.headers.append("Set-Cookie", cleared_session_cookie(secure=_https(request)))
    return response


def routes() -> list[Route]:
    return [
        Route(LOGIN_PATH, login_page, methods=["GET", "HEAD"]),
        Route(LOGIN_PATH, login_submit, methods=["POST"]),
        Route(LOGOUT_PATH, logout, methods=["POST"]),
    ]
