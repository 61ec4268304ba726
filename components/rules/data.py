"""The rules page's cached readers and write wrappers, and pure helpers over the catalogue's rows.

- load_rule_rows / load_switch_history: @st.cache_data readers with small hashable arguments.
- switch_rule / run_backtest: switch a rule (and clear the readers the write affects), back-test one.
- load_assist_cases / propose_rule: expert cases and the rule proposals an administrator makes of them.
- rule_parameter_rows / filter_rule_rows / scope_codes: pure helpers over the catalogue's rows.
- rule_calendar / filter_calendar / calendar_periods: the catalogue as a calendar of the law (what
  changed when, and what each change did to the checklist).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import PurePosixPath

import pandas as pd
import streamlit as st

from components.shell.runtime import get_engine
from portsight.catalogue import default_catalogue
from portsight.domain.access import Actor
from portsight.domain.rulebook import Rule, RuleCatalogue
from portsight.queries import assist_cases as case_queries
from portsight.queries import backtest as backtest_queries
from portsight.queries import rules as rule_queries
from portsight.queries.backtest import BacktestResult
from portsight.services import assist_cases as case_services
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


def load_assist_cases(port_ids: Iterable[int] | None, *, proposed_only: bool = False) -> list[dict]:
    """Expert cases in scope with how often each recurs (not cached: a proposal shows at once)."""
    return case_queries.review_cases(get_engine(), port_ids, proposed_only=proposed_only)


def clear_rule_readers() -> None:
    load_rule_rows.clear()
    load_switch_history.clear()


# ---------------------------------------------------------------- writes and actions


def propose_rule(actor: Actor, case_id: int) -> None:
    """Record a rule proposal from an expert case (administrators; audited; no rule changes)."""
    case_services.propose_rule(get_engine(), actor, case_id)


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


# ---------------------------------------------------------------- the calendar of the law

STARTS, ENDS, NARROWS = "starts", "ends", "narrows"  # what happens to a rule on an event's day
# What a change does to the checklist (rules.cal_effect_<effect> says it in the user's language).
EFFECTS = (
    "adds_step", "removes_step", "step_continues", "adds_check", "drops_check", "raises_alert",
    "forbids_release", "stops_alert", "sets_bound", "drops_bound", "scope_narrowed",
)  # fmt: skip


def rule_family(rule: Rule) -> str:
    """The family a rule belongs to: the name of its rule file (data/rules/waste.yaml -> waste)."""
    return PurePosixPath(rule.source.replace("\\", "/")).stem


def _effect(rule: Rule, change: str, catalogue: RuleCatalogue) -> str:
    if change == NARROWS:
        return "scope_narrowed"
    if rule.kind == "alert":
        if change == ENDS:
            return "stops_alert"
        return "forbids_release" if rule.forbids_release else "raises_alert"
    if rule.kind == "selection":
        return "sets_bound" if change == STARTS else "drops_bound"
    if rule.adds_step is not None:
        if change == STARTS:
            return "adds_step"
        successor = catalogue.get(rule.superseded_by) if rule.superseded_by in catalogue else None
        return "step_continues" if successor is not None and successor.step_key == rule.step_key else "removes_step"
    return "adds_check" if change == STARTS else "drops_check"


def rule_calendar(catalogue: RuleCatalogue | None = None) -> list[dict]:
    """The catalogue's dated changes, newest first.

    One event per date a rule carries: it starts on effective_from, ends on the day after
    effective_to (its last day in force, `last_day`), and narrows on the date an HS exception of
    its scope takes effect while it is in force (`codes`: what it no longer covers). Each event
    says what the change did to the checklist (`effect`, one of EFFECTS) on which step, the rule
    that takes over (`successor`) and the rules it takes over from (`predecessors`). Rules without
    dates are no events.
    """
    catalogue = catalogue or default_catalogue()
    specs = catalogue.step_specs()
    predecessors: dict[str, list[str]] = {}
    for rule in catalogue.rules:
        if rule.superseded_by:
            predecessors.setdefault(rule.superseded_by, []).append(rule.id)
    events = []
    for rule in catalogue.rules:
        dated: list[tuple[str, date | None]] = [(STARTS, rule.effective_from)]
        if rule.effective_to is not None:
            dated.append((ENDS, rule.effective_to + timedelta(days=1)))
        carved: dict[date, list[str]] = {}
        for exception in rule.scope.hs_except:
            since = exception.since
            if (
                since is not None
                and (rule.effective_from is None or since > rule.effective_from)
                and rule.in_force(since)
            ):
                carved.setdefault(since, []).append(exception.prefix)
        dated += [(NARROWS, since) for since in sorted(carved)]
        step = specs.get(rule.step_key) if rule.step_key else None
        for change, on in dated:
            if on is None:
                continue
            events.append(
                {
                    "on": on,
                    "change": change,
                    "rule_id": rule.id,
                    "family": rule_family(rule),
                    "kind": rule.kind,
                    "title_zh": rule.title.zh,
                    "title_en": rule.title.en,
                    "effect": _effect(rule, change, catalogue),
                    "step": rule.step_key,
                    "step_zh": step.title.zh if step else None,
                    "step_en": step.title.en if step else None,
                    "scope": rule.scope.codes(),
                    "codes": carved.get(on, []) if change == NARROWS and on is not None else [],
                    "last_day": rule.effective_to if change == ENDS else None,
                    "successor": rule.superseded_by if change == ENDS else None,
                    "predecessors": predecessors.get(rule.id, []) if change == STARTS else [],
                }
            )
    # Newest first; on one day what ends, then what narrows, then what starts; then by family and rule.
    order = {ENDS: 0, NARROWS: 1, STARTS: 2}
    events.sort(key=lambda e: (order[e["change"]], e["family"], e["rule_id"]))
    events.sort(key=lambda e: e["on"], reverse=True)
    return events


def calendar_families(events: Iterable[dict]) -> list[str]:
    return sorted({e["family"] for e in events})


def filter_calendar(events: Iterable[dict], families: Iterable[str] | None = None) -> list[dict]:
    """The events of the given families (None: every family), in their order."""
    if families is None:
        return list(events)
    wanted = set(families)
    return [e for e in events if e["family"] in wanted]


def calendar_periods(catalogue: RuleCatalogue | None = None, families: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per dated rule: rule, family, start and end (None: since always / open-ended), successor."""
    catalogue = catalogue or default_catalogue()
    wanted = None if families is None else set(families)
    rows = [
        {
            "rule": rule.id,
            "family": rule_family(rule),
            "start": rule.effective_from,
            "end": rule.effective_to,
            "successor": rule.superseded_by,
        }
        for rule in catalogue.rules
        if (rule.effective_from or rule.effective_to) and (wanted is None or rule_family(rule) in wanted)
    ]
    return pd.DataFrame(rows, columns=["rule", "family", "start", "end", "successor"])
