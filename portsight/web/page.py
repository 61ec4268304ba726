"""The sign-in page: one small self-contained HTML document (no script), in the visitor's language."""

from __future__ import annotations

import base64
import html
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from portsight.i18n import LANGUAGES, t

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
UPGRADE_COMMAND = "python -m portsight db upgrade"
RUN_COMMAND = "make run"
# The app's tab icon, the file app.py gives Streamlit as page_icon.
ICON = Path(__file__).resolve().parents[2] / "components" / "shell" / "icon.svg"

_STYLE = """
body{font-family:"Source Sans Pro","Noto Sans CJK SC",sans-serif;background:#f5f7fa;margin:0;color:#262730}
main{max-width:26rem;margin:8vh auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 4px #0002}
h1{margin:0 0 .25rem;font-size:1.9rem}p.sub{margin:0 0 1.2rem;color:#555}
nav{margin-bottom:1rem;font-size:.95rem}nav a,nav strong{margin-right:.8rem}
label{display:block;margin:.8rem 0 .3rem}input{width:100%;box-sizing:border-box;padding:.55rem;font-size:1rem;
border:1px solid #ccc;border-radius:.3rem}button{margin-top:1.2rem;padding:.6rem 1.4rem;font-size:1rem;border:0;
border-radius:.3rem;background:#1f5aa6;color:#fff;cursor:pointer}
.error{background:#fdecea;color:#7d1a12;padding:.7rem;border-radius:.3rem;margin:.8rem 0}
.note{background:#eef4fb;color:#123;padding:.7rem;border-radius:.3rem;margin:.8rem 0}
code{background:#0001;padding:0 .2rem}
"""


def tr(key: str, lang: str, **values: object) -> str:
    """A message in lang (literal keys, so tests/unit/test_i18n.py checks them)."""
    return t(lang, key, **values)


@cache
def icon_url() -> str:
    """The tab icon inline, as Streamlit writes it on the app's pages: the sign-in page asks the server for no
    file, and no page asks for Streamlit's own /favicon.png."""
    return "data:image/svg+xml;base64," + base64.b64encode(ICON.read_bytes()).decode("ascii")


def _inline(text: str) -> str:
    """Escaped text; `code` spans of the catalogues (written for Markdown) as <code>."""
    escaped = html.escape(text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def render_login_page(
    lang: str,
    next_path: str,
    *,
    username: str = "",
    error: str | None = None,
    note: str | None = None,
    show_form: bool = True,
    keep_language: bool = False,
) -> str:
    """keep_language: the visitor picked lang (a link above, or earlier): signing in remembers it
    over the account's language. Otherwise the app opens in the account's language."""
    # The whole document. Every value from the request (next, username) is HTML-escaped.
    switches = []
    for code in LANGUAGES:
        name = html.escape(LANGUAGE_NAMES[code])
        if code == lang:
            switches.append(f"<strong>{name}</strong>")
        else:
            query = urlencode({"lang": code, "next": next_path})
            switches.append(f'<a href="/login?{html.escape(query)}" hreflang="{code}">{name}</a>')
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh_CN" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<link rel="icon" href="{icon_url()}">',
        f"<title>{html.escape(tr('login.title', lang))} · {html.escape(tr('common.app_name', lang))}</title>",
        f"<style>{_STYLE}</style></head><body><main>",
        f"<h1>{html.escape(tr('common.app_name', lang))}</h1>",
        f'<p class="sub">{html.escape(tr("login.subtitle", lang))}</p>',
        f'<nav aria-label="{html.escape(tr("common.language", lang))}">{"".join(switches)}</nav>',
    ]
    if note:
        parts.append(f'<div class="note" role="status">{_inline(note)}</div>')
    if error:
        parts.append(f'<div class="error" role="alert">{_inline(error)}</div>')
    if show_form:
        parts += [
            '<form method="post" action="/login">',
            f"<h2>{html.escape(tr('login.title', lang))}</h2>",
            f'<input type="hidden" name="next" value="{html.escape(next_path)}">',
            f'<input type="hidden" name="lang" value="{html.escape(lang)}">' if keep_language else "",
            f'<label for="username">{html.escape(tr("login.username", lang))}</label>',
            f'<input id="username" name="username" autocomplete="username" value="{html.escape(username)}"'
            f" required{'' if username else ' autofocus'}>",
            f'<label for="password">{html.escape(tr("login.password", lang))}</label>',
            '<input id="password" name="password" type="password" autocomplete="current-password" required'
            f"{' autofocus' if username else ''}>",
            f'<button type="submit">{html.escape(tr("login.submit", lang))}</button>',
            "</form>",
        ]
    parts.append("</main></body></html>")
    return "\n".join(parts)


def database_message(lang: str, problem: tuple[str, str]) -> str:
    kind, url = problem
    values = {"url": url, "upgrade": UPGRADE_COMMAND, "run": RUN_COMMAND}
    if kind == "missing_file":
        return tr("login.db_missing_file", lang, **values)
    if kind == "no_schema":
        return tr("login.db_no_schema", lang, **values)
    return tr("login.db_unreachable", lang, **values)
