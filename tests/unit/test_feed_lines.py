"""The activity feed says each audit entry as a sentence in the reader's language: every action the
code audits has its message in both catalogues, an unknown one gets a general sentence (never its
code), the system and the simulator are named as such."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from components.overview.feed import feed_key, feed_sentence
from portsight.catalogue import default_catalogue
from portsight.i18n import LANGUAGES, catalogue

ROOT = Path(__file__).resolve().parents[2]
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


def _literals(node: ast.expr | None) -> set[str] | None:
    """The strings an argument can be: a literal, or either branch of a conditional (None: unknown)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return None if body is None or orelse is None else body | orelse
    return None


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _callee(call: ast.Call) -> str | None:
    return getattr(call.func, "id", getattr(call.func, "attr", None))


class _Module:
    """One module's functions and calls, to follow an action to where it is written."""

    def __init__(self, tree: ast.Module) -> None:
        self.functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
        self.calls = [c for c in ast.walk(tree) if isinstance(c, ast.Call)]

    def owner(self, call: ast.Call) -> ast.FunctionDef:
        """The innermost function the call is in."""
        around = [f for f in self.functions.values() if call in list(ast.walk(f))]
        return min(around, key=lambda f: len(list(ast.walk(f))))

    def given(self, function: str, parameter: str, depth: int = 0) -> set[str] | None:
        """What the callers in this module pass a function's parameter (None: not only literals)."""
        params = [a.arg for a in self.functions[function].args.args]
        position = params.index(parameter) if parameter in params else len(params)
        out: set[str] = set()
        for call in (c for c in self.calls if _callee(c) == function):
            arg = _argument(call, position, parameter)
            got = _literals(arg)
            if got is None and isinstance(arg, ast.Name) and depth < 4:
                got = self.given(self.owner(call).name, arg.id, depth + 1)
            if got is None:
                return None
            out |= got
        return out

    def values(self, call: ast.Call, name: str) -> set[str] | None:
        """What a variable the call uses can hold: every literal assigned to it in the function,
        else (a parameter) what the function's callers pass."""
        owner = self.owner(call)
        assigned = [
            _literals(a.value)
            for a in ast.walk(owner)
            if isinstance(a, ast.Assign) and any(getattr(t, "id", None) == name for t in a.targets)
        ]
        if assigned:
            return None if None in assigned else set().union(*(a for a in assigned if a is not None))
        return self.given(owner.name, name)


def audited_actions() -> set[tuple[str, str]]:
    """(entity, action) of every record_audit call in portsight/. An action held in a local variable
    is every value assigned to it; one passed in by a helper (`_move(..., "start")`,
    `_audited(session, actor, "resolve", ...)`) is followed to the helper's calls in the same
    module, through as many helpers as it takes."""
    found: set[tuple[str, str]] = set()
    unresolved: list[str] = []
    for path in sorted((ROOT / "portsight").rglob("*.py")):
        module = _Module(ast.parse(path.read_text(encoding="utf-8")))
        for call in (c for c in module.calls if _callee(c) == "record_audit"):
            action, entity = _argument(call, 2, "action"), _argument(call, 3, "entity")
            actions, entities = _literals(action), _literals(entity)
            if actions is None and isinstance(action, ast.Name):
                actions = module.values(call, action.id)
            if actions is None or entities is None:
                unresolved.append(f"{path.relative_to(ROOT)}:{call.lineno}")
                continue
            found |= {(e, a) for e in entities for a in actions}
    assert unresolved == [], f"actions the scan cannot read: {unresolved}"
    return found


ACTIONS = sorted(audited_actions())


def test_the_scan_follows_helpers():
    assert {("alert", "resolve"), ("inspection", "start"), ("assist_session", "assist.missed")} <= set(ACTIONS)
    assert ("alert", "raise") in ACTIONS and ("inspection", "field.step") in ACTIONS


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_audited_action_has_its_sentence(lang):
    assert sorted(feed_key(e, a) for e, a in ACTIONS if feed_key(e, a) not in catalogue(lang)) == []


def entry(**values) -> dict:
    return {
        "actor": "inspector",
        "actor_name": "王伟",
        "entity_id": "10817",
        "after": None,
        "simulated": False,
    } | values


@pytest.mark.parametrize(("entity", "action"), ACTIONS, ids=[f"{e}:{a}" for e, a in ACTIONS])
def test_no_sentence_shows_its_code(entity, action):
    after = {
        "step": "seal",
        "decision": "release",
        "result": "pass",
        "inspection_id": 10817,
        "gate": "3号卡口",
        "receipt_no": "RR-CNSGH-20261116-0001",
    }
    line = entry(entity=entity, action=action, after=after)
    zh, en = feed_sentence("zh_CN", line), feed_sentence("en", line)
    for text in (zh, en):
        assert not re.search(rf"(?<![\w.]){re.escape(action)}(?![\w.])", text) and "{" not in text
        assert "—" not in text  # every parameter a message uses was recorded here
    assert not ENGLISH_WORD.findall(zh.replace("RR-CNSGH", "")), zh


def test_a_recorded_step_reads_with_the_steps_title():
    step = default_catalogue().step_specs()["seal"].title
    line = entry(entity="inspection", action="field.step", after={"step": "seal", "outcome": "conforming"})
    assert feed_sentence("zh_CN", line) == f"王伟记录了查验 #10817 的「{step.zh}」步骤"
    assert feed_sentence("en", line) == f"王伟 recorded the “{step.en}” step of inspection #10817"


def test_the_system_is_named_in_the_readers_language_and_an_alert_carries_its_title():
    after = {
        "state": "open",
        "title": "Inspection of 222920260010000077 is overdue (pending, open 300 min)",
        "title_key": "alert_titles.overdue",
        "title_params": {"declaration": "222920260010000077", "state": {"state": "pending"}, "open": {"minutes": 300}},
    }
    line = entry(actor="system", actor_name=None, entity="alert", action="raise", entity_id="5", after=after)
    assert (
        feed_sentence("zh_CN", line)
        == "系统发出预警 #5：报关单 222920260010000077 的查验已超时（待查验，已历时 5小时0分）"
    )
    assert feed_sentence("en", line).startswith("The system raised alert #5: Inspection of 222920260010000077")


def test_an_unknown_action_gets_a_general_sentence_without_its_code():
    line = entry(entity="inspection", action="teleport.box")
    assert feed_sentence("zh_CN", line) == "王伟更改了查验 #10817"
    assert feed_sentence("en", line) == "王伟 changed inspection #10817"
    odd = entry(entity="spaceship", action="launch", entity_id=None)
    assert feed_sentence("zh_CN", odd) == "王伟更改了一条记录"
    assert "spaceship" not in feed_sentence("en", odd) and "launch" not in feed_sentence("en", odd)


def test_what_the_simulator_did_is_marked():
    line = entry(entity="inspection", action="start", simulated=True)
    assert feed_sentence("zh_CN", line) == "王伟开始查验 #10817（模拟）"
    assert feed_sentence("en", line) == "王伟 started inspection #10817 (simulated)"


def test_an_account_without_a_display_name_shows_its_username():
    line = entry(actor="insp.cnsgh.5", actor_name=None, entity="inspection", action="start")
    assert feed_sentence("en", line) == "insp.cnsgh.5 started inspection #10817"


def test_every_sentence_of_the_catalogue_is_for_an_audited_action():
    """No message is left for an action that is no longer audited (besides the general ones)."""
    general = {"actor_system", "simulated", "with_title", "generic", "generic_no_id"}
    keys = {k for k in catalogue("en") if k.startswith("feed.") and not k.startswith("feed.entity_")}
    assert sorted(keys - {feed_key(e, a) for e, a in ACTIONS} - {f"feed.{g}" for g in general}) == []
