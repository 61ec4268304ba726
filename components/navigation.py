"""The page registry: page key -> file, title key and icon. Adding a page is one line here.

    PAGES = {
        "home": PageSpec("views/home.py", "nav.home", ":material/home:"),
        "alerts": PageSpec("views/alerts.py", "nav.alerts", ":material/notifications:"),  # <- a new page
    }

Who may open a page is decided by portsight.domain.access.PAGE_ROLES (not here); the menu
follows PAGE_ROLES order. The new page's module starts with `actor = require_page("alerts")`,
and its title key ("nav.alerts") must exist in portsight/i18n/{en,zh_CN}/nav.json (the i18n
test checks it). The URL of a page is its key (/alerts).

Every key of PAGE_ROLES that the signed-in role may NOT open is registered as a hidden page
that shows a refusal: opening it by URL says so, instead of silently falling back to home.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from components.state import require_page, tr
from portsight.domain.access import PAGE_ROLES, Role, may_open


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to app.py
    title_key: str  # i18n key of the menu title
    icon: str


PAGES: dict[str, PageSpec] = {
    "home": PageSpec("views/home.py", "nav.home", ":material/home:"),
    "overview": PageSpec("views/overview.py", "nav.overview", ":material/monitoring:"),
    "inspections": PageSpec("views/inspections.py", "nav.inspections", ":material/manage_search:"),
    "alerts": PageSpec("views/alerts.py", "nav.alerts", ":material/notifications:"),
    "remote_assist": PageSpec("views/remote_assist.py", "nav.remote_assist", ":material/support_agent:"),
    "selection": PageSpec("views/selection.py", "nav.selection", ":material/casino:"),
    "roster": PageSpec("views/roster.py", "nav.roster", ":material/calendar_month:"),
    "rules": PageSpec("views/rules.py", "nav.rules", ":material/gavel:"),
    "statistics": PageSpec("views/statistics.py", "nav.statistics", ":material/query_stats:"),
    "data_exchange": PageSpec("views/data_exchange.py", "nav.data_exchange", ":material/sync_alt:"),
    "field_inspection": PageSpec("views/field_inspection.py", "nav.field_inspection", ":material/fact_check:"),
    "gate": PageSpec("views/gate.py", "nav.gate", ":material/qr_code_scanner:"),
}

DEFAULT_PAGE = "home"


def visible_pages(role: Role | str) -> list[str]:
    """Registered pages the role may open, in PAGE_ROLES order."""
    return [key for key in PAGE_ROLES if key in PAGES and may_open(role, key)]


def refused_pages(role: Role | str) -> list[str]:
    """Known pages the role may not open: each gets a hidden page that refuses."""
    return [key for key in PAGE_ROLES if not may_open(role, key)]


def _refusal(page_key: str):
    def refuse() -> None:
        require_page(page_key)  # shows the refusal and stops

    refuse.__name__ = f"refused_{page_key}"
    return refuse


def signed_out_pages(login_view) -> list[st.Page]:
    """The login view at /login (default) and, hidden, at every page URL.

    A visitor who follows a link to /alerts, or who signs out on any page, sees the sign-in form
    instead of Streamlit's "page not found"; after signing in the same URL opens the page (or
    its refusal).
    """
    pages = [st.Page(login_view, title=tr("login.title"), url_path="login", default=True)]
    pages += [st.Page(login_view, title=tr("login.title"), url_path=key, visibility="hidden") for key in PAGE_ROLES]
    return pages


def build_pages(role: Role | str) -> list[st.Page]:
    pages = [
        st.Page(
            PAGES[key].path,
            title=tr(PAGES[key].title_key),
            icon=PAGES[key].icon,
            url_path=key,
            default=key == DEFAULT_PAGE,
        )
        for key in visible_pages(role)
    ]
    pages += [
        st.Page(_refusal(key), title=tr("nav.refused"), url_path=key, visibility="hidden")
        for key in refused_pages(role)
    ]
    return pages
