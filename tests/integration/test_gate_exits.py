"""The gate lets a receipt's containers out truck by truck, on SQLite and PostgreSQL: each container once,
on a plate that reads as one, under the new seal recorded at inspection; the receipt is used up when its
last container has left; two gates letting out at once cannot let one container out twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from portsight.clock import as_utc
from portsight.db.checklists import load_checklist
from portsight.db.models import Alert, AuditEntry, Container, GateExit, Inspection, ReleaseReceipt, StepResult
from portsight.db.session import make_engine
from portsight.db.sql import connection
from portsight.demo.seed import seed_demo
from portsight.domain.iso6346 import check_digit
from portsight.domain.plates import parse_plate
from portsight.errors import Conflict, InvalidInput
from portsight.services import decisions, evidence, receipts
from portsight.services import field as svc
from tests.conftest import own_database
from tests.integration.test_field import (
    BOX,
    GATE,
    GOOD_VALUES,
    LEAD,
    MAX_BYTES,
    NEW_SEAL,
    NOW,
    SEAL,
    SECRET,
    make_world,
    paper_declaration,
    png_bytes,
    started_inspection,
)

BOX2 = f"CSQU305439{check_digit('CSQU305439')}"
SEAL2 = "CN7654321"
NEW_SEAL2 = "HG1111111"
LATER = NOW + timedelta(hours=3)
SEED_NOW = datetime(2025, 6, 4, 2, 0, tzinfo=UTC)


def two_container_declaration(number: str = "D-PAPER-2") -> dict:
    data = paper_declaration(number)
    data["containers"] = [
        {"number": BOX, "size_type": "45G1", "declared_seal": SEAL},
        {"number": BOX2, "size_type": "45G1", "declared_seal": SEAL2},
    ]
    return data


def released_receipt(db, data: dict, media: Path) -> dict:
    """Each step recorded as conforming (each container under its own seals) with its photos, completed and
    released."""
    insp = started_inspection(db, data)
    with connection(db) as conn:
        numbers = {cid: number for cid, number in conn.execute(select(Container.id, Container.number))}
    seals = {BOX: (SEAL, NEW_SEAL), BOX2: (SEAL2, NEW_SEAL2)}
    for slot in load_checklist(db, insp).slots:
        values = GOOD_VALUES[slot.step.key]
        if slot.container_id is not None:
            number = numbers[slot.container_id]
            declared, new = seals[number]
            values = {
                "container_number": {"number": number},
                "seal": {"seal_number": declared, "seal_class": "H"},
                "reseal": {"new_seal_number": new, "new_seal_class": "H"},
            }.get(slot.step.key, values)
        svc.record_step_result(db, LEAD, insp, slot.step.key, values, slot.container_id)
        for n in range(slot.photos_required):
            evidence.attach_photo(db, LEAD, insp, slot.step.key, png_bytes((n * 30 % 255, 10, 10)),
                                  f"{slot.id}-{n}.png", "image/png", slot.container_id, media_dir=media,
                                  max_bytes=MAX_BYTES)  # fmt: skip
    svc.complete_checklist(db, LEAD, insp, now=NOW + timedelta(hours=1))
    result = decisions.take_decision(db, LEAD, insp, "release", confirmed=True, secret=SECRET, now=NOW)
    return {**result, "inspection": insp}


def let_out(db, token: str, container: str | None, plate: str = "沪A12345", seal: str | None = None, **kw):
    return receipts.record_exit(
        db, GATE, token, kw.pop("gate", "Gate 3"), container=container, truck_plate=plate, seal_seen=seal,
        secret=SECRET, **kw,
    )  # fmt: skip


def actions(db) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def two_boxes(db, tmp_path):
    make_world(db)
    return db, released_receipt(db, two_container_declaration(), tmp_path)["token"]


def test_two_containers_leave_on_their_trucks_once_each_then_the_receipt_is_used_up(two_boxes):
    db, token = two_boxes
    check = receipts.verify_receipt(db, GATE, token, "Gate 3", secret=SECRET)
    assert check.status == receipts.GENUINE and [b.number for b in check.waiting] == [BOX, BOX2]
    assert db.scalar(select(ReleaseReceipt.used_at)) is None  # checking lets nothing out

    first = let_out(db, token, "csqu 305438-3", "沪A 12345", NEW_SEAL.lower(), now=LATER)
    assert (first.container, first.truck_plate, first.used_up) == (BOX, "沪A12345", False)
    assert [b.number for b in first.receipt.waiting] == [BOX2]
    assert db.scalar(select(ReleaseReceipt.used_at)) is None

    with pytest.raises(Conflict) as again:
        let_out(db, token, BOX, "沪B54321", NEW_SEAL, gate="Gate 5", now=LATER + timedelta(minutes=5))
    assert again.value.message_key == "errors.gate_already_left"
    # when it left, in China time (UTC+8), at which gate, on which truck
    assert again.value.message_values == {
        "container": BOX, "when": f"{LATER + timedelta(hours=8):%Y-%m-%d %H:%M}", "gate": "Gate 3", "truck": "沪A12345",
    }  # fmt: skip

    second = let_out(db, token, BOX2, "沪AD12345", NEW_SEAL2, gate="Gate 5", now=LATER + timedelta(minutes=20))
    assert second.used_up and second.receipt.status == receipts.USED and not second.receipt.waiting
    row = db.execute(select(ReleaseReceipt.used_at, ReleaseReceipt.used_gate, ReleaseReceipt.used_by_id)).one()
    assert (row.used_at.replace(tzinfo=None), row.used_gate, row.used_by_id) == (
        (LATER + timedelta(minutes=20)).replace(tzinfo=None), "Gate 5", GATE.user_id,
    )  # fmt: skip
    exits = db.execute(select(GateExit.truck_plate, GateExit.seal_seen, GateExit.seal_matches).order_by(GateExit.id))
    assert [tuple(e) for e in exits] == [("沪A12345", NEW_SEAL, True), ("沪AD12345", NEW_SEAL2, True)]

    used = receipts.verify_receipt(db, GATE, token, "Gate 1", secret=SECRET)
    assert used.status == receipts.USED and used.used_gate == "Gate 5"
    assert [(b.number, b.truck_plate) for b in used.boxes] == [(BOX, "沪A12345"), (BOX2, "沪AD12345")]
    with pytest.raises(Conflict) as spent:
        let_out(db, token, BOX2, "沪A12345", NEW_SEAL2)
    assert spent.value.message_key == "errors.receipt_used_up"
    assert [a for a in actions(db) if a in ("gate.exit", "receipt.use")] == ["gate.exit", "gate.exit", "receipt.use"]


def test_a_seal_that_is_not_the_new_one_is_refused_kept_on_record_and_alerted(two_boxes):
    db, token = two_boxes
    for seen in ("HG0000000", SEAL):  # a strange seal, or the cut one put back
        with pytest.raises(Conflict) as refused:
            let_out(db, token, BOX, seal=seen)
        assert refused.value.message_key == "errors.gate_seal_mismatch"
    assert db.scalar(select(func.count()).select_from(GateExit)) == 0
    assert actions(db).count("gate.seal_mismatch") == 2
    alert = db.execute(select(Alert.kind, Alert.severity, Alert.count, Alert.title_key)).one()
    assert tuple(alert) == ("gate_seal", "high", 2, "alert_titles.gate_seal")
    with pytest.raises(InvalidInput) as blank:
        let_out(db, token, BOX, seal="  ")
    assert blank.value.message_key == "errors.gate_seal_missing"


def test_without_a_new_seal_the_declared_one_is_checked(two_boxes):
    db, token = two_boxes
    db.execute(delete(StepResult).where(StepResult.step_key == "reseal"))
    with pytest.raises(Conflict):
        let_out(db, token, BOX, seal=NEW_SEAL)
    assert let_out(db, token, BOX, seal=SEAL.lower()).container == BOX


@pytest.mark.parametrize(
    ("container", "plate", "foreign", "key"),
    [
        (None, "沪A12345", False, "errors.gate_container_missing"),
        ("MSCU1234565", "沪A12345", False, "errors.gate_container_not_on_receipt"),
        (BOX, "", False, "errors.plate_missing"),
        (BOX, "AB-1234", False, "errors.plate_not_chinese"),
        (BOX, "沪I12345", False, "errors.plate_not_chinese"),
        (BOX, "<script>", True, "errors.plate_not_a_plate"),
        (BOX, "沪A12345" * 3, False, "errors.plate_too_long"),
    ],
)
def test_what_cannot_leave_is_refused_with_its_reason(two_boxes, container, plate, foreign, key):
    db, token = two_boxes
    with pytest.raises(InvalidInput) as refused:
        let_out(db, token, container, plate, NEW_SEAL, foreign_plate=foreign)
    assert refused.value.message_key == key
    assert db.scalar(select(func.count()).select_from(GateExit)) == 0


def test_a_truck_from_abroad_leaves_on_its_own_plate_when_the_officer_says_so(two_boxes):
    db, token = two_boxes
    assert let_out(db, token, BOX, "ab-1234 ", NEW_SEAL, foreign_plate=True).truck_plate == "AB-1234"


def test_a_forged_code_lets_nothing_out_and_is_on_record(two_boxes):
    db, token = two_boxes
    with pytest.raises(InvalidInput) as refused:
        let_out(db, token[:-1] + ("0" if token[-1] != "0" else "1"), BOX, seal=NEW_SEAL)
    assert refused.value.message_key == "errors.receipt_forged"
    assert "receipt.refused" in actions(db) and db.scalar(select(func.count()).select_from(GateExit)) == 0


def test_cargo_without_containers_leaves_once(db, tmp_path):
    make_world(db)
    token = released_receipt(db, paper_declaration("D-AIR-1", containers=False, mode="air"), tmp_path)["token"]
    check = receipts.verify_receipt(db, GATE, token, "Gate 3", secret=SECRET)
    assert [b.number for b in check.waiting] == [None]
    with pytest.raises(InvalidInput):
        let_out(db, token, BOX)
    done = let_out(db, token, None, "粤B12345")
    assert done.used_up and done.container is None
    with pytest.raises(Conflict) as again:
        let_out(db, token, None, "粤B12345")
    assert again.value.message_key == "errors.receipt_used_up"


# --------------------------------------------------------------------------- two gates at once


@pytest.fixture(params=["sqlite", "postgresql"])
def race_engine(request, tmp_path) -> Iterator:
    """A database of its own: the threads commit for real."""
    with own_database(request.param, tmp_path, "gate_race") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_two_gates_at_once_let_each_container_out_once_and_use_the_receipt_up_once(race_engine, tmp_path):
    with race_engine.begin() as conn:
        make_world(conn)
    token = released_receipt(race_engine, two_container_declaration(), tmp_path)["token"]
    start = threading.Barrier(4)
    outcomes: list[object] = []

    def gate(container: str, plate: str, seal: str) -> None:
        start.wait()
        try:
            outcomes.append(let_out(race_engine, token, container, plate, seal).container)
        except Conflict as exc:
            outcomes.append(exc.message_key)

    threads = [
        threading.Thread(target=gate, args=args)
        for args in ((BOX, "沪A11111", NEW_SEAL), (BOX, "沪A22222", NEW_SEAL), (BOX2, "沪A33333", NEW_SEAL2),
                     (BOX2, "沪A44444", NEW_SEAL2))
    ]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    let_through = sorted(o for o in outcomes if o in (BOX, BOX2))
    refused = [o for o in outcomes if o not in (BOX, BOX2)]
    assert let_through == [BOX, BOX2]  # each container once: the losers hear it left, or that all has left
    assert len(refused) == 2 and set(refused) <= {"errors.gate_already_left", "errors.receipt_used_up"}
    with race_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(GateExit)) == 2
        assert conn.scalar(select(ReleaseReceipt.used_at)) is not None
        uses = conn.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "receipt.use"))
    assert uses == 1


# --------------------------------------------------------------------------- the seeded history


def test_the_seeded_used_receipts_let_every_container_out_under_its_new_seal(db, tmp_path):
    seed_demo(db, weeks=1, seed=7, now=SEED_NOW, password_hash="x", media_dir=tmp_path, secret=SECRET)
    used = {
        r.id: r
        for r in db.execute(
            select(ReleaseReceipt.id, ReleaseReceipt.used_at, ReleaseReceipt.used_gate, Inspection.declaration_id)
            .join(Inspection, Inspection.id == ReleaseReceipt.inspection_id)
            .where(ReleaseReceipt.used_at.is_not(None))
        )
    }
    assert used
    exits = db.execute(select(GateExit.__table__)).all()
    by_receipt: dict[int, list] = {}
    for e in exits:
        by_receipt.setdefault(e.receipt_id, []).append(e)
    assert set(by_receipt) == set(used)  # an unused receipt has no exit: the rule's "used up" is its last
    boxes: dict[int, set] = {}
    for cid, did in db.execute(select(Container.id, Container.declaration_id)):
        boxes.setdefault(did, set()).add(cid)
    new_seals = {
        (iid, cid): values["new_seal_number"]
        for iid, cid, values in db.execute(
            select(StepResult.inspection_id, StepResult.container_id, StepResult.values).where(
                StepResult.step_key == "reseal"
            )
        )
    }
    inspection_of = {rid: iid for rid, iid in db.execute(select(ReleaseReceipt.id, ReleaseReceipt.inspection_id))}
    for rid, receipt in used.items():
        left = by_receipt[rid]
        assert {e.container_id for e in left} == (boxes.get(receipt.declaration_id) or {None}), rid
        assert max(as_utc(e.exited_at) for e in left) == as_utc(receipt.used_at)
        for e in left:
            assert isinstance(parse_plate(e.truck_plate), str) and e.gate == receipt.used_gate
            if e.container_id is not None:
                assert e.seal_seen == new_seals[(inspection_of[rid], e.container_id)] and e.seal_matches
