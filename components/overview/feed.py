"""The activity feed's lines: each audit entry said as a sentence in the reader's language.

A line is the message "feed.<entity>_<action>" (dots in the action become underscores), e.g.
feed.inspection_field_step: "王伟记录了查验 #10817 的「封志」步骤". Its parameters come from the
entry: who (display name; the system's own name for the system), the entity's id and what the
entry recorded after the change (the step, the decision, the alert's title). An action without a
message gets a general sentence naming the kind of record, never the code. What the demo
simulator did is marked. No Streamlit here: the shared board builds its feed with it.

`feed_line` is the sentence as Markdown that links to what the entry is about (components/shell/
links.py): an inspection's record, an alert, a declaration's inspections, an enterprise's page.
The sentence stays text (as_text): a name typed as "](javascript:" or "<b>" shows as written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from string import Formatter

from components.shell.formatting import as_text
from components.shell.links import alerts_url, enterprise_url, inspections_url
from components.shell.messages import Blank, alert_title, param_text, render_message
from portsight.catalogue import default_catalogue
from portsight.domain.access import SYSTEM
from portsight.domain.rulebook import UnknownRule
from portsight.i18n import catalogue, t


def feed_key(entity: str, action: str) -> str:
    """The message of an audited action on an entity: feed.<entity>_<action>."""
    return f"feed.{entity}_{action.replace('.', '_')}"


def _present(value: object) -> bool:
    """Whether a value read back from the audit log holds something (pandas turns a missing one into NaN)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def actor_name(lang: str, username: str, display_name: object) -> str:
    """Who acted: their display name, the system's name in lang, else the username recorded."""
    if _present(display_name) and str(display_name).strip():
        return str(display_name)
    return t(lang, "feed.actor_system") if username == SYSTEM.username else username


def _rule_title(lang: str, rule_id: str) -> str:
    try:
        return default_catalogue().get(rule_id).title.get(lang)
    except UnknownRule:
        return rule_id


def _values(lang: str, entity: str, entity_id: str, after: Mapping) -> dict[str, object]:
    """What a feed message may name, from the entry (a message uses those it needs)."""
    values: dict[str, object] = {"id": entity_id}
    for name, recorded in (("inspection", "inspection_id"), ("receipt", "receipt_no"), ("gate", "gate")):
        if _present(after.get(recorded)):
            values[name] = after[recorded]
    if isinstance(after.get("step"), str):
        values["step"] = param_text(lang, {"step": after["step"]})
    if isinstance(after.get("decision"), str):
        values["decision"] = t(lang, f"field.decision_{after['decision']}")
    if isinstance(after.get("result"), str):
        values["result"] = t(lang, f"field.result_{after['result']}")
    if entity == "rule":
        values["rule"] = _rule_title(lang, entity_id)
    return values


def feed_sentence(lang: str, entry: Mapping) -> str:
    """One audit entry (a row of portsight.queries.overview.latest_events) as a sentence in lang."""
    entity, action = str(entry["entity"]), str(entry["action"])
    entity_id = str(entry["entity_id"]) if _present(entry.get("entity_id")) else ""
    recorded = entry.get("after")
    after: Mapping = recorded if isinstance(recorded, Mapping) else {}
    values = _values(lang, entity, entity_id, after)
    values["actor"] = actor_name(lang, str(entry["actor"]), entry.get("actor_name"))
    key = feed_key(entity, action)
    if key not in catalogue(lang):
        entity_key = f"feed.entity_{entity}"
        values["entity"] = t(lang, entity_key) if entity_key in catalogue(lang) else t(lang, "feed.entity_record")
        key = "feed.generic" if entity_id else "feed.generic_no_id"
    text = Formatter().vformat(t(lang, key), (), Blank(values))
    if entity == "alert" and isinstance(after.get("title"), str):
        title = alert_title(lang, after.get("title_key"), after.get("title_params"), after["title"])
        text = render_message(lang, "feed.with_title", {"sentence": text, "title": title})
    simulated = entry.get("simulated")
    if _present(simulated) and bool(simulated):
        text = render_message(lang, "feed.simulated", {"sentence": text})
    return text


def _id(value: object) -> int | None:
    """An id read back from the audit log (a number, or its digits as text), else None."""
    if isinstance(value, bool) or not _present(value):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    text = str(value)
    return int(text) if text.isdigit() and len(text) <= 18 else None


def feed_link(entry: Mapping) -> str | None:
    """Where a feed line leads: the record, list or page of what the entry is about; None for
    entries about nothing a reader opens (a sign-in, a settings change)."""
    entity = str(entry["entity"])
    entity_id = _id(entry.get("entity_id"))
    recorded = entry.get("after")
    after: Mapping = recorded if isinstance(recorded, Mapping) else {}
    if entity == "inspection" and entity_id is not None:
        return inspections_url(id=entity_id)
    if entity == "alert" and entity_id is not None:
        return alerts_url(alert=entity_id)
    if (inspection := _id(after.get("inspection_id"))) is not None:
        return inspections_url(id=inspection)
    if entity == "declaration" and entity_id is not None:
        return inspections_url(declaration_id=entity_id)
    if (declaration := _id(after.get("declaration_id"))) is not None:
        return inspections_url(declaration_id=declaration)
    if entity == "enterprise" and entity_id is not None:
        return enterprise_url(entity_id)
    return None


def feed_line(lang: str, entry: Mapping) -> str:
    """The entry's sentence as Markdown: escaped text, linked to what it is about where there is one."""
    text = as_text(feed_sentence(lang, entry))
    link = feed_link(entry)
    return f"[{text}]({link})" if link else text
