"""The printed inspection report on SQLite and PostgreSQL: bilingual labels, every step, findings with
their legal basis, the receipt and its QR code, the gate exits of its containers, photos embedded
with their hashes, hostile text, a missing photo file, the photo cap, who may print it, and a zip
of several."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from components.inspections.report import inspection_report_pdf, reports_zip
from portsight.db.checklists import load_checklist
from portsight.db.models import Declaration, Enterprise, Evidence, ReleaseReceipt, User
from portsight.documents.inspection_report import PHOTOS_PER_BLOCK
from portsight.domain.access import Actor, Role
from portsight.errors import AccessDenied
from portsight.i18n import t
from portsight.messages import step_specs
from portsight.services import decisions, evidence
from portsight.services import field as svc
from portsight.storage import media_path
from tests.integration.test_field import (
    BOX,
    LEAD,
    MAX_BYTES,
    NEW_SEAL,
    NOW,
    SECRET,
    SUP,
    container_id,
    make_world,
    paper_declaration,
    png_bytes,
    record_all,
    started_inspection,
)
from tests.integration.test_gate_exits import BOX2, LATER, let_out, released_receipt, two_container_declaration

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")

SUP_NGB = Actor(7, "sup.ngb", Role.SUPERVISOR, frozenset({2}))
NOT_ASSIGNED = Actor(6, "insp.3", Role.INSPECTOR, frozenset({1}))
GATE = Actor(5, "gate.1", Role.GATE, frozenset({1}))
HOSTILE = ("<b>bold</b> <a href='http://x'>link</a> &amp; \u202eمرحبا بالعالم\u202c " + "无空格长文本" * 40)[:200]


def pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def flat(text: str) -> str:
    """pdftotext breaks lines where the PDF wraps them: compare without any white space."""
    return "".join(text.split())


def image_count(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def _released(db, media_dir) -> int:
    insp = started_inspection(db)
    record_all(db, insp, media_dir)
    svc.complete_checklist(db, LEAD, insp, now=NOW + timedelta(hours=1))
    decisions.take_decision(db, LEAD, insp, "release", confirmed=True, secret=SECRET, now=NOW + timedelta(hours=2))
    return insp


@pytest.fixture
def released(db, tmp_path):
    make_world(db)
    return db, _released(db, tmp_path), tmp_path


@pytest.fixture
def held(db, tmp_path):
    """An inspection held for an impurity above the limit: a high finding citing its standard."""
    make_world(db)
    insp = started_inspection(db)
    record_all(db, insp, tmp_path)
    svc.record_step_result(db, LEAD, insp, "impurity", {"impurity_pct": 2.0})
    svc.complete_checklist(db, LEAD, insp)
    decisions.take_decision(db, LEAD, insp, "hold", confirmed=True)
    return db, insp, tmp_path


def test_the_report_has_both_languages_every_step_and_the_receipt_with_its_qr_code(released):
    db, insp, media_dir = released
    name, data = inspection_report_pdf(db, SUP, insp, media_dir)
    text = flat(pdf_text(data))
    assert name == f"inspection-{insp}.pdf"
    for key in ("report.title", "inspections.tab_checklist", "inspections.tab_decision", "report.signatures"):
        assert flat(t("zh_CN", key)) in text and flat(t("en", key)) in text, key
    steps = {s.step.key for s in load_checklist(db, insp).slots}
    for key in steps:
        spec = step_specs()[key]
        assert flat(spec.title.zh) in text and flat(spec.title.en) in text, key
    receipt_no = db.scalar(select(ReleaseReceipt.receipt_no).where(ReleaseReceipt.inspection_id == insp))
    assert receipt_no in text
    # The values are printed labelled, with their units: the radiation reading of the step.
    assert "0.12" in text and "D-PAPER-1" in text and BOX in text
    # Photos are embedded as thumbnails with their hashes (each step's first PHOTOS_PER_BLOCK), and the QR code.
    photos = list(db.execute(select(Evidence.step_key, Evidence.sha256).where(Evidence.inspection_id == insp)))
    assert all(sha in text for key, sha in photos if key != "container_body")
    assert image_count(data) >= 2  # the same photo printed twice is one image of the PDF


def test_findings_print_with_the_legal_basis_of_their_rule(held):
    db, insp, media_dir = held
    text = flat(pdf_text(inspection_report_pdf(db, SUP, insp, media_dir)[1]))
    assert flat("GB 16487.4-2017") in text
    assert flat(t("zh_CN", "inspections.citation")) in text and flat(t("en", "inspections.citation")) in text
    assert flat(t("zh_CN", "labels.decision_hold")) in text


def test_hostile_text_is_printed_as_written_without_breaking_the_report(db, tmp_path):
    make_world(db)
    insp, media_dir = started_inspection(db), tmp_path
    record_all(db, insp, media_dir)
    db.execute(update(Enterprise).values(name=HOSTILE, name_en=HOSTILE))
    db.execute(update(Declaration).values(number="<i>D-1</i>\u202e"))
    # A long text without a space to break at, in a table cell.
    svc.add_finding(db, LEAD, insp, "<script>alert(1)</script> " + "长" * 900 + "x" * 1000, "low", "goods")
    data = inspection_report_pdf(db, SUP, insp, media_dir)[1]
    text = pdf_text(data)
    assert "<b>bold</b>" in text and "<script>alert(1)</script>" in text and "<i>D-1</i>" in text
    assert PdfReader(io.BytesIO(data)).pages


def test_a_missing_photo_file_prints_a_line_instead_of_failing(released):
    db, insp, media_dir = released
    sha = db.scalar(select(Evidence.sha256).where(Evidence.inspection_id == insp).order_by(Evidence.id).limit(1))
    media_path(media_dir, sha, ".png").unlink()
    data = inspection_report_pdf(db, SUP, insp, media_dir)[1]
    text = flat(pdf_text(data))
    assert flat(t("zh_CN", "report.photo_missing")) in text and flat(t("en", "report.photo_missing")) in text
    assert sha in text


def test_a_step_with_many_photos_prints_a_bounded_number_and_says_how_many_are_left(db, tmp_path):
    make_world(db)
    insp, media_dir = started_inspection(db), tmp_path
    record_all(db, insp, media_dir, photos=False)
    for n in range(PHOTOS_PER_BLOCK + 3):
        evidence.attach_photo(
            db, LEAD, insp, "container_body", png_bytes((n * 20, 200, 40), size=(640, 480)), f"body-{n}.png",
            "image/png", container_id(db), media_dir=media_dir, max_bytes=MAX_BYTES,
        )  # fmt: skip
    data = inspection_report_pdf(db, SUP, insp, media_dir)[1]
    text = flat(pdf_text(data))
    assert flat(t("zh_CN", "report.photos_not_printed", count=3)) in text
    assert flat(t("en", "report.photos_not_printed", count=3)) in text
    assert image_count(data) == PHOTOS_PER_BLOCK
    # The thumbnails are downscaled: none is larger than the photo it came from.
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            assert max(image.image.size) <= 640


def test_only_those_who_may_read_the_record_get_the_report(released):
    db, insp, media_dir = released
    with pytest.raises(AccessDenied) as other_port:
        inspection_report_pdf(db, SUP_NGB, insp, media_dir)
    assert other_port.value.message_key == "errors.inspection_outside_scope"
    with pytest.raises(AccessDenied) as not_mine:
        inspection_report_pdf(db, NOT_ASSIGNED, insp, media_dir)
    assert not_mine.value.message_key == "errors.report_not_yours"
    with pytest.raises(AccessDenied) as gate:
        inspection_report_pdf(db, GATE, insp, media_dir)
    assert gate.value.message_key == "errors.role_needed"
    # The inspector assigned to it prints it from the phone.
    assert inspection_report_pdf(db, LEAD, insp, media_dir)[1].startswith(b"%PDF")


def test_the_reports_of_two_inspections_come_as_a_zip_of_two_pdfs(released):
    db, first, media_dir = released
    second = _released_second(db, media_dir)
    archive = zipfile.ZipFile(io.BytesIO(reports_zip(db, SUP, [first, second], media_dir)))
    assert sorted(archive.namelist()) == sorted([f"inspection-{first}.pdf", f"inspection-{second}.pdf"])
    for name in archive.namelist():
        assert archive.read(name).startswith(b"%PDF")


def _released_second(db, media_dir) -> int:
    insp = started_inspection(db, paper_declaration("D-PAPER-2", containers=False))
    record_all(db, insp, media_dir)
    svc.complete_checklist(db, LEAD, insp, now=NOW + timedelta(hours=1))
    decisions.take_decision(db, LEAD, insp, "release", confirmed=True, secret=SECRET, now=NOW + timedelta(hours=2))
    return insp


def test_the_gate_exits_of_the_receipts_containers_print_each_with_its_truck_seal_time_and_officer(db, tmp_path):
    make_world(db)
    released = released_receipt(db, two_container_declaration(), tmp_path)
    insp, token = released["inspection"], released["token"]
    text = flat(pdf_text(inspection_report_pdf(db, SUP, insp, tmp_path)[1]))
    for key in ("report.gate_exits", "report.no_gate_exits"):
        assert flat(t("zh_CN", key)) in text and flat(t("en", key)) in text, key

    let_out(db, token, BOX, "沪A12345", NEW_SEAL, gate="Gate 3", now=LATER)
    text = flat(pdf_text(inspection_report_pdf(db, SUP, insp, tmp_path)[1]))
    officer = db.scalar(select(User.display_name).where(User.id == GATE.user_id))
    assert flat(t("en", "report.no_gate_exits")) not in text
    for key in ("gate.col_container", "gate.col_truck", "gate.col_seal", "report.gate_officer"):
        assert flat(t("zh_CN", key)) in text and flat(t("en", key)) in text, key
    china = LATER + timedelta(hours=8)
    left_at = f"{china.year}年{china.month}月{china.day}日 {china:%H:%M} {china:%d %b %Y %H:%M}"  # both languages
    assert flat(f"{BOX} 沪A12345 {NEW_SEAL} Gate 3 {left_at} {officer}") in text
    # The container still to leave has no exit: its number is printed with its steps, never with a truck.
    assert flat(f"{BOX2} 沪") not in text
