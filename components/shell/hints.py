"""What history says about an inspection (portsight.queries.field.hints) and what experts answered
at earlier such steps (step_cases), drawn the same way for the inspector at the container and for
the expert in the call. Every value that people or the backbone typed is shown as text."""

from __future__ import annotations

import streamlit as st

from components.shell.formatting import as_text, country_label, credit_tier_label, step_title
from components.shell.names import enterprise_name
from components.shell.state import tr
from components.shell.widgets import fmt_time
from portsight.domain.conditions import in_language
from portsight.i18n import fmt_percent


def render_history_hints(hint: dict, language: str) -> None:
    """The enterprise and its latest findings, the non-conformity rate of each heading from this
    origin, the findings most often recorded on such goods, and earlier findings on this container
    or seal (a warning each)."""
    ent = hint["enterprise"]
    st.markdown(
        tr(
            "field.hint_enterprise",
            name=as_text(enterprise_name(ent["name"])),
            tier=credit_tier_label(language, ent["credit_tier"]),
            count=ent["findings_12m"],
        )
    )
    for row in ent["latest"]:
        description = as_text(in_language(row["description"], language))
        st.caption(f"· {as_text(row['declaration'])} · {step_title(language, row['step_key'])} · {description}")
    for rate in hint["rates"]:
        heading, origin = as_text(rate["heading"]), as_text(country_label(language, rate["origin"]))
        if rate["inspections"]:
            st.markdown(
                tr(
                    "field.hint_rate",
                    heading=heading,
                    origin=origin,
                    bad=rate["non_conforming"],
                    total=rate["inspections"],
                    rate=fmt_percent(language, rate["rate"]),
                )
            )
        else:
            st.markdown(tr("field.hint_rate_none", heading=heading, origin=origin))
    if hint["common"]:
        st.markdown(tr("field.hint_common"))
        for row in hint["common"]:
            description = as_text(in_language(row["description"], language))
            st.caption(f"· {step_title(language, row['step_key'])} × {row['count']}: {description}")
    for row in hint["repeat"]:
        st.warning(
            tr(
                "field.hint_repeat",
                container=as_text(row["container"]),
                seal=as_text(row["seal"] or "—"),
                declaration=as_text(row["declaration"]),
                step=step_title(language, row["step_key"]),
                text=as_text(in_language(row["description"], language)),
            ),
            icon=":material/history:",
        )


def render_case(case: dict) -> None:
    """An expert's answer at an earlier inspection of the same step and heading, and who gave it when."""
    st.markdown(tr("cases.hint_answer", answer=as_text(case["answer"])))
    st.caption(
        tr(
            "cases.hint_from",
            expert=as_text(case["expert"]),
            when=fmt_time(case["concluded_at"]),
            heading=case["heading"],
            question=as_text(case["question"]),
        )
    )
