"""Rules: browse the catalogue by kind and scope, read each rule's legal basis, switch rules on/off
(administrators; audited) with the switch history from the audit log, and back-test a rule or a
changed parameter on history, by port, before it goes live. The calendar tab shows the law's
changes as dated events (rules starting, ending, taken over) and what each did to the checklist.
Administrators also review the remote experts' cases and record a rule proposal from one that
recurs (audited; it changes no rule)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.rules.charts import backtest_chart, calendar_chart
from components.rules.data import (
    ANY_SCOPE,
    ENDS,
    STARTS,
    UNIVERSAL,
    backtest_frame,
    calendar_families,
    calendar_periods,
    filter_calendar,
    filter_rule_rows,
    load_assist_cases,
    load_rule_rows,
    load_switch_history,
    propose_rule,
    rule_calendar,
    rule_parameter_defaults,
    rule_parameter_rows,
    run_backtest,
    switch_rule,
)
from components.shell.formatting import as_text, step_title
from components.shell.state import lang, require_page, tr
from components.shell.widgets import fmt_time, guarded, localise_times, render_empty, severity_label, show_error
from portsight.clock import LOCAL_TZ, utcnow
from portsight.domain.access import Role
from portsight.domain.rulebook import KINDS, SCOPE_KEYS
from portsight.i18n import fmt_date, fmt_number, fmt_percent

actor = require_page("rules")

# Widget keys of this page
KINDS_FILTER = "rules.kinds"
SCOPE_FILTER = "rules.scope"
SEARCH = "rules.search"
PICK = "rules.pick"
SWITCH = "rules.switch"
BT_START = "rules.backtest_start"
BT_END = "rules.backtest_end"
BT_PARAM = "rules.param.{rule}.{name}"  # one number input per parameter of the picked rule
BT_RUN = "rules.backtest_run"
CAL_FAMILIES = "rules.calendar_families"
CASE_PICK = "rules.case_pick"
CASE_PROPOSE = "rules.case_propose"
# Session state (not widgets)
FLASH = "rules.flash"  # (level, message) left by the switch callback for the next run
BACKTEST = "rules.backtest_result"  # the last BacktestResult

is_admin = actor.role == Role.ADMIN
today = utcnow().astimezone(ZoneInfo(LOCAL_TZ)).date()  # the ports' calendar day, as the back-test counts


# ---------------------------------------------------------------- labels
def kind_label(kind: str) -> str:
    return tr(f"rules.kind_{kind}")


def scope_filter_label(option: str) -> str:
    return tr(f"rules.scope_{option}")


def title_of(row: dict) -> str:
    return row["title_zh"] if lang() == "zh_CN" else row["title_en"]


def scope_code_label(key: str, code) -> str:
    """Credit tiers in the port's words; HS codes, ports and countries are read as codes."""
    return tr(f"selection.tier_{code}") if key == "credit_tiers" else str(code)


def scope_text(row: dict) -> str:
    if not row["scope"]:
        return tr("rules.scope_universal")
    text = "; ".join(
        f"{tr(f'rules.scope_{key}')}: {', '.join(scope_code_label(key, c) for c in codes)}"
        for key, codes in row["scope"].items()
    )
    if row.get("hs_except"):
        carved = [
            code if since is None else tr("rules.except_from", code=code, date=fmt_date(lang(), since))
            for code, since in row["hs_except"]
        ]
        text += f" ({tr('rules.scope_hs_except')} {', '.join(carved)})"
    return text


def date_text(value: date | None, open_key: str) -> str:
    return tr(open_key) if value is None else fmt_date(lang(), value)


def yes_no(value: bool) -> str:
    return tr("rules.yes") if value else tr("rules.no")


# ---------------------------------------------------------------- switch
def _on_switch(rule_id: str) -> None:
    """Toggle callback: runs before the page, so the page below already reads the new state."""
    enabled = bool(st.session_state[SWITCH])
    try:
        switch_rule(actor, rule_id, enabled)
    except Exception as exc:  # noqa: BLE001 - shown on the next run (project errors) or logged
        st.session_state[SWITCH] = not enabled
        st.session_state[FLASH] = ("error", exc)
    else:
        key = "rules.switched_on" if enabled else "rules.switched_off"
        st.session_state[FLASH] = ("success", tr(key, rule=rule_id))


def render_flash() -> None:
    flash = st.session_state.pop(FLASH, None)
    if flash is None:
        return
    level, payload = flash
    if level == "error":
        show_error(payload)
    else:
        st.success(payload, icon=":material/check_circle:")


# ---------------------------------------------------------------- sections
def render_browser(rows: list[dict]) -> list[dict]:
    left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
    # Labels fixed in this run: a format_func may be called outside the run (AppTest), without the language.
    kind_labels = {kind: kind_label(kind) for kind in KINDS}
    scope_labels = {option: scope_filter_label(option) for option in (ANY_SCOPE, UNIVERSAL, *SCOPE_KEYS)}
    kinds = left.multiselect(tr("rules.filter_kind"), list(kind_labels), default=list(kind_labels),
                             format_func=kind_labels.get, key=KINDS_FILTER)  # fmt: skip
    scope = middle.selectbox(tr("rules.filter_scope"), list(scope_labels), format_func=scope_labels.get,
                             key=SCOPE_FILTER)  # fmt: skip
    text = right.text_input(tr("rules.search"), key=SEARCH, placeholder=tr("rules.search_hint"))
    shown = filter_rule_rows(rows, kinds, scope, text)
    if not shown:
        render_empty("rules.no_match")
        return shown
    table = pd.DataFrame(
        {
            "id": [r["id"] for r in shown],
            "title": [title_of(r) for r in shown],
            "kind": [kind_label(r["kind"]) for r in shown],
            "scope": [scope_text(r) for r in shown],
            "severity": [severity_label(r["severity"]) for r in shown],
            "in_force": [r["in_force"] for r in shown],
            "enabled": [r["enabled"] for r in shown],
            "basis": [r["citation_zh"] if lang() == "zh_CN" else r["citation_en"] for r in shown],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        key="rules.table",
        column_config={
            "id": tr("rules.col_id"),
            "title": tr("rules.col_title"),
            "kind": tr("rules.col_kind"),
            "scope": tr("rules.col_scope"),
            "severity": tr("rules.col_severity"),
            "in_force": st.column_config.CheckboxColumn(tr("rules.col_in_force")),
            "enabled": st.column_config.CheckboxColumn(tr("rules.col_enabled")),
            "basis": tr("rules.col_basis"),
        },
    )
    return shown


def render_rule(row: dict) -> None:
    st.subheader(title_of(row))
    st.caption(f"`{row['id']}` · {kind_label(row['kind'])} · {severity_label(row['severity'])} · {row['source']}")
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(f"**{tr('rules.legal_basis')}**")
        st.write(row["citation_zh"] if lang() == "zh_CN" else row["citation_en"])
        if row["url"]:
            st.markdown(f"[{tr('rules.open_source')}]({row['url']})")
        else:
            st.caption(tr("rules.no_url"))
        note = row["note_zh"] if lang() == "zh_CN" else row["note_en"]
        if note:
            st.info(f"**{tr('rules.note')}** {as_text(note)}", icon=":material/info:")
        st.markdown(
            f"**{tr('rules.effective')}** {date_text(row['effective_from'], 'rules.since_always')} → "
            f"{date_text(row['effective_to'], 'rules.open_ended')}  \n"
            + (f"**{tr('rules.superseded_by')}** `{row['superseded_by']}`  \n" if row.get("superseded_by") else "")
            + f"**{tr('rules.in_force_today')}** {yes_no(row['in_force'])}  \n"
            f"**{tr('rules.scope_heading')}** {scope_text(row)}  \n"
            f"**{tr('rules.finding')}** {row['finding_zh'] if lang() == 'zh_CN' else row['finding_en']}"
        )
        if row["step"]:
            st.markdown(f"**{tr('rules.step')}** `{row['step']}`")
    with right:
        st.markdown(f"**{tr('rules.parameters')}**")
        params = rule_parameter_rows(row["id"])
        if params:
            st.table(
                pd.DataFrame(
                    {
                        tr("rules.param_name"): [p["name"] for p in params],
                        tr("rules.param_from"): [date_text(p["from"], "rules.since_always") for p in params],
                        tr("rules.param_value"): [f"{p['value']:g} {p['unit']}" for p in params],
                    }
                ),
                hide_index=True,
            )
        else:
            st.caption(tr("rules.no_parameters"))
        render_switch(row)


def render_switch(row: dict) -> None:
    st.session_state[SWITCH] = row["enabled"]  # the database decides; a stale widget state never does
    st.toggle(
        tr("rules.switch_label"),
        key=SWITCH,
        on_change=_on_switch,
        args=(row["id"],),
        disabled=not is_admin,
        help=None if is_admin else tr("rules.switch_admin_only"),
    )
    if row["changed_at"] is not None:
        when = localise_times(pd.DataFrame({"at": [row["changed_at"]]}), "at")["at"].iloc[0]
        st.caption(tr("rules.last_changed", who=as_text(row["changed_by"] or "—"), when=when))
    if not is_admin:
        st.caption(tr("rules.read_only"))


def render_history(rule_id: str) -> None:
    st.markdown(f"**{tr('rules.history')}**")
    history = load_switch_history(rule_id)
    if not history:
        render_empty("rules.no_history")
        return
    frame = localise_times(pd.DataFrame(history), "at")

    def change(entry: dict | None) -> str:
        if not entry or "enabled" not in entry:
            return "—"
        return tr("rules.state_on") if entry["enabled"] else tr("rules.state_off")

    st.table(
        pd.DataFrame(
            {
                tr("rules.col_at"): frame["at"],
                tr("rules.col_actor"): frame["actor"].map(as_text),  # st.table cells are Markdown
                tr("rules.col_change"): [
                    f"{change(b)} → {change(a)}" for b, a in zip(frame["before"], frame["after"], strict=True)
                ],
            }
        ),
        hide_index=True,
    )


def render_backtest(row: dict) -> None:
    st.subheader(tr("rules.backtest"))
    st.caption(tr("rules.backtest_help"))
    c1, c2 = st.columns(2)
    start = c1.date_input(tr("rules.period_start"), value=today - timedelta(weeks=26) + timedelta(days=1),
                          max_value=today, key=BT_START)  # fmt: skip
    end = c2.date_input(tr("rules.period_end"), value=today, max_value=today, key=BT_END)
    overrides: dict[str, float] = {}
    defaults = rule_parameter_defaults(row["id"], end)
    if defaults:
        cols = st.columns(len(defaults))
        for col, (name, (value, unit)) in zip(cols, defaults.items(), strict=True):
            chosen = col.number_input(f"{name} ({unit})", value=float(value), format="%g",
                                      key=BT_PARAM.format(rule=row["id"], name=name))  # fmt: skip
            if chosen != float(value):
                overrides[name] = chosen
        st.caption(tr("rules.param_hint"))
    if st.button(tr("rules.run_backtest"), key=BT_RUN, type="primary", icon=":material/history:"):
        result = guarded(lambda: run_backtest(actor, row["id"], start, end, overrides))
        if result is not None:
            st.session_state[BACKTEST] = result
    result = st.session_state.get(BACKTEST)
    if result is not None and result.rule_id == row["id"]:
        render_backtest_result(result)


def render_backtest_result(result) -> None:
    period = f"{fmt_date(lang(), result.start)} – {fmt_date(lang(), result.end)}"
    if result.parameters:
        used = ", ".join(f"{k} = {v:g}" for k, v in result.parameters.items())
        st.caption(tr("rules.backtest_with_changes", period=period, parameters=used))
    else:
        st.caption(tr("rules.backtest_with_catalogue", period=period))
    if not result.in_force:
        st.warning(tr("rules.not_in_force_in_period"), icon=":material/event_busy:")
        return
    unit = tr(f"rules.unit_{result.unit}")
    m1, m2 = st.columns(2)
    m1.metric(tr("rules.total_hits"), fmt_number(lang(), result.total_hits))
    m2.metric(tr("rules.total_subjects", unit=unit), fmt_number(lang(), result.total_subjects))
    frame = backtest_frame(result)
    if frame.empty:
        render_empty("rules.backtest_nothing")
        return
    st.caption(tr(f"rules.hit_meaning_{result.kind}"))
    shown = frame.copy()
    shown["share"] = shown["share"].map(lambda v: fmt_percent(lang(), v, 1))
    config = {
        "port": tr("rules.col_port"),
        "subjects": tr("rules.col_subjects", unit=unit),
        "hits": tr("rules.col_hits"),
        "share": tr("rules.col_share"),
    }
    if result.kind == "selection":
        shown["inspection_rate_pct"] = shown["inspection_rate_pct"].map(
            lambda v: fmt_percent(lang(), None if pd.isna(v) else v / 100, 1)
        )
        shown["conforms"] = shown["conforms"].map(lambda v: "—" if v is None or pd.isna(v) else yes_no(v))
        config |= {"inspection_rate_pct": tr("rules.col_rate"), "conforms": tr("rules.col_conforms")}
    left, right = st.columns([2, 3])
    left.table(shown.rename(columns=config), hide_index=True)
    right.plotly_chart(
        backtest_chart(frame, tr("rules.col_hits"), tr("rules.col_subjects", unit=unit), count_axis=unit),
        key="rules.backtest_chart",
    )


# ---------------------------------------------------------------- calendar
def family_label(family: str) -> str:
    """A rule file's family in the user's words; a file without a label shows its name."""
    key = f"rules.family_{family}"
    text = tr(key)
    return family if text == key else text


def effect_text(event: dict) -> str:
    step = event["step_zh"] if lang() == "zh_CN" else event["step_en"]
    return tr(f"rules.cal_effect_{event['effect']}", step=step or "—", codes=", ".join(event["codes"]))


def succession_text(event: dict) -> str:
    if event["change"] == ENDS:
        day = fmt_date(lang(), event["last_day"])
        if event["successor"]:
            return tr("rules.cal_successor", rule=event["successor"], date=day)
        return tr("rules.cal_last_day", date=day)
    if event["change"] == STARTS and event["predecessors"]:
        return tr("rules.cal_predecessors", rules=", ".join(event["predecessors"]))
    return ""


def render_calendar() -> None:
    st.caption(tr("rules.calendar_intro"))
    events = rule_calendar()
    families = calendar_families(events)
    labels = {f: family_label(f) for f in families}  # fixed in this run (see render_browser)
    chosen = st.multiselect(tr("rules.calendar_families"), families, default=families, format_func=labels.get,
                            key=CAL_FAMILIES)  # fmt: skip
    shown = filter_calendar(events, chosen)
    if not shown:
        render_empty("rules.calendar_empty")
        return
    table = pd.DataFrame(
        {
            "on": [fmt_date(lang(), e["on"]) for e in shown],
            "change": [tr(f"rules.cal_change_{e['change']}") for e in shown],
            "rule": [f"{e['rule_id']} — {e['title_zh'] if lang() == 'zh_CN' else e['title_en']}" for e in shown],
            "family": [labels.get(e["family"], e["family"]) for e in shown],
            "effect": [effect_text(e) for e in shown],
            "link": [succession_text(e) for e in shown],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        key="rules.calendar_table",
        column_config={
            "on": tr("rules.cal_col_on"),
            "change": tr("rules.cal_col_change"),
            "rule": tr("rules.cal_col_rule"),
            "family": tr("rules.cal_col_family"),
            "effect": tr("rules.cal_col_effect"),
            "link": tr("rules.cal_col_link"),
        },
    )
    st.plotly_chart(
        calendar_chart(calendar_periods(families=chosen), today, labels, title=tr("rules.calendar_chart"),
                       today_label=tr("rules.calendar_today")),
        key="rules.calendar_chart",
    )  # fmt: skip


# ---------------------------------------------------------------- expert cases (administrators)
def _on_propose(case_id: int) -> None:
    try:
        propose_rule(actor, case_id)
    except Exception as exc:  # noqa: BLE001 - shown on the next run (project errors) or logged
        st.session_state[FLASH] = ("error", exc)
    else:
        st.session_state[FLASH] = ("success", tr("cases.proposed", id=case_id))


def case_table(cases: list[dict], key: str, columns: list[str]) -> None:
    """Cases as a table; the answer and question are cells (shown as typed, never as Markdown)."""
    df = localise_times(pd.DataFrame(cases), "concluded_at", "proposed_at")
    df["step_key"] = df["step_key"].map(lambda k: step_title(lang(), k))
    df["rule_ids"] = df["rule_ids"].map(lambda ids: ", ".join(ids or []))
    labels = {
        "id": tr("cases.col_id"),
        "concluded_at": tr("cases.col_concluded"),
        "port": tr("cases.col_port"),
        "declaration": tr("cases.col_declaration"),
        "heading": tr("cases.col_heading"),
        "step_key": tr("cases.col_step"),
        "rule_ids": tr("cases.col_rules"),
        "question": tr("cases.col_question"),
        "answer": tr("cases.col_answer"),
        "expert": tr("cases.col_expert"),
        "recurrence": tr("cases.col_recurrence"),
        "proposed_at": tr("cases.col_proposed"),
        "proposed_by": tr("cases.col_proposed_by"),
    }
    st.dataframe(df[columns], hide_index=True, key=key, column_config={c: labels[c] for c in columns})


def render_cases() -> None:
    """Expert cases, a rule proposal from one that recurs, and the proposals recorded."""
    st.caption(tr("cases.review_intro"))
    cases = load_assist_cases(actor.port_ids)
    if not cases:
        render_empty("cases.none")
    else:
        case_table(
            cases,
            "rules.cases_table",
            ["id", "concluded_at", "port", "heading", "step_key", "rule_ids", "question", "answer", "expert",
             "recurrence", "proposed_at"],
        )  # fmt: skip
        by_id = {c["id"]: c for c in cases}
        labels = {  # fixed in this run (see render_browser)
            c["id"]: tr(
                "cases.pick_label",
                id=c["id"],
                heading=c["heading"],
                step=step_title(lang(), c["step_key"]),
                count=c["recurrence"],
            )
            for c in cases
        }
        picked = st.selectbox(tr("cases.pick"), list(by_id), key=CASE_PICK, format_func=labels.get)
        case = by_id[picked]
        with st.container(border=True, key="rules.case"):
            st.markdown(f"**{tr('cases.col_question')}** {as_text(case['question'])}")
            st.markdown(f"**{tr('cases.col_answer')}** {as_text(case['answer'])}")
            if case["proposed_at"] is not None:
                when = fmt_time(case["proposed_at"])
                st.info(tr("cases.already_proposed", user=as_text(case["proposed_by"] or "—"), when=when))
            else:
                st.button(
                    tr("cases.propose"),
                    key=CASE_PROPOSE,
                    on_click=_on_propose,
                    args=(int(picked),),
                    type="primary",
                    icon=":material/lightbulb:",
                )
    st.subheader(tr("cases.proposals_title"))
    proposals = load_assist_cases(actor.port_ids, proposed_only=True)
    if not proposals:
        render_empty("cases.no_proposals")
        return
    case_table(
        proposals,
        "rules.proposals_table",
        ["proposed_at", "proposed_by", "id", "heading", "step_key", "rule_ids", "answer", "recurrence", "declaration"],
    )


# ---------------------------------------------------------------- page
st.title(tr("rules.title"))
st.caption(tr("rules.intro"))
render_flash()

tabs = st.tabs([tr("rules.tab_catalogue"), tr("rules.tab_calendar")] + ([tr("cases.tab")] if is_admin else []))
catalogue_tab, calendar_tab = tabs[:2]
with catalogue_tab:
    rows = load_rule_rows(today)
    shown = render_browser(rows)
    if shown:
        ids = [r["id"] for r in shown]
        titles = {r["id"]: f"{r['id']} — {title_of(r)}" for r in shown}
        picked = st.selectbox(tr("rules.pick"), ids, format_func=titles.get, key=PICK)
        row = next(r for r in shown if r["id"] == picked)
        with st.container(border=True):
            render_rule(row)
            render_history(row["id"])
        render_backtest(row)
with calendar_tab:
    render_calendar()
if is_admin:
    with tabs[2]:
        render_cases()
