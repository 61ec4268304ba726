"""The data exchange page under AppTest: the admin sees import, export and past imports (an import
done through the service shows up there with its counts) and prepares an export. Refusal of other
roles is the shell's guard (tests/pages/test_app.py)."""

from __future__ import annotations

from pathlib import Path

from portsight.db.session import make_engine
from portsight.domain.access import SYSTEM
from portsight.exchange import import_bytes
from portsight.i18n import t
from tests.pages.conftest import errors, login

PAGE = "pages/data_exchange.py"
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "exchange" / "sample_declarations.json"


def open_page(new_app, username):
    at = login(new_app().run(), username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_admin_sees_the_import_export_and_past_imports(new_app, app_db):
    _, url = app_db
    engine = make_engine(url)
    result = import_bytes(engine, SYSTEM, "sample_declarations.json", SAMPLE.read_bytes())
    engine.dispose()
    at = open_page(new_app, "admin")
    assert not errors(at)
    lang = "en" if at.tabs[0].label == t("en", "exchange.tab_import") else "zh_CN"
    assert [tab.label for tab in at.tabs] == [t(lang, f"exchange.tab_{k}") for k in ("import", "export", "past")]
    assert at.button(key="exchange.import").disabled  # nothing uploaded yet
    past = "\n".join(m.value for m in at.markdown)
    assert "sample_declarations.json" in past
    n = result.counts["accepted"] + result.counts["unchanged"]
    assert any(f"{n} {word}" in past or f"{word} {n}" in past for word in ("accepted", "unchanged", "已接收", "无变化"))


def test_admin_prepares_a_period_export(new_app):
    at = open_page(new_app, "admin")
    at.button(key="exchange.export_prepare").click().run()
    assert not at.exception and not errors(at)
    assert [
        b
        for b in at.get("download_button")
        if b.proto.label.split(" (")[0].split("（")[0]
        in (
            t("en", "exchange.download_export", n=0).split(" (")[0],
            t("zh_CN", "exchange.download_export", n=0).split("（")[0],
        )
    ]
