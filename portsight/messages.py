"""Messages stored as a key and parameters (alert titles, refusals), said in the reader's language.

No Streamlit here, so the pages, the overview's shared board and the notifications sent by mail
or chat robot (portsight.notify) say them alike.
A parameter is plain data, stored as JSON when the message is kept (alerts.title_params):

    "S1234" / 7                       shown as it is
    {"zh": "…", "en": "…"}            the text in the reader's language (rule titles, names)
    {"minutes": 962}                  a duration ("16小时2分" / "16 h 2 min")
    {"percent": 0.1234, "digits": 2}  a percentage, two decimals unless digits says otherwise
    {"date": "2026-12-01"}            a calendar day
    {"state": "released"}             an inspection state (common.state_*)
    {"role": "inspector"}             a role (common.role_*)
    {"country": "JP"}                 a country by its ISO 3166 code
    {"step": "seal@CSQU3054383"}      a checklist step (and its container) by slot id
    {"key": "assist.state_active", "params": {...}}  another message (a state's label, a part of a list)
    [...]                             each item as above, listed ("、" / ", ")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from string import Formatter

from portsight.catalogue import default_catalogue
from portsight.domain.checklist import split_slot_id
from portsight.domain.conditions import StepSpec
from portsight.i18n import catalogue, fmt_date, fmt_duration_minutes, fmt_percent, t
from portsight.reference import country_name


class Blank(dict):
    """Format values where a parameter the message names but nobody recorded (an alert stored by an
    older version, an audit entry without it) shows as a dash instead of failing the page."""

    def __missing__(self, key: str) -> str:
        return "—"


def bilingual_text(lang: str, text: Mapping) -> str:
    """{"zh": …, "en": …} in the reader's language (the other one when it lacks that)."""
    mine, other = ("zh", "en") if lang.startswith("zh") else ("en", "zh")
    return str(text.get(mine) or text.get(other) or "")


def step_title(lang: str, step_key: object) -> str:
    """A checklist step by its key or slot id ("seal@CSQU3054383"): its title, and its container."""
    if not step_key:
        return "—"
    key, container = split_slot_id(str(step_key))
    spec = step_specs().get(key)
    title = spec.title.get(lang) if spec else key
    return f"{title} · {container}" if container else title


@cache
def step_specs() -> dict[str, StepSpec]:
    """Every step a checklist can hold (the base steps and those rules add), by key."""
    return default_catalogue().step_specs()


def param_text(lang: str, value: object) -> object:
    """One parameter ready for str.format in lang (see the module's table)."""
    if isinstance(value, list):
        # messages with parameters are parts of a sentence (；/;), anything else a list of words (、/,)
        parts = all(isinstance(v, Mapping) and "params" in v for v in value)
        sep = ("；" if parts else "、") if lang.startswith("zh") else ("; " if parts else ", ")
        return sep.join(str(param_text(lang, v)) for v in value)
    if not isinstance(value, Mapping):
        return value
    if "zh" in value or "en" in value:
        return bilingual_text(lang, value)
    if "minutes" in value:
        return fmt_duration_minutes(lang, value["minutes"])
    if "percent" in value:
        return fmt_percent(lang, value["percent"], int(value.get("digits", 2)))
    if "date" in value:
        return fmt_date(lang, date.fromisoformat(value["date"]))
    if "state" in value:
        return t(lang, f"common.state_{value['state']}")
    if "role" in value:
        return t(lang, f"common.role_{value['role']}")
    if "country" in value:
        return country_name(value["country"], lang)
    if "step" in value:
        return step_title(lang, value["step"])
    if "key" in value:
        return render_message(lang, str(value["key"]), value.get("params"))
    return value


def render_message(
    lang: str, key: str, params: Mapping | None = None, escape: Callable[[str], str] | None = None
) -> str:
    """The message `key` in lang with its parameters formatted for lang; `escape` (e.g. as_text for
    Markdown) applies to each parameter's text, not to the catalogue's own."""
    values = {name: param_text(lang, value) for name, value in (params or {}).items()}
    if escape is not None:
        values = {name: escape(v) if isinstance(v, str) else v for name, v in values.items()}
    return Formatter().vformat(t(lang, key), (), Blank(values))


def alert_title(lang: str, title_key: str | None, title_params: Mapping | None, title: str) -> str:
    """An alert's title in lang; an alert raised before titles had keys (or with a key this version
    does not know) shows its stored English title."""
    if not isinstance(title_key, str) or title_key not in catalogue(lang):
        return title
    return render_message(lang, title_key, title_params if isinstance(title_params, Mapping) else None)
