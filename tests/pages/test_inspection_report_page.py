"""The inspection report is offered where an inspection is read: on its record, as a zip of the listed
inspections, and on the inspector's phone for their own inspection."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from components.inspections.report import listed_reports, report_file
from portsight.db.models import Declaration, Inspection
from portsight.db.session import make_engine
from portsight.domain.access import Actor, Role
from portsight.i18n import LANGUAGES, t
from portsight.queries.inspections import InspectionFilter
from tests.pages.appdb import recovered_paper_task
from tests.pages.conftest import errors, login


def _labels(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def _said(key: str, **values: object) -> set[str]:
    return {t(lang, key, **values) for lang in LANGUAGES}


@pytest.fixture(scope="module")
def released_id(app_db) -> int:
    engine = make_engine(app_db[1])
    with engine.connect() as conn:
        insp = conn.scalar(
            select(Inspection.id)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .where(Declaration.number == "DEC-TEST-2")
        )
    engine.dispose()
    return int(insp)


def test_the_record_offers_its_report(new_app, released_id):
    at = login(new_app().run(), "supervisor")
    at.switch_page("pages/inspections.py").run()
    at.query_params["id"] = str(released_id)
    at.run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert _said("report.download") & set(_labels(at))


def test_the_list_offers_the_reports_of_the_listed_inspections_as_a_zip(new_app):
    at = login(new_app().run(), "supervisor")
    at.switch_page("pages/inspections.py").run()
    at.toggle(key="inspections.prepare_export").set_value(True).run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    labels = set(_labels(at))
    assert any(label in labels for n in range(1, 21) for label in _said("report.zip", count=n))


def test_the_inspector_gets_the_report_of_their_own_inspection_on_the_phone(new_app, app_db):
    engine = make_engine(app_db[1])
    insp = recovered_paper_task(engine, number="DEC-REPORT-PAGE", container="MSCU1234566", priority=1)
    engine.dispose()
    at = login(new_app().run(), "inspector")
    at.switch_page("pages/field_inspection.py").run()
    at.button(key=f"field.open.{insp}").click().run()
    assert not _said("report.download") & set(_labels(at))  # not before the task is accepted
    at.button(key="field.accept").click().run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert _said("report.download") & set(_labels(at))


def test_the_buttons_files_are_made_when_clicked_from_the_apps_database_and_media(app_environment, released_id):
    supervisor = Actor(None, "supervisor", Role.SUPERVISOR, None)
    assert report_file(supervisor, released_id)().startswith(b"%PDF")
    archive = zipfile.ZipFile(io.BytesIO(listed_reports(supervisor, None, InspectionFilter(), "created_at", True)()))
    assert f"inspection-{released_id}.pdf" in archive.namelist()
