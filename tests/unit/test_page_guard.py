"""Every file in pages/ guards itself first: `actor = require_page("<its key>")` right after its imports.

Streamlit runs a pages/ folder next to app.py on its own (legacy multipage mode) until
st.navigation first runs in the process; then a page runs without app.py's login gate, and its
guard is all that stands before its data (components/shell/state.py, reached_without_app).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from components.shell.navigation import PAGES

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = sorted((ROOT / "pages").glob("*.py"))
KEY_OF_PATH = {spec.path: key for key, spec in PAGES.items()}


def first_statement(tree: ast.Module) -> ast.stmt | None:
    """The first statement after the module docstring and the imports."""
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return next((node for node in body if not isinstance(node, (ast.Import, ast.ImportFrom))), None)


def guard_key(node: ast.stmt | None) -> str | None:
    """The page key of `actor = require_page("<key>")` (or a bare `require_page("<key>")`), else None."""
    call = node.value if isinstance(node, (ast.Assign, ast.Expr)) else None
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "require_page"
        and len(call.args) == 1
        and not call.keywords
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    ):
        return None
    if isinstance(node, ast.Assign) and not (
        len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "actor"
    ):
        return None
    return call.args[0].value


def guard_problems(path: Path, relative: str, key_of_path: dict[str, str] = KEY_OF_PATH) -> list[str]:
    """What is wrong with the page file's guard (relative: its path in the registry); empty when right."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    key = key_of_path.get(relative)
    if key is None:
        return [f"{relative} is not registered in components/shell/navigation.PAGES"]
    problems = []
    # The legacy mode's URL of pages/<stem>.py is /<stem>; app.py's URL of the page is /<key>. The
    # guard's rerun through app.py keeps the URL, so both must be the same.
    if Path(relative).stem != key:
        problems.append(f"{relative} is registered as {key!r}: name the file pages/{key}.py")
    node = first_statement(tree)
    found = guard_key(node)
    if found != key:
        where = "nothing" if node is None else f"line {node.lineno}: {ast.unparse(node)[:80]}"
        problems.append(
            f'{relative}: the first statement after the imports must be actor = require_page("{key}"), not {where}'
        )
    return problems


def test_there_are_pages():
    assert len(PAGE_FILES) == len(PAGES) > 0


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_page_guards_itself_first(path):
    assert not guard_problems(path, path.relative_to(ROOT).as_posix())


def test_every_registered_page_is_in_pages_folder():
    assert sorted(spec.path for spec in PAGES.values()) == [p.relative_to(ROOT).as_posix() for p in PAGE_FILES]


GOOD = '''"""A page."""

from __future__ import annotations

import streamlit as st

from components.shell.state import require_page

actor = require_page("alerts")
st.title("Alerts")
'''


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # data read before the guard
        (
            GOOD.replace('actor = require_page("alerts")\n', 'rows = load_alerts()\nactor = require_page("alerts")\n'),
            "rows = load_alerts()",
        ),
        # a constant before the guard is still not the guard first
        (
            GOOD.replace('actor = require_page("alerts")\n', 'KEY = "alerts.x"\nactor = require_page("alerts")\n'),
            "KEY = ",
        ),
        # another page's key
        (GOOD.replace('require_page("alerts")', 'require_page("home")'), 'require_page("alerts"), not line'),
        # no guard at all
        (GOOD.replace('actor = require_page("alerts")\n', ""), "st.title"),
        # the guard inside a condition
        (GOOD.replace('actor = require_page("alerts")\n', 'if True:\n    actor = require_page("alerts")\n'), "if True"),
    ],
    ids=["data-first", "constant-first", "wrong-key", "no-guard", "guard-in-if"],
)
def test_the_check_fails_on_a_throwaway_page(tmp_path, source, expected):
    assert not guard_problems(_write(tmp_path, GOOD), "pages/alerts.py")
    problems = guard_problems(_write(tmp_path, source), "pages/alerts.py")
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_check_fails_on_an_unregistered_file_or_one_named_apart_from_its_key(tmp_path):
    sample = _write(tmp_path, GOOD)
    assert guard_problems(sample, "pages/alert_list.py") == [
        "pages/alert_list.py is not registered in components/shell/navigation.PAGES"
    ]
    problems = guard_problems(sample, "pages/alert_list.py", {"pages/alert_list.py": "alerts"})
    assert problems == ["pages/alert_list.py is registered as 'alerts': name the file pages/alerts.py"]


def _write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "alerts.py"
    path.write_text(source, encoding="utf-8")
    return path
