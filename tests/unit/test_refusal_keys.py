"""Refusals a person meets on the alerts, gate, field, inspection and remote-help pages name their
message: each raise in those services (and the access checks they share) passes a key both
catalogues hold with the parameters its text needs, so the page says it in the reader's language
while str(error) stays English for logs and the command line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from components.shell.messages import render_message
from portsight.domain.access import AccessDenied, Actor, Role, require_port, require_role
from portsight.domain.inspection import WAITING_DECISIONS, Decision
from portsight.errors import Conflict, NotFound
from portsight.i18n import LANGUAGES, catalogue

ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    "portsight/domain/access.py",
    "portsight/services/alerts.py",
    "portsight/services/assist.py",
    "portsight/services/decisions.py",
    "portsight/services/dispatch.py",
    "portsight/services/field.py",
    "portsight/services/inputs.py",
    "portsight/services/inspections.py",
    "portsight/services/receipts.py",
    "portsight/queries/alerts.py",
    "portsight/queries/inspection_record.py",
]
REFUSALS = {"AccessDenied", "Conflict", "InvalidInput", "NotFound"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def refusals() -> list[tuple[str, ast.Call]]:
    """Every construction of a refusal in MODULES (raised, returned or kept to raise later)."""
    out = []
    for name in MODULES:
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in REFUSALS:
                out.append((f"{name}:{node.lineno}", node))
    return out


def key_pattern(node: ast.expr) -> re.Pattern[str] | None:
    """The key a keyword gives: a literal, or an f-string read as a pattern (each {...} one word)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.compile(re.escape(node.value))
    if isinstance(node, ast.JoinedStr):
        parts = [re.escape(v.value) if isinstance(v, ast.Constant) else r"\w+" for v in node.values]
        return re.compile("".join(parts))
    return None


CALLS = refusals()


def test_the_scan_finds_the_refusals():
    assert len(CALLS) >= 50


def test_every_refusal_names_its_message():
    missing = [where for where, call in CALLS if "key" not in {k.arg for k in call.keywords}]
    assert missing == []


def test_every_required_text_names_its_message():
    """typed_text refuses an empty text with `required`; `required_key` says it in the reader's language."""
    missing = []
    for name in MODULES:
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "typed_text":
                given = {k.arg for k in node.keywords}
                if "required" in given and "required_key" not in given:
                    missing.append(f"{name}:{node.lineno}")
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_is_in_the_catalogue_with_the_parameters_its_text_needs(lang):
    problems = []
    for name in MODULES:
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            for arg in ("key", "required_key"):
                if arg not in keywords or (isinstance(keywords[arg], ast.Constant) and keywords[arg].value is None):
                    continue
                pattern = key_pattern(keywords[arg])
                if pattern is None:  # an expression: its literals are checked where they are written
                    continue
                matches = [k for k in catalogue(lang) if pattern.fullmatch(k)]
                if not matches:
                    problems.append(f"{name}:{node.lineno} {pattern.pattern} is not in the catalogue")
                    continue
                params = keywords.get("params")
                given = (
                    {k.value for k in params.keys if isinstance(k, ast.Constant)}
                    if isinstance(params, ast.Dict)
                    else set()
                )
                for key in matches:
                    needed = set(PLACEHOLDER.findall(catalogue(lang)[key]))
                    if needed - given:
                        problems.append(f"{name}:{node.lineno} {key} needs {sorted(needed - given)}")
    assert problems == []


def test_the_keys_chosen_at_run_time_exist():
    """The alerts' comment and the remote help's keys built from a word (what, verb, state)."""
    keys = ["errors.alert_comment_resolve", "errors.alert_comment_reopen"]
    keys += [f"errors.what_missing_{d.value}" for d in WAITING_DECISIONS]
    keys += [f"field.decision_{d.value}" for d in Decision]
    keys += [f"errors.assist_{what}_empty" for what in ("question", "message")]
    keys += [f"errors.assist_requester_only_{verb}" for verb in ("cancel", "close")]
    keys += [f"errors.assist_not_waiting_{state}" for state in ("cancelled", "missed")]
    keys += [f"alerts.state_{s}" for s in ("open", "acknowledged", "resolved")]
    keys += [f"assist.state_{s}" for s in ("waiting", "active", "ended", "missed", "cancelled")]
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
