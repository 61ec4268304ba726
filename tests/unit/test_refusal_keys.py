"""Every refusal a person can meet on a page names its message: each construction of one of the project's
errors in services, queries, exchange, documents, persistence and the domain passes a key both
catalogues hold, with exactly the parameters its text needs, so the page says it in the reader's
language while str(error) stays English for logs and the command line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from components.shell.messages import render_message
from portsight.domain.access import AccessDenied, Actor, Role, require_port, require_role
from portsight.domain.inspection import WAITING_DECISIONS, Decision, TransitionNotAllowed, check_transition
from portsight.errors import Conflict, NotFound
from portsight.i18n import LANGUAGES, catalogue

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("services", "queries", "exchange", "documents", "db", "domain")
MODULES = sorted(
    str(path.relative_to(ROOT)) for package in PACKAGES for path in (ROOT / "portsight" / package).rglob("*.py")
)
REFUSALS = {"AccessDenied", "Conflict", "InvalidInput", "NotFound", "PortSightError", "TransitionNotAllowed"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def called(node: ast.Call) -> str | None:
    return getattr(node.func, "id", None) or getattr(node.func, "attr", None)


def calls() -> list[tuple[str, ast.Call]]:
    """Every call in MODULES, with where it is."""
    out = []
    for name in MODULES:
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                out.append((f"{name}:{node.lineno}", node))
    return out


CALLS = calls()
# Every construction of a refusal (raised, returned or kept to raise later).
REFUSED = [(where, call) for where, call in CALLS if called(call) in REFUSALS]
# typed_text refuses an empty text with `required`; `required_key` names that message.
REQUIRED = [(where, call) for where, call in CALLS if called(call) == "typed_text"]


def key_pattern(node: ast.expr) -> re.Pattern[str] | None:
    """The key a keyword gives: a literal, or an f-string read as a pattern (each {...} one word)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.compile(re.escape(node.value))
    if isinstance(node, ast.JoinedStr):
        parts = [re.escape(v.value) if isinstance(v, ast.Constant) else r"\w+" for v in node.values]
        return re.compile("".join(parts))
    return None


def named_keys() -> list[tuple[str, re.Pattern[str], ast.expr | None]]:
    """(where, key pattern, params) of every refusal and required text that names its message;
    params None when none are passed. A key given by an expression is checked where its literals
    are written (test_the_keys_chosen_at_run_time_exist)."""
    out = []
    for where, call in REFUSED + REQUIRED:
        keywords = {k.arg: k.value for k in call.keywords}
        for arg in ("key", "required_key"):
            if arg in keywords and (pattern := key_pattern(keywords[arg])) is not None:
                out.append((where, pattern, keywords.get("params")))
    return out


def test_the_scan_finds_the_refusals():
    assert len(REFUSED) >= 140
    assert {where.split(":")[0].split("/")[1] for where, _ in REFUSED} >= {"services", "queries", "db", "domain"}


def test_every_refusal_names_its_message():
    missing = [
        f"{where} {ast.unparse(call)[:90]}" for where, call in REFUSED if "key" not in {k.arg for k in call.keywords}
    ]
    assert missing == []


def test_every_required_text_names_its_message():
    missing = []
    for where, call in REQUIRED:
        given = {k.arg for k in call.keywords}
        if "required" in given and "required_key" not in given:
            missing.append(where)
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_is_in_the_catalogue_with_the_parameters_its_text_needs(lang):
    """A key of any catalogue (errors.*, exchange.*, ...); the parameters passed as a literal dict are
    exactly the placeholders of its text (none passed: the text has none)."""
    problems = []
    for where, pattern, params in named_keys():
        matches = [k for k in catalogue(lang) if pattern.fullmatch(k)]
        if not matches:
            problems.append(f"{where} {pattern.pattern} is not in the {lang} catalogue")
            continue
        if params is None:
            given: set[str] | None = set()
        elif isinstance(params, ast.Dict) and all(isinstance(k, ast.Constant) for k in params.keys):
            given = {k.value for k in params.keys if isinstance(k, ast.Constant)}
        else:  # built at run time: its names are not known here
            given = None
        for key in matches:
            needed = set(PLACEHOLDER.findall(catalogue(lang)[key]))
            if given is not None and needed != given:
                problems.append(f"{where} {key} needs {sorted(needed)}, is given {sorted(given)}")
    assert problems == []


def test_the_keys_used_have_the_same_placeholders_in_every_language():
    used = {k for _, pattern, _ in named_keys() for k in catalogue("en") if pattern.fullmatch(k)}
    differ = [
        key
        for key in sorted(used)
        if len({frozenset(PLACEHOLDER.findall(catalogue(lang).get(key, ""))) for lang in LANGUAGES}) != 1
    ]
    assert differ == []


def test_the_keys_chosen_at_run_time_exist():
    """The alerts' comment and the remote help's keys built from a word (what, verb, state), a photo's
    coordinate out of range."""
    keys = ["errors.alert_comment_resolve", "errors.alert_comment_reopen"]
    keys += [f"errors.what_missing_{d.value}" for d in WAITING_DECISIONS]
    keys += [f"field.decision_{d.value}" for d in Decision]
    keys += [f"errors.assist_{what}_empty" for what in ("question", "message")]
    keys += [f"errors.assist_requester_only_{verb}" for verb in ("cancel", "close")]
    keys += [f"errors.assist_not_waiting_{state}" for state in ("cancelled", "missed")]
    keys += [f"alerts.state_{s}" for s in ("open", "acknowledged", "resolved")]
    keys += [f"assist.state_{s}" for s in ("waiting", "active", "ended", "missed", "cancelled")]
    keys += [f"errors.{what}_out_of_range" for what in ("latitude", "longitude")]
    for lang in LANGUAGES:
        assert [k for k in keys if k not in catalogue(lang)] == []


def test_a_refusal_keeps_its_english_message_and_carries_its_key():
    error = Conflict(
        "Alert 5 is already acknowledged; only an open alert can be acknowledged.",
        key="errors.alert_not_open",
        params={"id": 5, "state": {"key": "alerts.state_acknowledged"}},
    )
    assert str(error) == "Alert 5 is already acknowledged; only an open alert can be acknowledged."
    assert render_message("zh_CN", error.message_key, error.message_values) == (
        "预警 #5 已是「已确认」状态，只有待处理的预警可以确认。"
    )
    assert NotFound("plain").message_key is None


def test_the_access_checks_say_the_roles_and_the_scope_in_the_readers_language():
    gate = Actor(user_id=1, username="gate", role=Role.GATE, port_ids=frozenset({1}))
    with pytest.raises(AccessDenied) as refused:
        require_role(gate, Role.SUPERVISOR, Role.ADMIN)
    assert str(refused.value) == "This needs the role supervisor, admin; you are signed in as gate."
    zh = render_message("zh_CN", refused.value.message_key, refused.value.message_values)
    assert "supervisor" not in zh and "gate" not in zh and "、" in zh
    with pytest.raises(AccessDenied) as outside:
        require_port(gate, 2)
    assert render_message("zh_CN", outside.value.message_key, outside.value.message_values) == (
        "该记录属于你管辖范围以外的口岸。"
    )


def test_a_refused_transition_names_both_states_in_the_readers_language():
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition("released", "held")
    assert str(refused.value) == "An inspection that is 'released' cannot become 'held'."
    said = render_message("zh_CN", refused.value.message_key, refused.value.message_values)
    assert said == "「已放行」状态的查验不能转为「已扣留」。"
