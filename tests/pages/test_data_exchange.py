"""The data exchange page under AppTest: the admin sees import, export and past imports (an import
done through the service shows up there with its counts) and prepares an export. Refusal of other
roles is the shell's guard (tests/pages/test_app.py)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from portsight.db.models import ImportBatch
from portsight.db.session import make_engine
from portsight.domain.access import SYSTEM
from portsight.exchange import ImportResult, ReportEntry, UnreadableFile, import_bytes
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
    past = "\n".join(m.value for m in at.markdown).replace("\\", "")  # file names are Markdown-escaped
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


def _result(name: str, statuses: list[str]) -> ImportResult:
    entries = [
        ReportEntry(i + 2, str(i + 2), f"BB{i}", status, "hs_code" if status == "rejected" else "", "", 1)
        for i, status in enumerate(statuses)
    ]
    return ImportResult(file_name=name, file_sha256="0" * 64, format="csv", entries=entries, batches=1)


def _messages(at) -> str:
    return "\n".join(e.value for kind in ("error", "warning", "success", "info") for e in at.get(kind))


def test_the_result_names_the_file_and_says_what_was_imported(new_app):
    at = open_page(new_app, "admin")
    lang = "en" if at.tabs[0].label == t("en", "exchange.tab_import") else "zh_CN"
    at.session_state["exchange.result"] = _result("all-bad.csv", ["rejected", "rejected"])
    at.run()
    text = _messages(at)
    assert t(lang, "exchange.result_all_rejected", file="all-bad.csv", n=2) in text
    others = t(lang, "exchange.result_some_rejected", file="x", n=1, total=2, ok=1).split("；")[-1].split("; ")[-1]
    assert others not in text, "nothing was imported: the page must not speak of the others"
    at.session_state["exchange.result"] = _result("some-bad.csv", ["rejected", "accepted", "unchanged"])
    at.run()
    assert t(lang, "exchange.result_some_rejected", file="some-bad.csv", n=1, total=3, ok=2) in _messages(at)
    at.session_state["exchange.result"] = _result("good.csv", ["accepted", "updated"])
    at.run()
    expected = t(lang, "exchange.result_none_rejected", file="good.csv", total=2, accepted=1, updated=1, unchanged=0)
    assert expected in _messages(at)


def test_an_import_pressed_for_a_file_no_longer_there_imports_nothing(new_app, app_db):
    at = open_page(new_app, "admin")
    lang = "en" if at.tabs[0].label == t("en", "exchange.tab_import") else "zh_CN"
    # The button was shown for old.csv; when the press arrives, the uploader holds no file.
    at.session_state["exchange.import_for"] = ("an-upload-id", "old.csv", 1234)
    at.run()
    assert not at.exception
    message = t(lang, "exchange.file_error", file="old.csv", message=t(lang, "exchange.import_gone"))
    assert message in _messages(at)
    _, url = app_db
    engine = make_engine(url)
    with engine.connect() as conn:
        assert not conn.scalar(select(func.count()).select_from(ImportBatch).where(ImportBatch.file_name == "old.csv"))
    engine.dispose()


def test_an_unreadable_file_is_explained_in_the_users_language(new_app):
    at = open_page(new_app, "admin")
    lang = "en" if at.tabs[0].label == t("en", "exchange.tab_import") else "zh_CN"
    error = UnreadableFile("The file is UTF-16 text: save it as UTF-8.", "unreadable_utf16")
    at.session_state["exchange.result"] = ("unicode.csv", error)
    at.run()
    assert t(lang, "exchange.file_error", file="unicode.csv", message=t(lang, "exchange.unreadable_utf16")) in (
        _messages(at)
    )
