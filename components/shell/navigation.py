"""The page registry: page key -> file, title key, icon and menu section. Adding a page is one line here.

    PAGES = {
        "home": PageSpec("pages/home.py", "nav.home", ":material/home:", None),
        "alerts": PageSpec("pages/alerts.py", "nav.alerts", ":material/notifications:", SUPERVISION),  # <- a new page
    }

Who may open a page is decided by portsight.domain.access.PAGE_ROLES (not here). The menu is
grouped in SECTIONS, in that order (a role sees only the sections holding a page it may open),
pages in PAGE_ROLES order inside a section; a page without a section (home) comes first, with
no header. The new page's file is pages/<key>.py and its first statement is
`actor = require_page("<key>")` (tests/unit/test_page_guard.py checks both); its title key
("nav.alerts") must exist in portsight/i18n/{en,zh_CN}/nav.json (the i18n test checks it). The
URL of a page is its key (/alerts).

Every key of PAGE_ROLES that the signed-in role may NOT open is registered as a hidden page
that shows a refusal: opening it by URL says so, instead of silently falling back to home. A page
of the LINKED "section" is in no menu: registered hidden for the roles that may open it, it is
reached by its links (the weekly review's enterprises open /enterprise?id=N).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from components.shell.state import require_page, tr
from portsight.domain.access import PAGE_ROLES, Role, may_open

# Menu sections (i18n keys of their headers), in menu order: grouped by the work they serve.
SUPERVISION = "nav.section_supervision"  # what supervisors and administrators watch and review
FIELD = "nav.section_field"  # work at the container: inspection, remote help, the gate
PLANNING = "nav.section_planning"  # who inspects what and when, and by which rules
DATA = "nav.section_data"  # exchange with the national backbone
SECTIONS = (SUPERVISION, FIELD, PLANNING, DATA)
# Not a menu section: a page opened only by its links (/enterprise?id=N), registered hidden.
LINKED = "linked"


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to app.py: pages/<key>.py
    title_key: str  # i18n key of the menu title
    icon: str
    section: str | None  # one of SECTIONS, None: at the top of the menu without a header, or LINKED


PAGES: dict[str, PageSpec] = {
    "home": PageSpec("pages/home.py", "nav.home", ":material/home:", None),
    "overview": PageSpec("pages/overview.py", "nav.overview", ":material/monitoring:", SUPERVISION),
    "inspections": PageSpec("pages/inspections.py", "nav.inspections", ":material/manage_search:", SUPERVISION),
    "alerts": PageSpec("pages/alerts.py", "nav.alerts", ":material/notifications:", SUPERVISION),
    "notifications": PageSpec(
        "pages/notifications.py", "nav.notifications", ":material/notifications_active:", SUPERVISION
    ),
    "statistics": PageSpec("pages/statistics.py", "nav.statistics", ":material/query_stats:", SUPERVISION),
    "enterprise": PageSpec("pages/enterprise.py", "nav.enterprise", ":material/domain:", LINKED),
    "field_inspection": PageSpec("pages/field_inspection.py", "nav.field_inspection", ":material/fact_check:", FIELD),
    "remote_assist": PageSpec("pages/remote_assist.py", "nav.remote_assist", ":material/support_agent:", FIELD),
    "gate": PageSpec("pages/gate.py", "nav.gate", ":material/qr_code_scanner:", FIELD),
    "selection": PageSpec("pages/selection.py", "nav.selection", ":material/casino:", PLANNING),
    "roster": PageSpec("pages/roster.py", "nav.roster", ":material/calendar_month:", PLANNING),
    "rules": PageSpec("pages/rules.py", "nav.rules", ":material/gavel:", PLANNING),
    "risk_profiles": PageSpec("pages/risk_profiles.py", "nav.risk_profiles", ":material/crisis_alert:", PLANNING),
    "alert_settings": PageSpec("pages/alert_settings.py", "nav.alert_settings", ":material/tune:", PLANNING),
    "data_exchange": PageSpec("pages/data_exchange.py", "nav.data_exchange", ":material/sync_alt:", DATA),
    "users": PageSpec("pages/users.py", "nav.users", ":material/manage_accounts:", DATA),
    "administration": PageSpec(
        "pages/administration.py", "nav.administration", ":material/admin_panel_settings:", DATA
    ),
}

DEFAULT_PAGE = "home"


def menu(role: Role | str) -> dict[str | None, list[str]]:
    """The role's menu: section (None first, then SECTIONS order) -> its pages in PAGE_ROLES order.

    Only sections holding a page the role may open.
    """
    keys = [key for key in PAGE_ROLES if key in PAGES and may_open(role, key)]
    grouped = {section: [key for key in keys if PAGES[key].section == section] for section in (None, *SECTIONS)}
    return {section: keys for section, keys in grouped.items() if keys}


def visible_pages(role: Role | str) -> list[str]:
    """Registered pages the role may open, in menu order (the links' order in the sidebar)."""
    return [key for keys in menu(role).values() for key in keys]


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


def build_pages(role: Role | str) -> dict[str, list[st.Page]]:
    """The argument of st.navigation for a signed-in role: its menu by section, refusals hidden."""
    sections: dict[str, list[st.Page]] = {
        "" if section is None else tr(section): [
            st.Page(
                PAGES[key].path,
                title=tr(PAGES[key].title_key),
                icon=PAGES[key].icon,
                url_path=key,
                default=key == DEFAULT_PAGE,
            )
            for key in keys
        ]
        for section, keys in menu(role).items()
    }
    # Hidden pages go with home, in the section without a header: every role's menu has it.
    sections.setdefault("", [])
    sections[""] += [
        st.Page(_refusal(key), title=tr("nav.refused"), url_path=key, visibility="hidden")
        for key in refused_pages(role)
    ]
    sections[""] += [
        st.Page(PAGES[key].path, title=tr(PAGES[key].title_key), url_path=key, visibility="hidden")
        for key in PAGE_ROLES
        if key in PAGES and PAGES[key].section == LINKED and may_open(role, key)
    ]
    return sections
