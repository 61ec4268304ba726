"""Display text that needs no Streamlit session, so that Streamlit-free builders (the overview's
shared board) and the session's widgets format alike."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from portsight import reference
from portsight.catalogue import default_catalogue, tier_name
from portsight.clock import as_utc
from portsight.domain.checklist import split_slot_id
from portsight.domain.conditions import InputSpec, in_language
from portsight.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue, fmt_datetime, fmt_number, fmt_percent, t
from portsight.messages import step_specs, step_title
from portsight.queries import goods


def fmt_stored_time(lang: str, value) -> str:
    """A time as the database or pandas hands it back (a datetime, naive from SQLite, which stores
    UTC; a Timestamp; None or NaT) in lang, local time."""
    if value is None or pd.isna(value):
        return fmt_datetime(lang, None)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return fmt_datetime(lang, as_utc(value))


# Active anywhere in a line: emphasis, code, links and images, HTML and entities, tables, LaTeX,
# Streamlit's :icon: and :colour[...] directives.
_INLINE = frozenset("\\`*_{}[]()!|<>~$:@&")
# Active only where a line starts: headings, list items, block quotes, setext and thematic rules.
_LINE_START = frozenset("#+-=>")
# GitHub's bare links ("http://...", "www....", "name@host.org") are found in the text after the
# escapes are undone, so no backslash stops them; an invisible WORD JOINER inside "://", before
# "www"'s dot and before "@" does.
_JOINER = "\u2060"


def _inside_word(text: str, i: int) -> bool:
    """Between two letters or digits, where an underscore can neither open nor close emphasis
    (file_name.csv stays as it is)."""
    return 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()


def as_text(value: object) -> str:
    """Typed text made safe to put inside st.markdown (and captions, labels, alerts, toasts, table
    cells): it shows as written instead of fetching an image, making a link or a heading.

    Characters that are Markdown anywhere are escaped everywhere; "#", "+", "-", "=", ">" and a
    number's "." only where they would start a line (the value's start: line breaks become spaces,
    so nothing else in it starts a line); bare links are broken by an invisible joiner. Escaping
    only what is active keeps ordinary names ("DEC-2025-001", "Co. Ltd") as they are.
    """
    text = str(value).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    start = len(text) - len(text.lstrip())  # where the first line's content begins
    digits = start
    while digits < len(text) and text[digits].isdigit():
        digits += 1
    out: list[str] = []
    for i, ch in enumerate(text):
        www_dot = ch == "." and text[max(0, i - 3) : i].lower() == "www"
        if www_dot or ch == "@":
            out.append(_JOINER)
        if (
            (ch in _INLINE and not (ch == "_" and _inside_word(text, i)))
            or (i == start and ch in _LINE_START)
            or (ch == "." and i == digits > start)
        ):
            out.append("\\")
        out.append(ch)
        if ch == ":" and text[i + 1 : i + 3] == "//":
            out.append(_JOINER)
    return "".join(out)


# ---------------------------------------------------------------------------------------------------
# Reference values and codes in the reader's language: one set of labels for every page and record.

_YES_NO = ("labels.yes", "labels.no")
# Units as they are stored on goods lines and step inputs; others (°C, µGy/h, %) read alike in both.
_UNITS = frozenset({"kg", "t", "pcs", "set", "bale", "packages", "min"})


def _known(lang: str, key: str) -> bool:
    return key in catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def code_label(lang: str, prefix: str, code: object) -> str:
    """The label of a stored code under labels.<prefix>_<code>; the code itself when it has none
    (a value written by a newer version), a dash when there is no code."""
    if code is None or code == "" or (not isinstance(code, str) and pd.isna(code)):
        return "—"
    key = f"labels.{prefix}_{code}"
    return t(lang, key) if _known(lang, key) else str(code)


def credit_tier_label(lang: str, code: object, on: date | None = None) -> str:
    """The tier's name under the credit measures in force on the date (default today: 常规企业 under
    Order No. 282, 一般信用企业 under the 2018 measures), else PortSight's own label."""
    if isinstance(code, str) and code:
        name = tier_name(code, on or datetime.now(ZoneInfo("Asia/Shanghai")).date(), lang)
        if name:
            return name
    return code_label(lang, "tier", code)


def decision_label(lang: str, code: object) -> str:
    return code_label(lang, "decision", code)


def state_text(lang: str, code: object) -> str:
    return code_label(lang, "state", code)


def hold_kind_label(lang: str, code: object) -> str:
    return code_label(lang, "hold", code)


def direction_label(lang: str, code: object) -> str:
    return code_label(lang, "direction", code)


def transport_label(lang: str, code: object) -> str:
    return code_label(lang, "mode", code)


def outcome_label(lang: str, code: object) -> str:
    return code_label(lang, "outcome", code)


def unit_label(lang: str, unit: object) -> str:
    if isinstance(unit, str) and unit in _UNITS:
        return t(lang, f"labels.unit_{unit.replace(' ', '_')}")
    return "" if unit is None else str(unit)


def country_label(lang: str, alpha2: object) -> str:
    """A country's name in lang (pycountry's ISO 3166 names and their zh_CN catalogue)."""
    if not alpha2 or not isinstance(alpha2, str):
        return "—"
    return reference.country_name(alpha2, lang)


def enterprise_label(lang: str, name: object, name_en: object = None) -> str:
    """An enterprise as the reader knows it: the registered (Chinese) name, or its English name on an
    English page where it has one."""
    if lang == "en" and isinstance(name_en, str) and name_en.strip():
        return name_en
    return "—" if name is None else str(name)


def hs_text(lang: str, code: object) -> str:
    """The HS heading of a code with its description in lang; the heading alone on a Chinese page
    when data/hs_headings_zh.csv has no Chinese text for it (the goods line's own name says what it is)."""
    heading = reference.hs_heading(str(code or ""))
    if heading is None:
        return str(code or "—")
    if lang.startswith("zh") and not heading.description_zh:
        return heading.heading
    return f"{heading.heading} {heading.text(lang)}"


def goods_text(lang: str, hs_code: object, description: object) -> str:
    """A goods line's description for the reader (portsight.queries.goods, shared with the printed receipt)."""
    return goods.goods_text(lang, hs_code, description)


def number_text(lang: str, value: float | int) -> str:
    """A measured number without float noise: up to three decimals, trailing zeros dropped
    (7584.200000000001 -> 7,584.2)."""
    if isinstance(value, int) or float(value).is_integer():
        return fmt_number(lang, int(value))
    text = fmt_number(lang, round(float(value), 3), 3).rstrip("0").rstrip(".")
    return text


def value_text(lang: str, value: object, spec: InputSpec | None = None) -> str:
    """One recorded value for reading: yes/no, numbers with their unit, choices and codes as text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return t(lang, _YES_NO[0] if value else _YES_NO[1])
    if isinstance(value, int | float):
        # "declared unit" names the declaration's unit, which the record does not repeat: no unit then
        unit = unit_label(lang, spec.unit) if spec is not None and spec.unit and spec.unit != "declared unit" else ""
        return f"{number_text(lang, value)} {unit}".strip()
    if isinstance(value, dict | list):
        return "; ".join(value_text(lang, v) for v in (value.values() if isinstance(value, dict) else value))
    return str(value)


def values_text(lang: str, step_key: object, values: object) -> str:
    """A step's recorded values as "label: value" pairs in the reader's language."""
    if not isinstance(values, dict) or not values:
        return "—"
    spec = step_specs().get(str(step_key)) if step_key else None
    parts = []
    for name, value in values.items():
        field = spec.input(name) if spec else None
        label = field.title.get(lang) if field else field_label(lang, name)
        parts.append(f"{label}: {value_text(lang, value, field)}")
    return "; ".join(parts)


def field_label(lang: str, name: str) -> str:
    """A stored field's name (audit entries, selection inputs) as a label; the name when it has none."""
    return code_label(lang, "field", name)


def fields_text(lang: str, data: object) -> str:
    """A stored dict (an audit entry's after, a selection's inputs) as labelled values."""
    if not isinstance(data, dict) or not data:
        return "—"
    # Row ids (port_id, selection_id, ...) and empty values tell a reader nothing.
    shown = {k: v for k, v in data.items() if not k.endswith("_id") and v not in (None, "", [], {})}
    step = data.get("step_key") or data.get("step")
    parts = []
    for k, v in shown.items():
        if k == "values" and isinstance(v, dict):
            text = values_text(lang, split_slot_id(str(step))[0] if step else None, v)
        elif k in ("findings", "rule_ids") and isinstance(v, list):
            text = (
                "、".join(rule_title(lang, str(r)) for r in v)
                if lang.startswith("zh")
                else ", ".join(rule_title(lang, str(r)) for r in v)
            )
        else:
            text = _field_value(lang, k, v)
        parts.append(f"{field_label(lang, k)}: {text}")
    return "; ".join(parts) or "—"


def _field_value(lang: str, name: str, value: object) -> str:
    by_field = {
        "state": state_text,
        "from_state": state_text,
        "to_state": state_text,
        "decision": decision_label,
        "tier": credit_tier_label,
        "credit_tier": credit_tier_label,
        "outcome": outcome_label,
        "step_key": step_title,
        "step": step_title,
        "next_step": step_title,
        "hold": hold_kind_label,
        "kind": hold_kind_label,
        "inspection_state": state_text,
        "resolved_reason": lambda lang, code: code_label(lang, "resolved_reason", code),
    }
    if name in by_field and isinstance(value, str):
        return by_field[name](lang, value)
    if name == "values" and isinstance(value, dict):
        return values_text(lang, None, value)
    if isinstance(value, str):
        return in_language(value, lang)
    return value_text(lang, value)


def selection_reason_text(lang: str, reason: object) -> str:
    """A selection reason as stored ({"code": "rule_hit", "rule_id": ...}) in the reader's language."""
    if not isinstance(reason, dict):
        return str(reason)
    code = reason.get("code")
    values = {k: v for k, v in reason.items() if k != "code"}
    if isinstance(values.get("rule_id"), str):
        values["rule_id"] = rule_title(lang, values["rule_id"])
    if isinstance(values.get("tier"), str):
        values["tier"] = credit_tier_label(lang, values["tier"])
    for k in ("rate", "document_rate"):
        if isinstance(values.get(k), int | float):
            values[k] = fmt_percent(lang, values[k], 1)
    if isinstance(values.get("draw"), int | float):
        values["draw"] = f"{values['draw']:.4f}"  # a uniform draw in [0, 1): its digits are the record
    key = f"selection.reason_{code}"
    try:
        return t(lang, key, **values) if _known(lang, key) else fields_text(lang, reason)
    except (KeyError, IndexError):
        return fields_text(lang, reason)


def rule_title(lang: str, rule_id: str) -> str:
    """A rule's title in lang; its id when the catalogue no longer has it."""
    catalogue_ = default_catalogue()
    return catalogue_.get(rule_id).title.get(lang) if rule_id in catalogue_ else rule_id


def audit_action_label(lang: str, action: object) -> str:
    return code_label(lang, "action", str(action).replace(".", "_")) if action else "—"
