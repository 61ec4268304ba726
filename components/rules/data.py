"""The rules page's cached readers and write wrappers, and pure helpers over the catalogue's rows.

- load_rule_rows / load_switch_history: @st.cache_data readers with small hashable arguments.
- switch_rule / run_backtest: switch a rule (and clear the readers the write affects), back-test one.
- rule_parameter_rows / filter_rule_rows / scope_codes: pure helpers over the catalogue's rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd
import streamlit as st

from components.shell.runtime import get_engine
from portsight.catalogue import default_catalogue
from portsight.domain.access import Actor
from portsight.queries import backtest as backtest_queries
from portsight.queries import rules as rule_queries
from portsight.queries.backtest import BacktestResult
from portsight.services import rules as rule_services

ANY_SCOPE = "any"  # scope filter: every rule
UNIVERSAL = "universal"  # scope filter: rules that apply to every declaration (no scope)


# ---------------------------------------------------------------- cached readers


@st.cache_data(ttl=60, show_spinner=False)
def load_rule_rows(on_date: date) -> list[dict]:
    """Every rule of the catalogue with its switch, parameters on the date and legal basis."""
    return rule_queries.rule_catalogue_rows(get_engine(), on_date)


@st.cache_data(ttl=60, show_spinner=False)
def load_switch_history(rule_id: str | None, limit: int = 20) -> list[dict]:
    """Switch changes from the audit log, newest first (one rule, or every rule for None)."""
    return rule_queries.rule_switch_history(get_engine(), rule_id, limit)


def clear_rule_readers() -> None:
    load_rule_rows.clear()
    load_switch_history.clear()


# ---------------------------------------------------------------- writes and actions


def switch_rule(actor: Actor, rule_id: str, enabled: bool) -> bool:
    """Switch a rule on or off through the audited service, then refresh what the page reads."""
    result = rule_services.set_rule_enabled(get_engine(), actor, rule_id, enabled)
    clear_rule_readers()
    return result


def run_backtest(
    actor: Actor, rule_id: str, start: date, end: date, parameters: Mapping[str, float] | None = None
) -> BacktestResult:
    return backtest_queries.backtest_rule(get_engine(), actor, rule_id, start, end, parameters or None)


def backtest_frame(result: BacktestResult) -> pd.DataFrame:
    """One row per port: port, subjects, hits, share of hits; for selection rules also the rate and verdict."""
    rows = []
    for p in result.by_port:
        row = {"port": p.port_code, "subjects": p.subjects, "hits": p.hits,
               "share": p.hits / p.subjects if p.subjects else None}  # fmt: skip
        if result.kind == "selection":
            row["inspection_rate_pct"] = p.detail.get("inspection_rate_pct")
            row["conforms"] = p.detail.get("conforms")
        rows.append(row)
    columns = ["port", "subjects", "hits", "share"]
    if result.kind == "selection":
        columns += ["inspection_rate_pct", "conforms"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------- pure helpers


def rule_parameter_rows(rule_id: str) -> list[dict]:
    """The rule's parameters as dated values: name, unit, from (None = since always), value."""
    rule = default_catalogue().get(rule_id)
    return [
        {"name": name, "unit": p.unit, "from": start, "value": value}
        for name, p in rule.parameters.items()
        for start, value in p.values
    ]


def rule_parameter_defaults(rule_id: str, on_date: date) -> dict[str, tuple[float, str]]:
    """{name: (value on the date, unit)}: the starting values of the back-test's parameter inputs."""
    rule = default_catalogue().get(rule_id)
    return {name: (p.at(on_date), p.unit) for name, p in rule.parameters.items()}


def scope_codes(row: Mapping) -> list[str]:
    return [str(code) for codes in row["scope"].values() for code in codes]


def filter_rule_rows(rows: Iterable[dict], kinds: Iterable[str], scope: str = ANY_SCOPE, text: str = "") -> list[dict]:
    """Rows of the given kinds whose scope restricts by `scope` (ANY_SCOPE: every rule; UNIVERSAL:
    rules without a scope) and whose id, titles or scope codes contain `text` (case-insensitive).
    A text that is an HS code also finds rules whose HS prefixes cover it (4707 -> 4707, 47)."""
    kinds = set(kinds)
    needle = text.strip().lower()
    out = []
    for row in rows:
        if row["kind"] not in kinds:
            continue
        if scope == UNIVERSAL and row["scope"]:
            continue
        if scope not in (ANY_SCOPE, UNIVERSAL) and scope not in row["scope"]:
            continue
        if needle:
            haystack = " ".join([row["id"], row["title_zh"], row["title_en"], *scope_codes(row)]).lower()
            hs_hit = needle.isdigit() and any(needle.startswith(p) for p in row["scope"].get("hs", []))
            if needle not in haystack and not hs_hit:
                continue
        out.append(row)
    return out
