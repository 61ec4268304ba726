"""Every page in Chinese and in English shows the reader's language: no English-only text or raw codes on
a Chinese page, no Chinese-only text on an English page where an English form exists.

The page-test database (tests/pages/appdb.py) gets one more inspection whose data has both
languages: an enterprise with a registered Chinese name and an English one, copper scrap declared
under 7404 with no description of its own (the service keeps the heading's English text), origin
Japan, a quantity with float noise, a recorded step, a bilingual finding, a selection reason and
audit entries. Each page is opened by a role that may see it, in each language, and all visible
text is read: titles, labels, options, markdown, metrics and every dataframe cell.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from datetime import timedelta

import pandas as pd
import pytest
import streamlit as st
from google.protobuf.descriptor import FieldDescriptor
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import element_tree as et

from components.shell.navigation import PAGES
from portsight.clock import utcnow
from portsight.db.models import (
    Alert,
    AuditEntry,
    Enterprise,
    Finding,
    Inspection,
    Port,
    RiskProfile,
    Selection,
    StepResult,
    User,
)
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import PAGE_ROLES, SYSTEM, may_open
from portsight.exchange import ImportResult, ReportEntry
from portsight.i18n import t
from portsight.reference import hs_heading
from portsight.services.declarations import register_declaration
from portsight.services.inspections import assign_inspectors, open_inspection
from tests.pages.appdb import USERS, app_env, prepare_app_database
from tests.pages.conftest import APP, login

NAME_ZH = "上海铜源再生资源有限公司"
NAME_EN = "Shanghai Tongyuan Recycling Co., Ltd."
COPPER = "7404000020"
FINDING = "夹杂物超标\nImpurities above the limit"
FORMULA_REASON = "formula cells are not read; paste values"  # portsight.exchange.readers says it so
SEAL_TITLE = "Seal on CSQU3054383 of 222920260010000077: declared CN7654321, found CN0000001"

# Codes stored in the database that a reader must never see as such (whole words).
RAW_CODES = (
    "advanced_certified",
    "dishonest",
    "general",
    "in_progress",
    "under_treatment",
    "awaiting_lab",
    "released",
    "pending",
    "rule_hit",
    "random_draw",
    "conforming",
    "non_conforming",
    "inspect",
    "import",
    "sea",
    "field.step",
    "field.decide",
    "release",
    "seal",  # step keys
    "goods",
)
# What a Chinese page shows in Chinese when it has it: English text that must not appear there.
ENGLISH_ONLY = (
    NAME_EN,
    "Impurities above the limit",
    "7584.200000000001",
    "{'",
    '{"',
    "Japan",
    SEAL_TITLE,
)
# Three English words in a row on a Chinese page are an untranslated text, unless a user typed them.
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,;']+[A-Za-z]{2,}){2,}")
TYPED_TEXT = (
    "Is this seal tampered with?",  # tests/pages/appdb.py: a question an inspector typed
    "Demo Trading Co.",  # and an enterprise registered under an English name
    "Seal number differs from the declaration",  # and alerts stored before titles had message keys
    "Overdue",
)
# Text in Chinese that the English UI has in English; CJK is allowed only in these (the language
# switch names the language in its own script).
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
ALLOWED_CJK = ("中文",)
# Proto fields that are not shown to a person.
# query_string: a page link's URL filters, codes by design (components/shell/links.py), never shown
HIDDEN = {
    "id",
    "form_id",
    "fragment_id",
    "data",
    "spec",
    "arrow_data",
    "set_value",
    "raw_value",
    "key",
    "type",
    "query_string",
}


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    """The page-test database and one inspection with bilingual data (see the module's text)."""
    data_dir = tmp_path_factory.mktemp("languages")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    now = utcnow()
    with unit_of_work(engine) as s:
        ent = Enterprise(uscc="91310000MA1FL8LQ35", name=NAME_ZH, name_en=NAME_EN, credit_tier="advanced_certified")
        s.add(ent)
        s.flush()
        enterprise_id = ent.id
    decl = register_declaration(
        engine,
        SYSTEM,
        {
            "number": "222920260010000077",
            "port_code": "CNSGH",
            "enterprise_id": enterprise_id,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": "JP",
            "declared_at": now - timedelta(hours=5),
            "goods": [{"hs_code": COPPER, "quantity": 7584.200000000001, "unit": "kg",
                       "gross_weight_kg": 7584.200000000001, "value": 51000}],
            "containers": [{"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "CN7654321"}],
        },
    )  # fmt: skip
    inspection_id = open_inspection(engine, SYSTEM, decl, priority=2)
    with unit_of_work(engine) as s:
        ins = s.get(Inspection, inspection_id)
        assert ins is not None
        ins.state, ins.decision, ins.decided_at = "released", "release", now - timedelta(hours=1)
        s.add(
            Selection(
                declaration_id=decl,
                outcome="inspect",
                reasons=[{"code": "rule_hit", "rule_id": "recycled_copper"}],
                rate=1.0,
                seed="seed-1",
                inputs={"tier": "advanced_certified", "forced": True},
                tier="advanced_certified",
                forced=True,
                code_version="test",
                drawn_at=now - timedelta(hours=4),
            )
        )
        s.add(
            StepResult(
                inspection_id=inspection_id,
                step_key="goods",
                outcome="conforming",
                values={"quantity": 7584.200000000001, "gross_weight_kg": 7590.0, "description_matches": True},
                rules_applied=[],
                recorded_at=now - timedelta(hours=2),
            )
        )
        s.add(
            Finding(
                inspection_id=inspection_id,
                step_key="goods",
                severity="medium",
                description=FINDING,
                created_at=now - timedelta(hours=2),
            )
        )
        s.add(
            AuditEntry(
                at=now - timedelta(hours=1),
                actor="inspector",
                action="field.decide",
                entity="inspection",
                entity_id=str(inspection_id),
                after={"state": "released", "decision": "release"},
            )
        )
    task = register_declaration(
        engine,
        SYSTEM,
        {
            "number": "222920260010000078",
            "port_code": "CNSGH",
            "enterprise_id": enterprise_id,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": "JP",
            "declared_at": now - timedelta(hours=3),
            "goods": [{"hs_code": COPPER, "quantity": 20000, "unit": "kg", "gross_weight_kg": 20000, "value": 130000}],
            "containers": [{"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "CN7654322"}],
        },
    )
    # The inspector's task on the field page: the same enterprise, origin and goods.
    inspector = user_ids(engine)["inspector"]
    assign_inspectors(engine, SYSTEM, open_inspection(engine, SYSTEM, task, priority=1), [inspector])
    with unit_of_work(engine) as s:
        s.add(
            RiskProfile(
                name="CU-7404",
                action="force",
                port_id=None,
                enterprise_id=enterprise_id,
                hs_prefix="7404",
                origin_country="JP",
                reason="NC-2026-017",
                starts_at=now - timedelta(days=1),
                expires_at=now + timedelta(days=30),
                created_at=now - timedelta(days=1),
            )
        )
        # An alert as the checks raise it: English title for logs, a message key for the pages (H3a's).
        s.add(
            Alert(
                dedupe_key="languages-seal",
                kind="seal_mismatch",
                severity="high",
                port_id=s.query(Port.id).filter(Port.code == "CNSGH").scalar(),
                inspection_id=inspection_id,
                title=SEAL_TITLE,
                title_key="alert_titles.seal_mismatch",
                title_params={"container": "CSQU3054383", "declaration": "222920260010000077",
                              "declared": "CN7654321", "found": "CN0000001"},
                first_raised_at=now,
                last_raised_at=now,
            )
        )  # fmt: skip
    engine.dispose()
    return data_dir, url, inspection_id


def user_ids(engine) -> dict[str, int]:
    with unit_of_work(engine) as s:
        return {u.username: u.id for u in s.query(User)}


@pytest.fixture
def new_app(app_db, monkeypatch):
    data_dir, url, _ = app_db
    for key, value in app_env(data_dir, url).items():
        monkeypatch.setenv(key, value)
    st.cache_data.clear()
    yield lambda: AppTest.from_file(APP, default_timeout=90)
    st.cache_data.clear()


def _strings(proto) -> Iterator[str]:
    for desc, value in proto.ListFields():
        if desc.name in HIDDEN or desc.type == FieldDescriptor.TYPE_BYTES:
            continue
        if desc.type == FieldDescriptor.TYPE_MESSAGE:
            continue
        if isinstance(value, str):
            yield value
        elif isinstance(value, Iterable):
            yield from (v for v in value if isinstance(v, str))


# What a chart shows as text: trace names, category values, labels and titles (not templates or styles).
CHART_TEXT = {"name", "text", "x", "y", "labels", "title", "hovertext", "ticktext"}


def _chart_text(value: object, shown: bool = False) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _chart_text(item, shown or key in CHART_TEXT)
    elif isinstance(value, list):
        for item in value:
            yield from _chart_text(item, shown)
    elif shown and isinstance(value, str):
        yield value


def visible_text(at: AppTest) -> list[str]:
    """Everything a reader sees on the page: element texts, widget labels and options, metric values,
    dataframe cells."""
    out: list[str] = []

    def walk(block) -> None:
        for idx in sorted(block.children):
            node = block.children[idx]
            if isinstance(node, et.Block):
                for attr in ("label",):
                    value = getattr(node, attr, None)
                    if isinstance(value, str):
                        out.append(value)
                walk(node)
                continue
            if node.type in ("dataframe", "arrow_data_frame", "table"):
                df = node.value
                if isinstance(df, pd.DataFrame):
                    out.extend(str(v) for v in df.to_numpy().ravel() if v is not None)
                continue
            if node.type == "plotly_chart":
                out.extend(_chart_text(json.loads(node.proto.spec)))
                continue
            if node.proto.DESCRIPTOR.name == "Html":  # markup: the reader sees its text, not its styles
                out.append(_html_text(node.proto.body))
                continue
            out.extend(_strings(node.proto))

    for block in (at.main, at.sidebar):
        walk(block)
    return out


def _html_text(body: str) -> str:
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", body, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _role_user(page: str) -> str:
    return next(user for user, (role, _ports, _all) in USERS.items() if may_open(role, page))


def _open(new_app, username: str, lang: str, page: str, inspection_id: int | None = None) -> AppTest:
    at = login(new_app(), username)
    if at.session_state["app.lang"] != lang:
        at.radio(key="sidebar.lang").set_value(lang).run()
    at.switch_page(PAGES[page].path)
    if inspection_id is not None:
        at.query_params["id"] = str(inspection_id)
    return at.run()


def problems(lang: str, texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        if lang == "zh_CN":
            found += [f"{bad!r} in {text[:120]!r}" for bad in ENGLISH_ONLY if bad in text]
            sentence = ENGLISH_SENTENCE.search(text)
            if sentence and not any(typed in text for typed in TYPED_TEXT):
                found.append(f"English text {sentence[0]!r} in {text[:120]!r}")
            elif not sentence:  # a code among Chinese text ("信用等级: general"), not a word of typed English
                found += [
                    f"code {code!r} in {text[:120]!r}"
                    for code in RAW_CODES
                    if re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", text)
                ]
            if re.search(r"(?<![A-Za-z])JP(?![A-Za-z])", text):
                found.append(f"country code 'JP' in {text[:120]!r}")
            heading = hs_heading(COPPER)  # data/hs_headings.csv has its Chinese text
            if heading is not None and heading.description in text:
                found.append(f"English HS heading text in {text[:120]!r}")
        else:
            rest = text
            for allowed in ALLOWED_CJK:
                rest = rest.replace(allowed, "")
            if CJK.search(rest):
                found.append(f"Chinese on the English page: {text[:120]!r}")
    return found


CASES = [pytest.param(page, lang) for page in PAGE_ROLES if page in PAGES for lang in ("zh_CN", "en")]


@pytest.mark.parametrize(("page", "lang"), CASES, ids=[f"{c.values[0]}-{c.values[1]}" for c in CASES])
def test_page_in_one_language(new_app, page: str, lang: str) -> None:
    at = _open(new_app, _role_user(page), lang, page)
    assert not at.exception, [e.message for e in at.exception]
    assert problems(lang, visible_text(at)) == []


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_inspection_record_in_one_language(new_app, app_db, lang: str) -> None:
    """The record of the bilingual inspection: labelled values, names, tiers, countries, headings."""
    at = _open(new_app, "supervisor", lang, "inspections", inspection_id=app_db[2])
    assert not at.exception, [e.message for e in at.exception]
    texts = visible_text(at)
    assert problems(lang, texts) == []
    joined = "\n".join(texts)
    if lang == "zh_CN":
        assert NAME_ZH in joined and "高级认证企业" in joined and "日本" in joined
        assert "7,584.2" in joined and "是" in joined
    else:
        assert NAME_EN in joined and "Japan" in joined and "Advanced certified" in joined
        assert "7,584.2" in joined and "yes" in joined


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_enterprise_page_in_one_language(new_app, app_db, lang: str) -> None:
    """The bilingual enterprise's page: its name, tier, finding, the risk profile aimed at it, its alert."""
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        enterprise_id = s.query(Enterprise.id).filter(Enterprise.name == NAME_ZH).scalar()
    engine.dispose()
    at = _open(new_app, "supervisor", lang, "enterprise", inspection_id=enterprise_id)  # ?id= the enterprise
    assert not at.exception, [e.message for e in at.exception]
    texts = visible_text(at)
    assert problems(lang, texts) == []
    joined = "\n".join(texts)
    assert (NAME_ZH if lang == "zh_CN" else NAME_EN) in joined and "CU-7404" in joined
    assert ("高级认证企业" if lang == "zh_CN" else "Advanced certified") in joined


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_import_report_in_one_language(new_app, lang: str) -> None:
    """An import's per-row reasons are said in the reader's language (English text kept for the CLI)."""
    entries = [
        ReportEntry(2, "2", "BB1", "rejected", "数量", FORMULA_REASON, 1, "formula_cell"),
        ReportEntry(3, "3", "BB2", "rejected", "hs_code", "HS heading 9999 does not exist in the nomenclature", 1,
                    "hs_unknown", {"heading": "9999"}),
    ]  # fmt: skip
    at = _open(new_app, "admin", lang, "data_exchange")
    at.session_state["exchange.result"] = ImportResult("goods.xlsx", "0" * 64, "xlsx", entries=entries, batches=1)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    texts = visible_text(at)
    joined = "\n".join(texts)
    if lang == "zh_CN":
        assert FORMULA_REASON not in joined and "does not exist" not in joined
        assert t("zh_CN", "exchange.reason_formula_cell") in joined
    else:
        assert FORMULA_REASON in joined and "HS heading 9999 does not exist in the nomenclature" in joined
