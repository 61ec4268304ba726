"""Field inspection through the services on SQLite and PostgreSQL: steps judged and saved, findings with
their rule, photos accepted only as images, completion, decision policy, and the read side."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, insert, select

from portsight.db.checklists import load_checklist
from portsight.db.models import (
    Alert,
    AuditEntry,
    Container,
    Declaration,
    Enterprise,
    Evidence,
    Finding,
    Inspection,
    InspectorAssignment,
    Port,
    StepResult,
    User,
    UserPort,
)
from portsight.domain.access import SYSTEM, Actor, Role
from portsight.domain.conditions import in_language
from portsight.errors import AccessDenied, Conflict, InvalidInput
from portsight.exchange import import_bytes
from portsight.exchange.synthetic import rows_to_csv
from portsight.images import PhotoRefused
from portsight.queries import field as q
from portsight.services import decisions, evidence
from portsight.services import field as svc
from portsight.services.declarations import register_declaration
from portsight.services.inspections import assign_inspectors, open_inspection

T0 = datetime(2020, 6, 1, 2, 0, tzinfo=UTC)  # recovered paper could still be imported (under licence)
NOW = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
USCC = "91310000MA1FL8LQ34"
BOX = "CSQU3054383"
SEAL = "CN1234567"
NEW_SEAL = "HG7654321"  # the seal put on after inspection
SECRET = "test-secret"
MAX_BYTES = 200_000

SUP = Actor(1, "sup", Role.SUPERVISOR, None)
LEAD = Actor(2, "insp.1", Role.INSPECTOR, frozenset({1}))
SECOND = Actor(3, "insp.2", Role.INSPECTOR, frozenset({1}))
OTHER = Actor(4, "insp.ngb", Role.INSPECTOR, frozenset({2}))
GATE = Actor(5, "gate.1", Role.GATE, frozenset({1}))


def png_bytes(colour=(200, 30, 30), size=(32, 24)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(colour=(30, 200, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buf, format="JPEG")
    return buf.getvalue()


def make_world(db) -> None:
    db.execute(
        insert(Port),
        [
            {"id": 1, "code": "CNSGH", "name_en": "Shanghai", "name_zh": "上海", "kind": "sea"},
            {"id": 2, "code": "CNNGB", "name_en": "Ningbo", "name_zh": "宁波", "kind": "sea"},
        ],
    )
    db.execute(insert(Enterprise), [{"id": 1, "uscc": USCC, "name": "Hengda Paper Co.", "credit_tier": "general"}])
    users = [
        (1, "sup", "supervisor", True),
        (2, "insp.1", "inspector", False),
        (3, "insp.2", "inspector", False),
        (4, "insp.ngb", "inspector", False),
        (5, "gate.1", "gate", False),
        (6, "insp.3", "inspector", False),
    ]
    db.execute(
        insert(User),
        [
            {"id": i, "username": n, "display_name": n.title(), "role": r, "password_hash": "x", "all_ports": a}
            for i, n, r, a in users
        ],
    )
    db.execute(
        insert(UserPort),
        [
            {"user_id": 2, "port_id": 1},
            {"user_id": 3, "port_id": 1},
            {"user_id": 4, "port_id": 2},
            {"user_id": 5, "port_id": 1},
            {"user_id": 6, "port_id": 1},
        ],
    )


def paper_declaration(number="D-PAPER-1", *, containers=True, hs="4707100000", mode="sea", declared_at=T0) -> dict:
    return {
        "number": number,
        "port_code": "CNSGH",
        "enterprise_uscc": USCC,
        "direction": "import",
        "transport_mode": mode,
        "origin_country": "US",
        "declared_at": declared_at,
        "goods": [
            {
                "hs_code": hs,
                "description": "Recovered kraft paper",
                "quantity": 20,
                "unit": "bale",
                "gross_weight_kg": 21000,
                "value": 4200,
            }
        ],
        "containers": [{"number": BOX, "size_type": "45G1", "declared_seal": SEAL}] if containers else [],
    }


def started_inspection(db, data: dict | None = None, inspectors=(2, 3)) -> int:
    decl = register_declaration(db, SUP, data or paper_declaration(), now=NOW)
    insp = open_inspection(db, SUP, decl, priority=1, now=NOW)
    assign_inspectors(db, SUP, insp, list(inspectors), now=NOW)
    svc.accept_task(db, LEAD, insp, now=NOW + timedelta(minutes=5))
    return insp


GOOD_VALUES = {
    "container_number": {"number": BOX},
    "seal": {"seal_number": SEAL, "seal_class": "H"},
    "radiation": {"dose_rate_ugy_h": 0.12, "background_ugy_h": 0.1},
    "goods": {"description_matches": True, "quantity": 20, "gross_weight_kg": 21100},
    "impurity": {"impurity_pct": 0.3},
    "packaging": {"packaging_intact": True, "wood_packaging": False},
    "container_body": {
        k: True for k in ("front_wall", "left_side", "right_side", "floor", "ceiling_roof", "doors", "undercarriage")
    },
    "seal_integrity": {"seal_view": True, "seal_tug": True, "seal_twist": True, "seal_turn": True},
    "reseal": {"new_seal_number": NEW_SEAL, "new_seal_class": "H"},
}


def container_id(db) -> int:
    return db.scalar(select(Container.id).where(Container.number == BOX))


def record_all(db, insp: int, tmp_path: Path | None = None, *, photos: bool = True) -> None:
    checklist = load_checklist(db, insp)
    for slot in checklist.slots:
        outcome = svc.record_step_result(db, LEAD, insp, slot.step.key, GOOD_VALUES[slot.step.key], slot.container_id)
        assert outcome.outcome == "conforming", (slot.id, outcome)
        if photos:
            for n in range(slot.photos_required):
                evidence.attach_photo(
                    db, LEAD, insp, slot.step.key, png_bytes((n * 30 % 255, 10, 10)), f"{slot.id}-{n}.png",
                    "image/png", slot.container_id, media_dir=tmp_path, max_bytes=MAX_BYTES,
                )  # fmt: skip


@pytest.fixture
def world(db):
    make_world(db)
    return db


# --------------------------------------------------------------------------- steps


def test_the_checklist_follows_the_rules_for_recovered_paper(world):
    insp = started_inspection(world)
    checklist = load_checklist(world, insp)
    assert [s.id for s in checklist.slots] == [
        f"container_number@{BOX}", f"seal@{BOX}", "radiation", f"seal_integrity@{BOX}", "goods", "impurity",
        "packaging", f"container_body@{BOX}", f"reseal@{BOX}",
    ]  # fmt: skip


def test_a_conforming_step_is_saved_and_the_resume_point_moves_on(world):
    insp = started_inspection(world)
    outcome = svc.record_step_result(
        world, LEAD, insp, "container_number", {"number": "csqu 305438-3"}, container_id(world)
    )
    assert outcome.outcome == "conforming" and outcome.saved and outcome.next_slot == f"seal@{BOX}"
    state = q.checklist_state(world, insp, frozenset({1}))
    assert state["resume"] == f"seal@{BOX}" and state["done"] == 1 and state["total"] == 9
    assert state["progress"][f"container_number@{BOX}"]["outcome"] == "conforming"
    assert world.scalar(select(Inspection.current_step).where(Inspection.id == insp)) == f"seal@{BOX}"
    assert world.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "field.step")) == 1


def test_a_non_conforming_impurity_reading_creates_a_finding_citing_the_standard(world):
    insp = started_inspection(world)
    outcome = svc.record_step_result(world, LEAD, insp, "impurity", {"impurity_pct": "0.8"})
    assert outcome.outcome == "non_conforming"
    [finding] = outcome.findings
    assert finding.rule_id == "recovered_paper_impurity" and finding.severity == "high"
    row = world.execute(select(Finding.__table__).where(Finding.inspection_id == insp)).one()
    assert row.rule_id == "recovered_paper_impurity" and row.step_key == "impurity"
    assert "GB 16487.4-2017" in row.citation and "0.8" in row.description
    assert in_language(row.description, "en").startswith("Recovered paper impurity above the limit")
    assert world.scalar(select(Alert.severity).where(Alert.inspection_id == insp, Alert.kind == "finding")) == "high"
    # Re-measured within the limit: the rule's finding goes, the step conforms.
    again = svc.record_step_result(world, LEAD, insp, "impurity", {"impurity_pct": 0.3})
    assert again.outcome == "conforming"
    assert world.scalar(select(func.count()).select_from(Finding).where(Finding.inspection_id == insp)) == 0
    assert world.scalar(select(func.count()).select_from(StepResult).where(StepResult.inspection_id == insp)) == 1


def test_the_wrong_box_is_a_high_finding_and_a_full_width_entry_is_stored_in_ascii(world):
    insp = started_inspection(world)
    wrong = svc.record_step_result(
        world, LEAD, insp, "container_number", {"number": "MSKU6011672"}, container_id(world)
    )
    assert wrong.outcome == "non_conforming" and [f.rule_id for f in wrong.findings] == ["container_declared"]
    row = world.execute(select(Finding.__table__).where(Finding.inspection_id == insp)).one()
    assert row.severity == "high" and "Art. 24" in row.citation and "MSKU6011672" in row.description
    assert world.scalar(select(Alert.rule_id).where(Alert.inspection_id == insp, Alert.kind == "finding")) == (
        "container_declared"
    )
    # Typed again with a Chinese input method in full-width mode: the declared box, stored in ASCII.
    right = svc.record_step_result(
        world, LEAD, insp, "container_number", {"number": "ＣＳＱＵ３０５４３８３"}, container_id(world)
    )
    assert right.outcome == "conforming"
    stored = world.scalar(select(StepResult.values).where(StepResult.inspection_id == insp))
    assert stored == {"number": BOX}
    seal = svc.record_step_result(world, LEAD, insp, "seal", {"seal_number": "ｃｎ１２３４５６７", "seal_class": "Ｈ"},
                                  container_id(world))  # fmt: skip
    assert seal.outcome == "conforming"


def test_invalid_values_are_explained_and_nothing_is_saved(world):
    insp = started_inspection(world)
    outcome = svc.record_step_result(world, LEAD, insp, "goods", {"description_matches": True, "quantity": "lots"})
    assert outcome.outcome == "invalid" and not outcome.saved
    assert {p.en for p in outcome.problems} >= {"Quantity counted: a number (declared unit)"}
    assert world.scalar(select(func.count()).select_from(StepResult).where(StepResult.inspection_id == insp)) == 0


def test_only_the_assigned_inspector_of_a_started_inspection_records(world):
    insp = started_inspection(world, inspectors=(2,))
    with pytest.raises(AccessDenied):
        svc.record_step_result(world, SECOND, insp, "impurity", {"impurity_pct": 0.1})
    with pytest.raises(AccessDenied):
        svc.record_step_result(world, OTHER, insp, "impurity", {"impurity_pct": 0.1})
    with pytest.raises(InvalidInput, match="not on this inspection's checklist"):
        svc.record_step_result(world, LEAD, insp, "reefer_temperature", {"set_point_c": -18, "measured_c": -18})


# --------------------------------------------------------------------------- photos


def test_an_image_is_stored_by_its_hash_with_step_container_and_inspector(world, tmp_path):
    insp = started_inspection(world)
    data = jpeg_bytes()
    evidence_id = evidence.attach_photo(
        world, LEAD, insp, "seal", data, "IMG_0001.jpg", "application/octet-stream", container_id(world),
        lat=31.2, lon=121.5, source="camera", media_dir=tmp_path, max_bytes=MAX_BYTES,
    )  # fmt: skip
    row = world.execute(select(Evidence.__table__).where(Evidence.id == evidence_id)).one()
    assert (row.media_type, row.step_key, row.container_id, row.taken_by_id) == (
        "image/jpeg", "seal", container_id(world), 2,
    )  # fmt: skip
    assert (row.lat, row.lon, row.original_name, row.source) == (31.2, 121.5, "IMG_0001.jpg", "camera")
    stored = list(tmp_path.rglob("*.jpg"))
    assert [p.name for p in stored] == [f"{row.sha256}.jpg"] and Image.open(stored[0]).size == (32, 24)
    assert row.size_bytes == stored[0].stat().st_size
    gallery = q.gallery(world, insp)
    assert list(gallery["step_key"]) == ["seal"] and list(gallery["container"]) == [BOX]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.7\n%not a photo\n" * 10, "evidence.jpg", "not a JPEG, PNG or WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_BYTES + 1), "huge.png", "the limit is"),
        (None, "../../etc/cron.d/evil.png", "contains a path"),
        (None, "..\\..\\windows\\evil.png", "contains a path"),
        (None, "/tmp/evil.png", "contains a path"),
        (b"", "empty.png", "empty"),
    ],
    ids=["not-an-image", "oversized", "dotdot-slash", "dotdot-backslash", "absolute", "empty"],
)
def test_a_refused_upload_says_why_and_writes_nothing(world, tmp_path, data, name, message):
    insp = started_inspection(world)
    media = tmp_path / "media"
    with pytest.raises(InvalidInput, match=message):
        evidence.attach_photo(
            world, LEAD, insp, "goods", png_bytes() if data is None else data, name, "image/png",
            media_dir=media, max_bytes=MAX_BYTES, source="upload",
        )  # fmt: skip
    assert not media.exists() or not any(media.rglob("*"))
    assert not (tmp_path.parent / "etc").exists()
    assert world.scalar(select(func.count()).select_from(Evidence).where(Evidence.inspection_id == insp)) == 0


def _header_only_png(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels with almost no data: a few bytes on disk."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"\xff\xd8\xff\xe0" + b"not a picture " * 40, "common.photo_unreadable"),
        (b"\x89PNG\r\n\x1a\n" + b"not a picture " * 40, "common.photo_unreadable"),
        (_header_only_png(20_000, 20_000), "common.photo_too_many_pixels"),
    ],
    ids=["damaged-jpeg", "damaged-png", "20000x20000-png"],
)
def test_a_photo_that_cannot_be_decoded_within_the_limit_is_refused_and_nothing_is_written(world, tmp_path, data, key):
    insp = started_inspection(world)
    media = tmp_path / "media"
    with pytest.raises(PhotoRefused) as refused:
        evidence.attach_photo(
            world, LEAD, insp, "goods", data, "photo.png", "image/png", media_dir=media, max_bytes=MAX_BYTES,
            source="upload",
        )  # fmt: skip
    assert refused.value.message_key == key
    assert not media.exists() or not any(media.rglob("*"))
    assert world.scalar(select(func.count()).select_from(Evidence).where(Evidence.inspection_id == insp)) == 0
    audited = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "field.photo")
    assert world.scalar(audited) == 0


def test_a_phone_photo_is_stored_upright_without_its_gps_and_the_audit_keeps_what_arrived(world, tmp_path):
    insp = started_inspection(world)
    sideways = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 5.0)
    buf = io.BytesIO()
    sideways.save(buf, format="JPEG", exif=exif)
    data = buf.getvalue()
    evidence_id = evidence.attach_photo(
        world, LEAD, insp, "goods", data, "IMG_0002.jpg", "image/jpeg", media_dir=tmp_path, max_bytes=MAX_BYTES,
    )  # fmt: skip
    row = world.execute(select(Evidence.__table__).where(Evidence.id == evidence_id)).one()
    [stored] = list(tmp_path.rglob("*.jpg"))
    picture = Image.open(stored)
    assert picture.size == (20, 40) and not picture.getexif()
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == row.sha256
    after = world.scalar(select(AuditEntry.after).where(AuditEntry.action == "field.photo"))
    after = json.loads(after) if isinstance(after, str) else after
    assert (after["received_sha256"], after["received_bytes"]) == (hashlib.sha256(data).hexdigest(), len(data))
    assert (after["width"], after["height"]) == (20, 40)


def test_a_photo_for_another_port_is_refused_before_anything_is_written(world, tmp_path):
    insp = started_inspection(world)
    with pytest.raises(AccessDenied):
        evidence.attach_photo(world, OTHER, insp, "goods", png_bytes(), "a.png", "image/png", media_dir=tmp_path,
                              max_bytes=MAX_BYTES)  # fmt: skip
    assert not any(tmp_path.rglob("*.png"))


# --------------------------------------------------------------------------- complete and decide


def test_completion_is_blocked_until_every_step_has_its_photos(world, tmp_path):
    insp = started_inspection(world)
    record_all(world, insp, photos=False)
    with pytest.raises(InvalidInput, match=r"photos missing: .*container_body@CSQU3054383 \(0 of 7\)"):
        svc.complete_checklist(world, LEAD, insp)
    assert world.scalar(select(Inspection.state).where(Inspection.id == insp)) == "in_progress"
    record_all(world, insp, tmp_path)
    result = svc.complete_checklist(world, LEAD, insp, now=NOW + timedelta(hours=1))
    assert result["state"] == "completed"
    assert q.checklist_state(world, insp)["missing"] == {"unrecorded": [], "photos": []}


def test_release_is_refused_with_a_high_finding_and_hold_is_recorded(world, tmp_path):
    insp = started_inspection(world)
    record_all(world, insp, tmp_path)
    svc.record_step_result(world, LEAD, insp, "impurity", {"impurity_pct": 2.0})
    svc.complete_checklist(world, LEAD, insp)
    with pytest.raises(InvalidInput, match="Confirm"):
        decisions.take_decision(world, LEAD, insp, "hold", confirmed=False)
    with pytest.raises(Conflict, match="Release is not allowed"):
        decisions.take_decision(world, LEAD, insp, "release", confirmed=True, secret=SECRET)
    result = decisions.take_decision(world, LEAD, insp, "hold", confirmed=True)
    assert result["state"] == "held" and "receipt_no" not in result
    actions = list(world.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(insp))))
    assert actions.count("field.decide") == 1 and "decide" in actions


def test_destroy_needs_a_second_inspector_who_is_then_recorded(world, tmp_path):
    insp = started_inspection(world, inspectors=(2,))
    record_all(world, insp, tmp_path)
    svc.complete_checklist(world, LEAD, insp)
    with pytest.raises(InvalidInput, match="second inspector"):
        decisions.take_decision(world, LEAD, insp, "destroy", confirmed=True)
    with pytest.raises(InvalidInput, match="does not work at this port"):
        decisions.take_decision(world, LEAD, insp, "destroy", confirmed=True, second_inspector_id=4)
    options = q.second_inspector_options(world, insp, me=2)
    assert [o["id"] for o in options] == [6, 3] or {o["id"] for o in options} == {3, 6}
    result = decisions.take_decision(world, LEAD, insp, "destroy", confirmed=True, second_inspector_id=6)
    assert result["state"] == "destroyed" and result["second_inspector_id"] == 6
    positions = dict(
        world.execute(
            select(InspectorAssignment.user_id, InspectorAssignment.position).where(
                InspectorAssignment.inspection_id == insp
            )
        ).all()
    )
    assert positions == {2: "lead", 6: "second"}


def test_release_issues_a_receipt_in_the_same_transaction(world, tmp_path):
    insp = started_inspection(world)
    record_all(world, insp, tmp_path)
    svc.complete_checklist(world, LEAD, insp)
    result = decisions.take_decision(world, LEAD, insp, "release", confirmed=True, secret=SECRET)
    assert result["state"] == "released" and result["receipt_no"].startswith("RR-CNSGH-")
    assert q.receipt_of(world, insp)["receipt_no"] == result["receipt_no"]


def test_my_tasks_are_mine_at_my_port_most_urgent_first(world):
    urgent = started_inspection(world)
    decl = register_declaration(world, SUP, paper_declaration("D-PAPER-2", containers=False), now=NOW)
    calm = open_inspection(world, SUP, decl, priority=0, now=NOW - timedelta(hours=3))
    assign_inspectors(world, SUP, calm, [2], now=NOW)
    tasks = q.my_tasks(world, 2, frozenset({1}), now=NOW + timedelta(hours=1))
    assert list(tasks["inspection_id"]) == [urgent, calm]
    assert list(tasks["containers"]) == [1, 0] and tasks["waiting_minutes"].iloc[1] == 240
    assert q.my_tasks(world, 4, frozenset({2})).empty


# --------------------------------------------------------------------------- hints


def test_hints_for_a_seeded_enterprise_list_its_findings_and_the_rate_equals_a_fresh_count(db):
    from portsight.db import models as m
    from portsight.demo.seed import seed_demo

    seed_demo(db, weeks=3, seed=11, now=NOW, password_hash="x")
    # An enterprise with findings in the window, and one of its inspections.
    ent_id, insp_id = db.execute(
        select(m.Declaration.enterprise_id, m.Inspection.id)
        .join(m.Inspection, m.Inspection.declaration_id == m.Declaration.id)
        .join(m.Finding, m.Finding.inspection_id == m.Inspection.id)
        .order_by(m.Inspection.id)
        .limit(1)
    ).one()
    # A new inspection of this enterprise (so every earlier finding counts as history).
    hint = q.hints(db, insp_id, now=NOW)
    assert hint["enterprise"]["id"] == ent_id

    # From scratch, in Python, over every row.
    since = NOW - timedelta(days=365)
    aware = lambda v: v if v.tzinfo else v.replace(tzinfo=UTC)  # noqa: E731
    decl_of = dict(db.execute(select(m.Inspection.id, m.Inspection.declaration_id)).all())
    ent_of = dict(db.execute(select(m.Declaration.id, m.Declaration.enterprise_id)).all())
    origin_of = dict(db.execute(select(m.Declaration.id, m.Declaration.origin_country)).all())
    findings = db.execute(select(m.Finding.inspection_id, m.Finding.created_at, m.Finding.description)).all()
    expected = [
        f for f in findings if ent_of[decl_of[f.inspection_id]] == ent_id and aware(f.created_at) >= since
        and f.inspection_id != insp_id
    ]  # fmt: skip
    assert hint["enterprise"]["findings_12m"] == len(expected)
    listed = {(r["description"]) for r in hint["enterprise"]["latest"]}
    assert listed <= {f.description for f in expected}
    assert len(hint["enterprise"]["latest"]) == min(5, len(expected))

    headings: dict[int, set[str]] = {}
    for did, hs in db.execute(select(m.GoodsLine.declaration_id, m.GoodsLine.hs_code)):
        headings.setdefault(did, set()).add(hs[:4])
    bad_steps = {
        r for (r,) in db.execute(select(m.StepResult.inspection_id).where(m.StepResult.outcome == "non_conforming"))
    }
    with_findings = {f.inspection_id for f in findings}
    completed = db.execute(select(m.Inspection.id, m.Inspection.declaration_id, m.Inspection.completed_at)).all()
    origin = origin_of[decl_of[insp_id]]
    assert hint["rates"], "the inspection's goods have a heading"
    for rate in hint["rates"]:
        pool = [
            i for i, did, done in completed
            if done is not None and aware(done) >= since and i != insp_id and origin_of[did] == origin
            and rate["heading"] in headings.get(did, set())
        ]  # fmt: skip
        bad = [i for i in pool if i in bad_steps or i in with_findings]
        assert (rate["inspections"], rate["non_conforming"]) == (len(pool), len(bad)), rate
        assert rate["rate"] == (len(bad) / len(pool) if pool else None)


def test_hints_point_at_a_container_seen_in_an_earlier_finding(world, tmp_path):
    first = started_inspection(world)
    svc.record_step_result(
        world, LEAD, first, "seal", {"seal_number": "CN7654321", "seal_class": "H"}, container_id(world)
    )
    data = paper_declaration("D-PAPER-3")
    data["containers"][0]["declared_seal"] = "CN9999999"
    second = started_inspection(world, data)
    hint = q.hints(world, second, now=NOW + timedelta(days=1))
    [repeat] = hint["repeat"]
    assert repeat["container"] == BOX and repeat["step_key"] == "seal" and repeat["severity"] == "high"
    assert hint["enterprise"]["findings_12m"] == 1
    assert hint["common"][0]["step_key"] == "seal" and hint["common"][0]["count"] == 1


# --------------------------------------------------------------------------- declared against found


def imported_inspection(db, *, seal_class: str, packages: int) -> int:
    """A recovered-paper declaration imported from the backbone with a declared seal class and package count,
    its inspection started by the lead inspector."""
    row = {
        "declaration_id": "BB-SEAL-1", "declaration_number": "D-SEAL-1", "port_code": "CNSGH",
        "enterprise_uscc": USCC, "direction": "import", "transport_mode": "sea", "origin_country": "US",
        "declared_at": T0.isoformat(), "hs_code": "4707100000", "description": "Recovered kraft paper",
        "quantity": 20, "unit": "bale", "gross_weight_kg": 21000, "value": 4200, "package_count": packages,
        "containers": f"{BOX}:45G1:{SEAL}:{seal_class}",
    }  # fmt: skip
    result = import_bytes(db, SYSTEM, "seal.csv", rows_to_csv([row]), now=NOW)
    assert result.counts["accepted"] == 1, result.entries
    decl = db.scalar(select(Declaration.id).where(Declaration.number == "D-SEAL-1"))
    insp = open_inspection(db, SUP, decl, priority=1, now=NOW)
    assign_inspectors(db, SUP, insp, [2, 3], now=NOW)
    svc.accept_task(db, LEAD, insp, now=NOW + timedelta(minutes=5))
    return insp


def test_an_indicative_seal_where_high_security_was_declared_is_a_high_finding(world):
    insp = imported_inspection(world, seal_class="H", packages=20)
    checklist = load_checklist(world, insp)
    assert checklist.facts.containers[0].declared_seal_class == "H"
    assert checklist.containers[BOX]["declared_seal_class"] == "H" and checklist.facts.declared_packages == 20
    found = svc.record_step_result(
        world, LEAD, insp, "seal", {"seal_number": SEAL, "seal_class": "I"}, container_id(world)
    )
    assert found.outcome == "non_conforming"
    assert [f.rule_id for f in found.findings] == ["seal_class_not_lower_than_declared"]
    assert found.findings[0].severity == "high"
    # The declared class read on the door (typed full-width): conforming, the finding goes.
    again = svc.record_step_result(world, LEAD, insp, "seal", {"seal_number": SEAL, "seal_class": "Ｈ"},
                                   container_id(world))  # fmt: skip
    assert again.outcome == "conforming" and not again.findings


def test_packages_counted_are_judged_against_the_imported_package_count(world):
    insp = imported_inspection(world, seal_class="I", packages=20)
    short = svc.record_step_result(world, LEAD, insp, "goods", {**GOOD_VALUES["goods"], "package_count": 18})
    assert short.outcome == "non_conforming" and [f.rule_id for f in short.findings] == ["goods_package_count"]
    counted = svc.record_step_result(world, LEAD, insp, "goods", {**GOOD_VALUES["goods"], "package_count": 20})
    assert counted.outcome == "conforming"
    # A higher class than the indicative one declared is no finding.
    seal = svc.record_step_result(world, LEAD, insp, "seal", GOOD_VALUES["seal"], container_id(world))
    assert seal.outcome == "conforming"


def test_a_registered_declaration_keeps_its_seal_class_and_package_count(world):
    data = paper_declaration("D-PAPER-CLASS")
    data["containers"][0]["declared_seal_class"] = "ｉ"  # typed full-width, lower case
    data["goods"][0]["package_count"] = "２０"
    insp = started_inspection(world, data)
    checklist = load_checklist(world, insp)
    assert checklist.facts.containers[0].declared_seal_class == "I" and checklist.facts.declared_packages == 20
    for field, value, words in (
        ("declared_seal_class", "X", "not an ISO 17712 seal class"),
        ("package_count", -1, "0 or more"),
        ("package_count", "2.5", "whole number"),
    ):
        bad = paper_declaration("D-PAPER-BAD")
        (bad["containers"][0] if field == "declared_seal_class" else bad["goods"][0])[field] = value
        with pytest.raises(InvalidInput, match=words):
            register_declaration(world, SUP, bad, now=NOW)
