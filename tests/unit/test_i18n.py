"""Both catalogues hold the same keys, and every tr("ns.key") used by the UI exists in both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portsight.domain.access import Role
from portsight.domain.inspection import (
    CLOSING_DECISIONS,
    HOLD_RESULTS,
    WAITING_DECISIONS,
    Decision,
    InspectionState,
)
from portsight.i18n import LANGUAGES, catalogue, t

ROOT = Path(__file__).resolve().parents[2]
UI_SOURCES = [
    ROOT / "app.py",
    *sorted((ROOT / "pages").glob("*.py")),
    *sorted((ROOT / "components").rglob("*.py")),
    *sorted((ROOT / "portsight" / "web").rglob("*.py")),  # the sign-in page (HTML outside Streamlit)
]
# tr("ns.key", ...) with a literal key; f-strings (tr(f"...")) are covered by the explicit lists below.
TR_CALL = re.compile(r"""\btr\(\s*(["'])([A-Za-z0-9_]+\.[A-Za-z0-9_.]+)\1""")
# keys passed to helpers that translate them (render_empty("home.no_alerts"))
KEY_ARG = re.compile(r"""\b(?:render_empty|tr)\(\s*(["'])([a-z0-9_]+\.[a-z0-9_.]+)\1""")


def used_keys() -> set[tuple[str, str]]:
    found = set()
    for path in UI_SOURCES:
        text = path.read_text(encoding="utf-8")
        for pattern in (TR_CALL, KEY_ARG):
            found |= {(path.relative_to(ROOT).as_posix(), m.group(2)) for m in pattern.finditer(text)}
    return found


def test_both_catalogues_have_the_same_keys():
    en, zh = set(catalogue("en")), set(catalogue("zh_CN"))
    assert not en - zh, f"missing in zh_CN: {sorted(en - zh)}"
    assert not zh - en, f"missing in en: {sorted(zh - en)}"


def test_the_scan_finds_keys_in_the_ui():
    assert {key for _, key in used_keys()} >= {"login.invalid", "home.title"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_used_by_the_ui_exists(lang):
    missing = sorted(f"{src}: {key}" for src, key in used_keys() if key not in catalogue(lang))
    assert not missing, f"keys missing in {lang}: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_keys_built_at_run_time_exist(lang):
    from portsight.domain.access import PAGE_ROLES

    keys = [f"common.role_{r.value}" for r in Role]
    keys += [f"common.state_{s.value}" for s in InspectionState]
    keys += [f"common.severity_{s}" for s in ("high", "medium", "low")]
    keys += [f"login.db_{k}" for k in ("missing_file", "no_schema", "unreachable")]
    keys += [f"nav.{page}" for page in PAGE_ROLES]
    keys += [f"field.decision_{d.value}" for d in Decision]
    keys += [f"inspections.decision_{d.value}" for d in CLOSING_DECISIONS]
    keys += [f"field.what_{d.value}" for d in WAITING_DECISIONS]
    keys += [f"field.{p}_{hold}" for hold in HOLD_RESULTS for p in ("hold", "awaiting")]
    keys += [f"field.result_{r}" for results in HOLD_RESULTS.values() for r in results]
    keys += [f"overview.{k}" for k in ("waiting", "under_inspection", "completed", "awaiting_results", "overdue")]
    assert not [k for k in keys if k not in catalogue(lang)]


def test_registered_page_titles_and_menu_sections_exist():
    from components.shell.navigation import PAGES, SECTIONS

    for key in [spec.title_key for spec in PAGES.values()] + list(SECTIONS):
        for lang in LANGUAGES:
            assert key in catalogue(lang), (lang, key)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match_between_languages(lang):
    other = "en" if lang == "zh_CN" else "zh_CN"
    fields = re.compile(r"\{(\w+)\}")
    for key, text in catalogue(lang).items():
        assert set(fields.findall(text)) == set(fields.findall(catalogue(other).get(key, ""))), key


def test_missing_key_shows_the_key():
    assert t("en", "nope.nothing") == "nope.nothing"
