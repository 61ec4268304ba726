"""The alerts page's filters kept in the URL, and the labels of its groups in the reader's language.

The URL is the filters' record: each run reads st.query_params (codes, never labels, so a link
works in either language) and sets the widgets from it, and a widget's change writes the URL.
A link therefore opens the same view, and the browser's back button (Streamlit reruns with the
URL it returns to) brings the previous filters back. Streamlit's own bind="query-params" is not
used: it writes a multiselect's formatted labels, which differ by language.

    ?state=open&state=acknowledged&severity=high&kind=overdue&port=CNSGH&enterprise=12
     &group=overdue.3.12&search=TGHU&alert=123
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import streamlit as st

from components.shell.formatting import enterprise_label
from portsight.db.alert_store import ALERT_STATES, UNRESOLVED
from portsight.domain.rulebook import SEVERITIES_HIGH_FIRST
from portsight.i18n import catalogue, fmt_number, t
from portsight.queries.alerts import MAX_SEARCH, AlertGroup

ANY_STATE = "any"  # ?state=any: every state (no state parameter means the unresolved ones)
SEPARATOR = "."


@dataclass(frozen=True)
class AlertFilters:
    states: tuple[str, ...] = UNRESOLVED
    severities: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()  # port codes
    enterprise_id: int | None = None
    group: AlertGroup | None = None
    search: str = ""
    alert_id: int | None = None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 18 else None


def group_code(group: AlertGroup) -> str:
    """A group in the URL: kind.port_id.enterprise_id, an empty part for none."""
    kind, port_id, enterprise_id = group
    return SEPARATOR.join(
        [kind, "" if port_id is None else str(port_id), "" if enterprise_id is None else str(enterprise_id)]
    )


def parse_group(text: str | None) -> AlertGroup | None:
    parts = (text or "").split(SEPARATOR)
    if len(parts) != 3 or not parts[0]:
        return None
    kind, port, enterprise = parts
    if (port and _int(port) is None) or (enterprise and _int(enterprise) is None):
        return None
    return kind, _int(port), _int(enterprise)


def parse_filters(params: Mapping[str, list[str]]) -> AlertFilters:
    """The filters a URL's parameters ask for (each a list of values); unknown values are dropped."""

    def one(name: str) -> str | None:
        values = params.get(name) or []
        return values[-1] if values else None

    states_asked = params.get("state")
    if not states_asked:
        states: tuple[str, ...] = UNRESOLVED
    elif ANY_STATE in states_asked:
        states = ()
    else:
        states = tuple(s for s in ALERT_STATES if s in states_asked) or UNRESOLVED
    return AlertFilters(
        states=states,
        severities=tuple(s for s in SEVERITIES_HIGH_FIRST if s in (params.get("severity") or [])),
        kinds=tuple(dict.fromkeys(k for k in params.get("kind") or [] if k)),
        ports=tuple(dict.fromkeys(p.upper() for p in params.get("port") or [] if p.isalnum() and len(p) == 5)),
        enterprise_id=_int(one("enterprise")),
        group=parse_group(one("group")),
        search=(one("search") or "").strip()[:MAX_SEARCH],
        # ?id= is how links named the alert before the page had filters; bookmarks keep working.
        alert_id=_int((one("alert") or one("id") or "").lstrip("#")),
    )


def filters_from_url() -> AlertFilters:
    return parse_filters({name: st.query_params.get_all(name) for name in st.query_params})


def set_param(name: str, value: str | Iterable[str] | None) -> None:
    """Write one filter into the URL (None or nothing: remove it)."""
    values = [value] if isinstance(value, str) else list(value or [])
    values = [v for v in values if v != ""]
    if not values:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = values if len(values) > 1 else values[0]


def states_param(states: Iterable[str]) -> list[str] | None:
    """The state filter in the URL: nothing for the default (unresolved), "any" for every state."""
    chosen = tuple(s for s in ALERT_STATES if s in set(states))
    if chosen == UNRESOLVED:
        return None
    return list(chosen) or [ANY_STATE]


# ----- labels in the reader's language


def kind_label(lang: str, kind: str) -> str:
    """A kind's label (alerts.kind_*); a kind this version has no label for reads as its code."""
    key = f"alerts.kind_{kind}"
    return t(lang, key) if key in catalogue(lang) else kind


def port_label(lang: str, code: object, name_en: object, name_zh: object) -> str:
    name = name_zh if lang == "zh_CN" else name_en
    if not isinstance(code, str) or not code:
        return t(lang, "alerts.no_port")
    return f"{name} ({code})" if isinstance(name, str) and name else code


def group_heading(lang: str, row: Mapping) -> str:
    """'Inspection overdue · Shanghai (CNSGH) · 某某公司': kind, port and, where set, enterprise."""
    parts = [
        kind_label(lang, str(row["kind"])),
        port_label(lang, row.get("port"), row.get("port_en"), row.get("port_zh")),
    ]
    if row.get("enterprise_id") is not None and row.get("enterprise_id") == row.get("enterprise_id"):
        parts.append(enterprise_label(lang, row.get("enterprise"), row.get("enterprise_en")))
    return " · ".join(parts)


def group_counts(lang: str, row: Mapping, states: Iterable[str]) -> str:
    """'3 open · 1 acknowledged': the group's count in each state shown, with fmt_number."""
    return " · ".join(
        t(lang, f"alerts.count_{s}", count=fmt_number(lang, int(row.get(s) or 0)))
        for s in ALERT_STATES
        if s in set(states) and int(row.get(s) or 0)
    )
