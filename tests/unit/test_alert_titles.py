"""Alert titles are stored as a message key with plain parameters and said in the reader's language:
every check's trigger builder names a message both catalogues hold, the parameters format per
language (durations, percentages, days, states, countries, steps, bilingual names), and an alert
raised before titles had keys shows its English title."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from components.shell.messages import alert_title, param_text, render_message
from portsight.alert_checks import AlertCheckLimits, Trigger
from portsight.alert_checks.credit_bounds import credit_bound_trigger
from portsight.alert_checks.overdue import overdue_trigger
from portsight.alert_checks.patterns import (
    declaration_rule_trigger,
    inspection_rule_trigger,
    repeat_trigger,
    seal_mismatch_trigger,
)
from portsight.catalogue import default_catalogue, default_credit_calendar
from portsight.db.alert_store import finding_alert_title
from portsight.domain.conditions import Text
from portsight.domain.repeats import RepeatTrigger
from portsight.domain.selection import CEILING, FLOOR, policy_from_catalogue
from portsight.i18n import LANGUAGES, catalogue

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
LIMITS = AlertCheckLimits()
CATALOGUE = default_catalogue()
# Latin words of two letters or more: what an English title leaves in a Chinese one. Declaration
# numbers, HS codes and container numbers are digits or ISO 6346 (four capitals, then digits).
ENGLISH_WORD = re.compile(r"\b(?![A-Z]{4}\d)[A-Za-z]{2,}\b")


def _rule(kind: str):
    """A catalogue alert rule judged on an inspection ("inspection") or on a declaration's scope."""
    rules = [r for r in CATALOGUE.rules if r.kind == "alert"]
    if kind == "inspection":
        return next(r for r in rules if r.id == "quick_close_without_photo")
    return next(r for r in rules if r.id == "solid_waste_import_ban")


def _credit_triggers() -> list[Trigger]:
    day = date(2026, 11, 15)
    calendar = default_credit_calendar()
    policy = policy_from_catalogue(day, CATALOGUE, calendar)
    counts = {t: (200, 50) for t in (*policy.bounds, policy.base_tier)}
    return [
        credit_bound_trigger(CATALOGUE, policy, tier, bound, counts, day, AT, 28, calendar)
        for tier, bound in policy.bounds.items()
    ]


def every_trigger() -> list[Trigger]:
    """One trigger of each builder the checks and the seed use (both shapes where there are two)."""
    group_e = ("enterprise", 7, 1)
    group_o = ("origin_hs", "JP", "7404", 1)
    repeat = RepeatTrigger(at=AT, inspections=4)
    names = {7: ("上海铜源再生资源有限公司", "Shanghai Tongyuan Recycling Co., Ltd.")}
    overdue = overdue_trigger(1, 1, "222920260010000077", "in_progress", datetime(2026, 11, 15, tzinfo=UTC), AT, LIMITS)
    assert overdue is not None
    return [
        overdue,
        inspection_rule_trigger(_rule("inspection"), 1, 1, 2, "222920260010000077", 4.2, 0, AT),
        declaration_rule_trigger(_rule("declaration"), 2, 1, "222920260010000077", ["7404000020"], AT),
        seal_mismatch_trigger(1, 3, 2, 1, "222920260010000077", "CSQU3054383", "CN7654321", "CN7654329", AT),
        seal_mismatch_trigger(1, None, 2, 1, "222920260010000077", None, "CN7654321", None, AT),
        repeat_trigger(group_e, repeat, LIMITS, names),
        repeat_trigger(group_o, repeat, LIMITS, names),
        *_credit_triggers(),
    ]


TRIGGERS = every_trigger()


def test_the_credit_triggers_cover_both_kinds_of_bound():
    policy = policy_from_catalogue(date(2026, 11, 15), CATALOGUE, default_credit_calendar())
    assert {b.kind for b in policy.bounds.values()} == {CEILING, FLOOR}
    assert {t.title_key for t in _credit_triggers()} == {
        "alert_titles.credit_bound_ceiling",
        "alert_titles.credit_bound_floor",
    }


@pytest.mark.parametrize("trigger", TRIGGERS, ids=[t.dedupe_key for t in TRIGGERS])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_trigger_names_a_message_both_catalogues_hold_and_fills_it(trigger, lang):
    assert trigger.title_key in catalogue(lang)
    needed = set(re.findall(r"\{(\w+)\}", catalogue(lang)[trigger.title_key]))
    assert needed <= set(trigger.title_params), needed - set(trigger.title_params)
    shown = alert_title(lang, trigger.title_key, trigger.title_params, trigger.title)
    assert "{" not in shown and "}" not in shown
    if lang == "zh_CN":
        assert not ENGLISH_WORD.findall(shown), shown
        assert shown != trigger.title


@pytest.mark.parametrize("trigger", TRIGGERS, ids=[t.dedupe_key for t in TRIGGERS])
def test_the_parameters_are_plain_data(trigger):
    """Stored as JSON in alerts.title_params: only strings, numbers, lists and dicts."""

    def plain(value) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return isinstance(value, str | int | float) and not isinstance(value, bool)

    assert plain(trigger.title_params)


def test_an_overdue_alert_reads_as_a_duration_and_a_state_in_each_language():
    trigger = TRIGGERS[0]
    zh = alert_title("zh_CN", trigger.title_key, trigger.title_params, trigger.title)
    en = alert_title("en", trigger.title_key, trigger.title_params, trigger.title)
    assert zh == "报关单 222920260010000077 的查验已超时（查验中，已历时 32小时0分）"
    assert en == "Inspection of 222920260010000077 is overdue (Under inspection, open 32 h 0 min)"


def test_a_rule_alert_is_titled_with_the_rule_in_the_readers_language():
    trigger = TRIGGERS[2]
    rule = _rule("declaration")
    assert alert_title("zh_CN", trigger.title_key, trigger.title_params, "").startswith(rule.title.zh + "：")
    assert alert_title("en", trigger.title_key, trigger.title_params, "").startswith(rule.title.en + ": ")


def test_a_repeat_alert_names_the_enterprise_and_the_country_in_the_readers_language():
    by_enterprise, by_origin = TRIGGERS[5], TRIGGERS[6]
    assert alert_title("zh_CN", by_enterprise.title_key, by_enterprise.title_params, "").startswith("上海铜源")
    assert alert_title("en", by_enterprise.title_key, by_enterprise.title_params, "").startswith("Shanghai Tongyuan")
    assert "日本" in alert_title("zh_CN", by_origin.title_key, by_origin.title_params, "")
    assert "Japan" in alert_title("en", by_origin.title_key, by_origin.title_params, "")


def test_an_enterprise_without_an_english_name_keeps_its_registered_name_in_english():
    trigger = repeat_trigger(
        ("enterprise", 7, 1), RepeatTrigger(at=AT, inspections=3), LIMITS, {7: ("宁波某公司", None)}
    )
    assert alert_title("en", trigger.title_key, trigger.title_params, "").startswith("宁波某公司:")


def test_a_finding_alert_names_the_step_by_its_title():
    title = finding_alert_title(
        Text(zh="封志号与申报不符", en="Seal differs from the declared one"), "seal@CSQU3054383"
    )
    step = CATALOGUE.step_specs()["seal"].title
    assert alert_title("zh_CN", title.key, title.params, title.text) == f"封志号与申报不符（{step.zh} · CSQU3054383）"
    assert alert_title("en", title.key, title.params, title.text) == (
        f"Seal differs from the declared one ({step.en} · CSQU3054383)"
    )
    assert title.text == "Seal differs from the declared one (seal@CSQU3054383)"


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        ({"minutes": 962}, "16小时2分", "16 h 2 min"),
        ({"percent": 0.123456}, "12.35%", "12.35%"),
        ({"percent": 0.5, "digits": 0}, "50%", "50%"),
        ({"date": "2026-12-01"}, "2026年12月1日", "01 Dec 2026"),
        ({"state": "released"}, "已放行", "Released"),
        ({"role": "supervisor"}, "监管人员", "Supervisor"),
        ({"country": "DE"}, "德国", "Germany"),
        ({"zh": "中", "en": "middle"}, "中", "middle"),
        ({"en": "only English"}, "only English", "only English"),
        (["7404", "7204"], "7404、7204", "7404, 7204"),
        (7, 7, 7),
    ],
)
def test_parameters_format_per_language(value, zh, en):
    assert (param_text("zh_CN", value), param_text("en", value)) == (zh, en)


def test_messages_nest_and_list_as_parts_of_a_sentence():
    parts = [{"key": "errors.steps_unrecorded", "params": {"steps": [{"step": "seal"}, {"step": "goods"}]}}] * 2
    zh = render_message("zh_CN", "errors.checklist_incomplete", {"missing": parts})
    assert "；" in zh and "、" in zh and "seal" not in zh


def test_an_alert_without_a_key_shows_its_stored_title():
    assert alert_title("zh_CN", None, None, "Old English title") == "Old English title"
    assert alert_title("zh_CN", float("nan"), float("nan"), "Read back by pandas") == "Read back by pandas"
    assert alert_title("en", "alert_titles.no_such_message", {}, "Stored") == "Stored"


def _calls(name: str) -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted((ROOT / "portsight").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return found


def test_every_alert_raised_in_the_code_carries_a_key():
    """Each raise_alert call and each Trigger built passes a title_key (a Trigger cannot lack one)."""
    calls = _calls("raise_alert") + _calls("Trigger")
    assert len(calls) >= 7
    missing = [where for where, call in calls if "title_key" not in {k.arg for k in call.keywords}]
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_title_key_written_in_the_code_is_in_the_catalogue(lang):
    keys = {
        node.value
        for path in sorted((ROOT / "portsight").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("alert_titles.")
    }
    assert len(keys) == len([k for k in catalogue(lang) if k.startswith("alert_titles.")])
    assert sorted(k for k in keys if k not in catalogue(lang)) == []


def test_a_parameter_the_stored_alert_lacks_shows_as_a_dash():
    """An alert stored by an older version, whose message now names one more parameter, still shows."""
    shown = alert_title("en", "alert_titles.overdue", {"declaration": "1"}, "stored")
    assert shown == "Inspection of 1 is overdue (—, open —)"
