"""The layers of STYLE.md, checked on every file with ast: a crossing fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def crossings(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for name in imports_of(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("portsight", ("streamlit",)),
        ("portsight/domain", ("sqlalchemy", "pandas", "portsight.db", "portsight.services", "portsight.queries")),
        ("views", ("sqlalchemy", "portsight.db")),
    ],
    ids=["portsight-never-imports-streamlit", "domain-is-pure", "pages-are-thin"],
)
def test_layer_is_not_crossed(folder, forbidden):
    assert not crossings(folder, forbidden)


def test_the_scan_sees_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import streamlit as st\nfrom sqlalchemy.orm import Session\n")
    assert {"streamlit", "sqlalchemy.orm", "sqlalchemy.orm.Session"} <= imports_of(sample)
