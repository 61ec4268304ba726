"""The inspections page's cached readers: the filtered list, its exports, one inspection's record.

Arguments are small and hashable: a scope is a sorted tuple of port ids (None = every port), a
filter an InspectionFilter (a frozen dataclass; filter_of builds one from the URL's filters,
components/inspections/filters.py).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from components.inspections.filters import ListFilters
from components.shell.runtime import get_engine, get_settings, load_ports, scope_set
from components.shell.state import Scope
from portsight.clock import utcnow
from portsight.db.overdue import overdue_cutoff
from portsight.documents.cells import frame_csv_bytes, frame_xlsx_bytes
from portsight.queries import alert_parameters
from portsight.queries import inspection_record as record_queries
from portsight.queries import inspections as inspection_queries

__all__ = [
    "filter_of",
    "load_declaration_number",
    "load_enterprise",
    "load_export",
    "load_finding_rules",
    "load_inspection_record",
    "load_inspections",
    "load_inspectors",
    "load_ports",
    "media_dir",
]


@st.cache_data(ttl=10, max_entries=256, show_spinner=False)
def load_inspections(
    scope: Scope, flt: inspection_queries.InspectionFilter, sort: str, descending: bool, limit: int, offset: int
) -> tuple[pd.DataFrame, int]:
    engine = get_engine()
    page = inspection_queries.search_inspections(
        engine, scope_set(scope), flt, sort=sort, descending=descending, limit=limit, offset=offset
    )
    return page.rows, inspection_queries.count_inspections(engine, scope_set(scope), flt)


@st.cache_data(ttl=30, max_entries=32, show_spinner=False)
def load_export(
    scope: Scope, flt: inspection_queries.InspectionFilter, sort: str, descending: bool, kind: str
) -> bytes:
    df = inspection_queries.export_inspections(get_engine(), scope_set(scope), flt, sort=sort, descending=descending)
    return frame_xlsx_bytes(df, "inspections") if kind == "xlsx" else frame_csv_bytes(df)  # formulas as text


@st.cache_data(ttl=10, max_entries=64, show_spinner=False)
def load_inspection_record(scope: Scope, inspection_id: int) -> dict:
    return record_queries.inspection_record(get_engine(), scope_set(scope), inspection_id)


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def load_inspectors(scope: Scope) -> list[dict]:
    return inspection_queries.inspectors_in_scope(get_engine(), scope_set(scope))


def media_dir() -> Path:
    return get_settings().media_dir


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def load_enterprise(enterprise_id: int) -> dict | None:
    return inspection_queries.enterprise_by_id(get_engine(), enterprise_id)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def load_declaration_number(scope: Scope, declaration_id: int) -> str | None:
    return inspection_queries.declaration_number(get_engine(), scope_set(scope), declaration_id)


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def load_finding_rules(scope: Scope) -> list[str]:
    return inspection_queries.finding_rules(get_engine(), scope_set(scope))


@st.cache_data(ttl=60, max_entries=4, show_spinner=False)
def _overdue_cutoff(minute: str) -> datetime:
    # Per minute, as the board counts (components/overview/data.py): the same list for a minute.
    now = utcnow()
    return overdue_cutoff(now, alert_parameters.overdue_minutes_in_force(get_engine(), now, get_settings()))


def filter_of(flt: ListFilters) -> inspection_queries.InspectionFilter:
    """The query's filter for the URL's filters (ports narrow the scope instead: the page's job)."""
    opened, decided, completed, held, declared = (
        (flt.date_from, flt.date_to) if flt.dated == kind else (None, None)
        for kind in ("opened", "decided", "completed", "held", "declared")
    )
    return inspection_queries.InspectionFilter(
        states=flt.states,
        date_from=opened[0],
        date_to=opened[1],
        decided_from=decided[0],
        decided_to=decided[1],
        completed_from=completed[0],
        completed_to=completed[1],
        held_from=held[0],
        held_to=held[1],
        declared_from=declared[0],
        declared_to=declared[1],
        enterprise=flt.enterprise or None,
        container=flt.container or None,
        hs_chapter=flt.hs or None,
        inspector_id=flt.inspector_id,
        decision=flt.decision,
        enterprise_id=flt.enterprise_id,
        declaration_id=flt.declaration_id,
        finding=flt.finding,
        credit_tier=flt.tier,
        origin=flt.origin,
        hs_section=flt.section,
        overdue_cutoff=_overdue_cutoff(utcnow().strftime("%Y-%m-%dT%H:%M")) if flt.overdue else None,
    )
