"""The sign-in page, sign-out and the session gate over HTTP (Starlette's TestClient)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from portsight.db.models import BrowserSession, User
from portsight.i18n import t
from portsight.services.sessions import token_hash
from portsight.web.routes import safe_next
from tests.web.conftest import PASSWORD, SAME_SITE, make_app


def test_a_page_load_without_a_session_goes_to_the_sign_in_page_for_that_page(client):
    response = client.get("/alerts?port=2")
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login" and parse_qs(location.query) == {"next": ["/alerts?port=2"]}


def test_the_sign_in_page_is_in_chinese_by_default_and_in_english_on_request(client):
    chinese = client.get("/login?next=/alerts")
    assert chinese.status_code == 200
    assert t("zh_CN", "login.username") in chinese.text and 'value="/alerts"' in chinese.text
    english = client.get("/login?lang=en&next=/alerts")
    assert t("en", "login.username") in english.text and 'value="/alerts"' in english.text


def test_signing_in_sets_an_http_only_same_site_cookie_and_goes_to_the_page_asked_for(client):
    response = client.post(
        "/login", data={"username": "Inspector", "password": PASSWORD, "next": "/alerts?x=1"}, headers=SAME_SITE
    )
    assert response.status_code == 303 and response.headers["location"] == "/alerts?x=1"
    [cookie] = [v for k, v in response.headers.multi_items() if k == "set-cookie" and "portsight_session" in v]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "path"} <= attributes and "secure" not in attributes
    assert "SameSite=Lax" in cookie
    # with the cookie the same page load reaches Streamlit
    assert client.get("/alerts").text == "streamlit GET /alerts"


def test_the_sign_in_page_s_tab_icon_is_the_app_s_own_inline(client):
    """The icon app.py gives the app's pages, written into the page: not Streamlit's /favicon.png."""
    icon = Path(__file__).resolve().parents[2] / "components" / "shell" / "icon.svg"
    page = client.get("/login").text
    assert re.findall(r'<link rel="icon" href="([^"]*)">', page) == [
        "data:image/svg+xml;base64," + base64.b64encode(icon.read_bytes()).decode("ascii")
    ]
    assert "favicon" not in page


def test_the_cookie_is_secure_behind_an_https_proxy(client):
    response = client.post(
        "/login",
        data={"username": "inspector", "password": PASSWORD, "next": "/"},
        headers={**SAME_SITE, "x-forwarded-proto": "https"},
    )
    cookie = response.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert "max-age=31536000" in response.headers["strict-transport-security"]


def test_a_wrong_password_and_an_unknown_user_get_the_same_message_and_no_cookie(client):
    wrong = client.post("/login", data={"username": "inspector", "password": "not it"}, headers=SAME_SITE)
    unknown = client.post("/login", data={"username": "nobody", "password": "not it"}, headers=SAME_SITE)
    assert wrong.status_code == unknown.status_code == 401
    assert t("zh_CN", "login.invalid") in wrong.text and t("zh_CN", "login.invalid") in unknown.text
    assert "portsight_session" not in wrong.headers.get("set-cookie", "")
    assert 'value="inspector"' in wrong.text  # the name stays filled in


def test_an_inactive_account_is_told_so(client):
    response = client.post("/login", data={"username": "retired", "password": PASSWORD}, headers=SAME_SITE)
    assert response.status_code == 403 and t("zh_CN", "login.inactive") in response.text


def test_an_empty_form_asks_for_both(client):
    response = client.post("/login", data={"username": " ", "password": ""}, headers=SAME_SITE)
    assert response.status_code == 400 and t("zh_CN", "login.fill_both") in response.text


def test_a_throttled_client_is_told_how_long_to_wait(client, monkeypatch):
    from portsight.services.accounts import SignInThrottled
    from portsight.web import routes

    def throttled(*args, **kwargs):
        raise SignInThrottled(42)

    monkeypatch.setattr(routes, "authenticate", throttled)
    response = client.post("/login", data={"username": "inspector", "password": PASSWORD}, headers=SAME_SITE)
    assert response.status_code == 429 and t("zh_CN", "login.throttled", seconds=42) in response.text


def test_user_input_is_shown_escaped(client):
    response = client.post(
        "/login", data={"username": '"><script>alert(1)</script>', "password": "x"}, headers=SAME_SITE
    )
    assert "<script>alert(1)</script>" not in response.text and "&lt;script&gt;" in response.text
    page = client.get('/login?next=/x"><img src=y>')
    assert "<img src=y>" not in page.text


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/evil", "javascript:alert(1)", "", "/login"],
)
def test_next_never_leaves_the_site(client, target):
    assert safe_next(target) == "/"
    response = client.post(
        "/login", data={"username": "inspector", "password": PASSWORD, "next": target}, headers=SAME_SITE
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


@pytest.mark.parametrize(
    "headers", [{"origin": "http://evil.example"}, {"referer": "http://evil.example/form"}, {}, {"origin": "null"}]
)
def test_a_cross_site_post_is_refused(client, headers):
    response = client.post("/login", data={"username": "inspector", "password": PASSWORD}, headers=headers)
    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert client.post("/logout", headers=headers).status_code == 403


def test_a_same_site_referer_is_enough_without_origin(client):
    response = client.post(
        "/login",
        data={"username": "inspector", "password": PASSWORD},
        headers={"referer": "http://testserver/login?next=/"},
    )
    assert response.status_code == 303


def test_signing_out_ends_the_session_clears_the_cookie_and_shows_the_sign_in(client, sign_in, web_env):
    token = sign_in()
    response = client.post("/logout", headers=SAME_SITE)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert "Max-Age=0" in response.headers["set-cookie"]
    with web_env.connect() as conn:
        row = conn.execute(select(BrowserSession).where(BrowserSession.token_hash == token_hash(token))).one()
    assert row.ended_at is not None and row.end_reason == "sign_out"
    # the old token, presented again (another tab still holding it), signs nobody in
    client.cookies.set("portsight_session", token)
    assert client.get("/alerts").status_code == 303


def test_media_and_uploads_are_refused_without_a_session(client, sign_in):
    assert client.get("/media/abc.png").status_code == 403
    assert client.put("/_stcore/upload_file/session-1/file-1", content=b"x").status_code == 403
    sign_in()
    assert client.get("/media/abc.png").text == "streamlit GET /media/abc.png"
    assert client.put("/_stcore/upload_file/session-1/file-1", content=b"x").status_code == 200


def test_an_upload_into_another_cookies_streamlit_session_is_refused(web_env):
    from starlette.testclient import TestClient

    with TestClient(make_app({"theirs": "0" * 64}), follow_redirects=False) as client:
        client.post("/login", data={"username": "inspector", "password": PASSWORD}, headers=SAME_SITE)
        assert client.put("/_stcore/upload_file/theirs/f", content=b"x").status_code == 403
        assert client.put("/_stcore/upload_file/mine/f", content=b"x").status_code == 200


def test_health_checks_and_streamlit_files_stay_open(client):
    for path in ("/_stcore/health", "/_stcore/script-health-check", "/static/js/index.js", "/favicon.png"):
        assert client.get(path).status_code == 200, path
    # the frontend's base-path probe (/<page>/_stcore/health) must reach Streamlit, not the sign-in page
    assert client.get("/alerts/_stcore/host-config").status_code == 200


def test_every_response_carries_the_security_headers(client):
    for response in (client.get("/login"), client.get("/alerts"), client.get("/_stcore/health")):
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'sha256-abc'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in response.headers  # plain HTTP: no HSTS
    component = client.get("/component/streamlit_webrtc.component/index.html")
    assert component.headers["x-frame-options"] == "SAMEORIGIN"  # the camera iframe is framed by the app
    assert "frame-ancestors 'self'" in component.headers["content-security-policy"]


def test_a_deactivated_users_session_stops_at_the_next_page_load(client, sign_in, web_env):
    sign_in()
    assert client.get("/home").status_code == 200
    with web_env.begin() as conn:
        conn.execute(update(User).where(User.username == "inspector").values(active=False))
    try:
        assert client.get("/home").status_code == 303
    finally:
        with web_env.begin() as conn:
            conn.execute(update(User).where(User.username == "inspector").values(active=True))


def test_visiting_the_sign_in_page_signed_in_goes_to_the_page(client, sign_in):
    sign_in()
    response = client.get("/login?next=/alerts")
    assert response.status_code == 303 and response.headers["location"] == "/alerts"


def test_a_missing_database_is_named_on_the_sign_in_page(client, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    response = client.get("/login")
    assert response.status_code == 503
    assert "absent.db" in response.text and "python -m portsight db upgrade" in response.text
    assert "<form" not in response.text and not (tmp_path / "absent.db").exists()


def test_the_language_picked_on_the_sign_in_page_is_remembered(client):
    picked = client.post(
        "/login", data={"username": "inspector", "password": PASSWORD, "lang": "en"}, headers=SAME_SITE
    )
    assert "portsight_lang=en" in "\n".join(v for k, v in picked.headers.multi_items() if k == "set-cookie")


def test_without_a_pick_the_account_language_rules(client):
    response = client.post("/login", data={"username": "inspector", "password": PASSWORD}, headers=SAME_SITE)
    assert "portsight_lang" not in "\n".join(v for k, v in response.headers.multi_items() if k == "set-cookie")
