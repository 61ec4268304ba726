"""Numbers read from a step's photo on SQLite and PostgreSQL: the reading is kept with its photo,
saving the step records what the inspector kept of it (confirmed / corrected / typed) in the same
transaction, the step's rules judge the saved value, and the statistics say how often it was right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portsight.db.models import AuditEntry, Finding, NumberReading
from portsight.domain.stats import IsoWeek
from portsight.errors import AccessDenied, InvalidInput
from portsight.queries import number_readings as q
from portsight.services import evidence
from portsight.services import number_readings as svc
from tests.integration.test_field import (
    BOX,
    LEAD,
    MAX_BYTES,
    NOW,
    OTHER,
    SEAL,
    container_id,
    make_world,
    png_bytes,
    started_inspection,
)

WEEK = IsoWeek.of(NOW.date())
LATER = NOW + timedelta(minutes=30)


@pytest.fixture
def world(db):
    make_world(db)
    return db


def photo(db, tmp_path, insp: int, step: str, colour=(90, 90, 90)) -> int:
    return evidence.attach_photo(
        db, LEAD, insp, step, png_bytes(colour), None, "image/png", container_id(db), media_dir=tmp_path,
        max_bytes=MAX_BYTES,
    )  # fmt: skip


def read(db, evidence_id: int, kind: str, proposed: str | None, read_text: str = "", confidence=0.93) -> int:
    return svc.record_reading(
        db, LEAD, evidence_id, kind, proposed=proposed, read_text=read_text,
        confidence=confidence if proposed else None, box=(4, 3, 20, 8) if proposed else None, now=NOW,
    )  # fmt: skip


def reading(db, reading_id: int):
    return db.execute(select(NumberReading.__table__).where(NumberReading.id == reading_id)).one()


def test_a_reading_is_kept_with_its_photo_step_and_container(world, tmp_path):
    insp = started_inspection(world)
    shot = photo(world, tmp_path, insp, "container_number")
    rid = read(world, shot, "container_number", BOX)
    row = reading(world, rid)
    assert (row.inspection_id, row.step_key, row.container_id, row.evidence_id) == (
        insp, "container_number", container_id(world), shot,
    )  # fmt: skip
    assert (row.proposed, row.confidence, row.box, row.read_by_id) == (BOX, 0.93, [4, 3, 20, 8], LEAD.user_id)
    assert row.confirmed is None and row.outcome is None
    latest = q.latest_readings(world, insp)[("container_number", container_id(world), "container_number")]
    assert latest["proposed"] == BOX and latest["sha256"] and latest["media_type"] == "image/png"
    actions = world.scalars(select(AuditEntry.action).where(AuditEntry.entity == "number_reading")).all()
    assert actions == ["field.number_read"]


def test_the_proposal_saved_unchanged_is_confirmed_and_judged_like_a_typed_number(world, tmp_path):
    insp = started_inspection(world)
    rid = read(world, photo(world, tmp_path, insp, "container_number"), "container_number", BOX)
    outcome = svc.save_step(world, LEAD, insp, "container_number", {"number": "csqu 305438-3"}, container_id(world),
                            None, now=LATER)  # fmt: skip
    assert outcome.outcome == "conforming"
    row = reading(world, rid)
    assert (row.confirmed, row.outcome) == (BOX, "confirmed") and row.confirmed_at is not None
    confirm = world.execute(
        select(AuditEntry.after).where(AuditEntry.action == "field.number_confirm", AuditEntry.entity_id == str(rid))
    ).scalar_one()
    assert confirm["outcome"] == "confirmed" and confirm["inspection_id"] == insp


def test_a_corrected_proposal_is_recorded_and_the_rules_judge_the_saved_value(world, tmp_path):
    insp = started_inspection(world)
    # The recogniser proposed another box's valid number; the inspector corrects it to what the door says.
    rid = read(world, photo(world, tmp_path, insp, "container_number"), "container_number", "MSKU6011672")
    outcome = svc.save_step(world, LEAD, insp, "container_number", {"number": BOX}, container_id(world), None)
    assert outcome.outcome == "conforming"
    assert (reading(world, rid).confirmed, reading(world, rid).outcome) == (BOX, "corrected")
    # Kept as read, the wrong box is the declared-against-found finding.
    second = read(world, photo(world, tmp_path, insp, "container_number", (10, 10, 10)), "container_number",
                  "MSKU6011672")  # fmt: skip
    wrong = svc.save_step(world, LEAD, insp, "container_number", {"number": "MSKU6011672"}, container_id(world), None)
    assert [f.rule_id for f in wrong.findings] == ["container_declared"]
    assert reading(world, second).outcome == "confirmed"
    assert world.scalar(select(func.count()).select_from(Finding).where(Finding.inspection_id == insp)) == 1


def test_nothing_proposed_is_typed_and_a_seal_is_compared_as_written(world, tmp_path):
    insp = started_inspection(world)
    typed = read(world, photo(world, tmp_path, insp, "container_number"), "container_number", None, "CSQU 305438")
    assert reading(world, typed).read_text == "CSQU 305438" and reading(world, typed).proposed is None
    svc.save_step(world, LEAD, insp, "container_number", {"number": BOX}, container_id(world), None)
    assert reading(world, typed).outcome == "typed"
    seal = read(world, photo(world, tmp_path, insp, "seal"), "seal_number", "CN 123-4567")
    outcome = svc.save_step(world, LEAD, insp, "seal", {"seal_number": "cn1234567", "seal_class": "H"},
                            container_id(world), None)  # fmt: skip
    assert outcome.outcome == "conforming"
    assert (reading(world, seal).confirmed, reading(world, seal).outcome) == (SEAL, "confirmed")


def test_an_invalid_step_confirms_nothing_and_a_saved_reading_is_not_confirmed_again(world, tmp_path):
    insp = started_inspection(world)
    rid = read(world, photo(world, tmp_path, insp, "seal"), "seal_number", SEAL)
    invalid = svc.save_step(world, LEAD, insp, "seal", {"seal_number": SEAL}, container_id(world), None)
    assert not invalid.saved and reading(world, rid).outcome is None
    svc.save_step(world, LEAD, insp, "seal", {"seal_number": SEAL, "seal_class": "H"}, container_id(world), None)
    assert reading(world, rid).outcome == "confirmed"
    svc.save_step(world, LEAD, insp, "seal", {"seal_number": "CN7654321", "seal_class": "H"}, container_id(world), None)
    assert (reading(world, rid).confirmed, reading(world, rid).outcome) == (SEAL, "confirmed")
    confirmations = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "field.number_confirm")
    assert world.scalar(confirmations) == 1


def test_only_the_assigned_inspector_reads_and_kinds_and_boxes_are_checked(world, tmp_path):
    insp = started_inspection(world)
    shot = photo(world, tmp_path, insp, "container_number")
    with pytest.raises(AccessDenied):
        svc.record_reading(world, OTHER, shot, "container_number", proposed=BOX, read_text="", confidence=0.9,
                           box=(0, 0, 5, 5))  # fmt: skip
    with pytest.raises(InvalidInput) as kind:
        svc.record_reading(world, LEAD, shot, "plate", proposed=None, read_text="", confidence=None, box=None)
    assert kind.value.message_key == "errors.number_reading_kind"
    with pytest.raises(InvalidInput) as box:
        svc.record_reading(world, LEAD, shot, "container_number", proposed=BOX, read_text="", confidence=0.9,
                           box=(0, 0, 0, 5))  # fmt: skip
    assert box.value.message_key == "errors.number_reading_box"
    assert world.scalar(select(func.count()).select_from(NumberReading)) == 0


def test_the_accuracy_figure_counts_proposals_kept_out_of_proposals_saved(world, tmp_path):
    insp = started_inspection(world)
    cid = container_id(world)
    read(world, photo(world, tmp_path, insp, "container_number"), "container_number", "MSKU6011672")
    svc.save_step(world, LEAD, insp, "container_number", {"number": BOX}, cid, None, now=NOW)  # corrected
    read(world, photo(world, tmp_path, insp, "container_number", (1, 2, 3)), "container_number", BOX)
    svc.save_step(world, LEAD, insp, "container_number", {"number": BOX}, cid, None, now=NOW)  # confirmed
    read(world, photo(world, tmp_path, insp, "seal"), "seal_number", None, "CN12")
    svc.save_step(world, LEAD, insp, "seal", {"seal_number": SEAL, "seal_class": "H"}, cid, None, now=NOW)  # typed
    read(world, photo(world, tmp_path, insp, "reseal"), "seal_number", "HG7654321")  # read, never saved
    figures = {row["kind"]: row for row in q.ocr_accuracy(world, None, WEEK)}
    assert figures["container_number"] == {
        "kind": "container_number", "confirmed": 1, "corrected": 1, "typed": 0, "rate": 0.5,
    }  # fmt: skip
    assert figures["seal_number"] == {"kind": "seal_number", "confirmed": 0, "corrected": 0, "typed": 1, "rate": None}
    # Another port's scope, another week: nothing.
    assert all(row["rate"] is None and row["confirmed"] == 0 for row in q.ocr_accuracy(world, {2}, WEEK))
    assert all(row["corrected"] == 0 for row in q.ocr_accuracy(world, None, WEEK.previous()))
