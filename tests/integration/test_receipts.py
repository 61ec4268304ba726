"""Release receipts on SQLite and PostgreSQL: signed token, checked at the gate and used up when its container
has left, tampering refused, bilingual PDF (the exits truck by truck: test_gate_exits.py)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portsight.db.instance import mark_demo
from portsight.db.models import AuditEntry, OutboxEntry, ReleaseReceipt
from portsight.db.session import unit_of_work
from portsight.documents import receipt as document
from portsight.domain.access import SYSTEM
from portsight.errors import AccessDenied, Conflict
from portsight.exchange.exporter import export_period, export_since
from portsight.queries.gate import demo_receipt_waiting
from portsight.security import receipt_keyring, rotate_receipt_key
from portsight.services import decisions, receipts
from portsight.services import field as svc
from tests.integration.test_field import (
    BOX,
    GATE,
    LEAD,
    NEW_SEAL,
    NOW,
    OTHER,
    SEAL,
    SECRET,
    make_world,
    paper_declaration,
    record_all,
    started_inspection,
)


@pytest.fixture
def released(db, tmp_path):
    make_world(db)
    insp = started_inspection(db)
    record_all(db, insp, tmp_path)
    svc.complete_checklist(db, LEAD, insp, now=NOW + timedelta(hours=1))
    result = decisions.take_decision(
        db, LEAD, insp, "release", confirmed=True, secret=SECRET, now=NOW + timedelta(hours=2)
    )
    return db, insp, result


def test_the_token_is_signed_and_not_the_database_id(released):
    db, insp, result = released
    row = db.execute(select(ReleaseReceipt.__table__).where(ReleaseReceipt.inspection_id == insp)).one()
    assert result["token"] == receipts.make_token(row.receipt_no, row.signature)
    assert len(row.signature) == 64 and row.signature[:24] == result["token"].rsplit(".", 1)[1]
    # Issuing again returns the same receipt.
    assert receipts.issue_receipt(db, LEAD, insp, secret=SECRET)["receipt_no"] == result["receipt_no"]


def test_the_decision_and_its_receipt_are_queued_once_for_the_backbone(released):
    db, insp, result = released
    receipts.issue_receipt(db, LEAD, insp, secret=SECRET)  # asking again queues nothing more
    sent = db.execute(
        select(OutboxEntry.kind, OutboxEntry.payload).where(OutboxEntry.inspection_id == insp).order_by(OutboxEntry.id)
    ).all()
    assert [k for k, _ in sent if k in ("decision", "receipt")] == ["decision", "receipt"]
    assert sent[-1].payload["receipt_no"] == result["receipt_no"]
    # The new seal put on after inspection goes with the decision: the container leaves under it.
    [seal] = [p for k, p in sent if k == "seal"]
    assert (seal["container_number"], seal["seal_number"], seal["seal_class"]) == (BOX, NEW_SEAL, "H")


def test_the_gate_lets_a_genuine_receipts_container_out_once_then_says_when_and_where_it_was_used(released):
    db, insp, result = released
    first = receipts.verify_receipt(db, GATE, result["token"], "Gate 3", secret=SECRET)
    assert first.status == receipts.GENUINE and first.declaration == "D-PAPER-1" and first.containers == (BOX,)
    assert receipts.verify_receipt(db, GATE, result["token"], "Gate 3", secret=SECRET).status == receipts.GENUINE
    exit_ = receipts.record_exit(db, GATE, result["token"], "Gate 3", container=BOX, truck_plate="沪A12345",
                                 seal_seen=NEW_SEAL, secret=SECRET, now=NOW + timedelta(hours=3))  # fmt: skip
    assert exit_.used_up
    again = receipts.verify_receipt(db, GATE, result["token"], "Gate 5", secret=SECRET)
    assert again.status == receipts.USED and again.used_gate == "Gate 3"
    assert again.used_at.replace(tzinfo=None) == (NOW + timedelta(hours=3)).replace(tzinfo=None)
    row = db.execute(select(ReleaseReceipt.used_gate, ReleaseReceipt.used_by_id)).one()
    assert tuple(row) == ("Gate 3", GATE.user_id)
    assert "receipt.use" in set(db.scalars(select(AuditEntry.action)))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # one character of the signature
        lambda t: t.replace("RR-CNSGH-", "RR-CNNGB-"),  # another receipt number
        lambda t: t.split(".")[0],  # the receipt number alone
        lambda t: "1",  # a database id
        lambda t: t.replace(".", ".k9.", 1),  # a key id nobody has
    ],
    ids=["signature", "number", "number-only", "db-id", "unknown-key"],
)
def test_a_tampered_or_made_up_code_is_refused_and_the_receipt_stays_unused(released, tamper):
    db, _insp, result = released
    check = receipts.verify_receipt(db, GATE, tamper(result["token"]), "Gate 3", secret=SECRET)
    assert check.status == receipts.FORGED
    assert db.scalar(select(ReleaseReceipt.used_at)) is None
    assert "receipt.refused" in set(db.scalars(select(AuditEntry.action)))


def test_another_secret_cannot_verify_and_only_the_gate_role_checks(released):
    db, _insp, result = released
    assert receipts.verify_receipt(db, GATE, result["token"], "G", secret="other").status == receipts.FORGED
    with pytest.raises(AccessDenied):
        receipts.verify_receipt(db, OTHER, result["token"], "G", secret=SECRET)


def test_the_new_seal_is_in_the_export_for_a_period_and_since_a_cursor(released):
    db, insp, _result = released
    out = io.StringIO()
    export_period(db, SYSTEM, NOW, NOW + timedelta(days=1), "jsonl", out)
    records = [json.loads(line) for line in out.getvalue().splitlines() if json.loads(line)["inspection_id"] == insp]
    [seal] = [r for r in records if r["kind"] == "seal"]
    assert (seal["container_number"], seal["seal_number"], seal["seal_class"]) == (BOX, NEW_SEAL, "H")
    assert seal["decision"] == "release" and seal["sealed_at"] is not None
    out = io.StringIO()
    export_since(db, SYSTEM, "0", "csv", out)
    rows = [r for r in csv.DictReader(io.StringIO(out.getvalue())) if r["kind"] == "seal"]
    assert [(r["container_number"], r["seal_number"], r["seal_class"]) for r in rows] == [(BOX, NEW_SEAL, "H")]


def test_no_receipt_without_a_release(db, tmp_path):
    make_world(db)
    insp = started_inspection(db)
    with pytest.raises(Conflict):
        receipts.issue_receipt(db, LEAD, insp, secret=SECRET)


def test_the_pdf_holds_chinese_and_english_labels_the_containers_seals_and_the_code(released):
    db, insp, result = released
    name, pdf = document.receipt_pdf(db, LEAD, insp)
    assert name == f"{result['receipt_no']}.pdf" and pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for label in ("放行回执", "Release receipt", "集装箱号", "Container", "封识号", "Seal", "放行时间", "Released at",
                  "查验员", "Inspector", "报检单号", "Declaration"):  # fmt: skip
        assert label in text, label
    assert BOX in text and SEAL in text and result["receipt_no"] in text and result["token"] in text
    assert "新封识" in text and "New seal" in text and f"{NEW_SEAL} (H)" in text
    assert "D-PAPER-1" in text


def test_the_qr_code_carries_the_token_and_the_gate_camera_reads_it(released):
    db, _insp, result = released
    png = document.qr_png(result["token"])
    assert document.decode_qr_image(png) == result["token"]
    assert document.decode_qr_image(b"not an image") is None


# --------------------------------------------------------------------------- an empty code, rotating keys


def test_an_empty_code_asks_for_a_code_instead_of_calling_it_forged(released):
    db, _insp, _result = released
    for empty in ("", "   \n", None):
        with pytest.raises(receipts.CodeMissing) as refused:
            receipts.verify_receipt(db, GATE, empty, "Gate 3", secret=SECRET)
        assert refused.value.message_key == "gate.code_missing"
    assert "receipt.refused" not in set(db.scalars(select(AuditEntry.action)))


def _release_another(db, tmp_path, number: str, secret):
    insp = started_inspection(db, paper_declaration(number))
    record_all(db, insp, tmp_path)
    svc.complete_checklist(db, LEAD, insp, now=NOW + timedelta(hours=1))
    return decisions.take_decision(db, LEAD, insp, "release", confirmed=True, secret=secret, now=NOW)


def test_after_a_key_rotation_old_receipts_still_verify_and_new_ones_carry_the_new_key(released, tmp_path):
    db, _insp, legacy = released  # issued with the bare secret: a token without a key id
    keys_file = tmp_path / "receipt-keys"
    before = receipt_keyring(keys_file, SECRET)  # no key file yet: the secret is key k0
    with_k0 = _release_another(db, tmp_path, "D-PAPER-K0", before)
    assert with_k0["token"].split(".")[1] == "k0"
    assert rotate_receipt_key(keys_file) == "k1"
    after = receipt_keyring(keys_file, SECRET)
    with_k1 = _release_another(db, tmp_path, "D-PAPER-K1", after)
    assert with_k1["token"].split(".")[1] == "k1"
    stored = db.scalar(select(ReleaseReceipt.signature).where(ReleaseReceipt.receipt_no == with_k1["receipt_no"]))
    assert stored.startswith("k1:") and with_k1["token"] == receipts.make_token(with_k1["receipt_no"], stored)
    for result in (legacy, with_k0, with_k1):
        check = receipts.verify_receipt(db, GATE, result["token"], "Gate 3", secret=after)
        assert check.status == receipts.GENUINE, result["token"]
    # Without the new key (a replica that lost the file) the new receipt is not genuine.
    assert receipts.verify_receipt(db, GATE, with_k1["token"], "G", secret=before).status == receipts.FORGED


def test_a_token_moved_to_another_key_id_is_refused(released, tmp_path):
    db, _insp, _legacy = released
    keys_file = tmp_path / "receipt-keys"
    rotate_receipt_key(keys_file)
    keyring = receipt_keyring(keys_file, SECRET)
    issued = _release_another(db, tmp_path, "D-PAPER-K1", keyring)
    number, _key_id, short = issued["token"].split(".")
    for token in (f"{number}.k0.{short}", f"{number}.{short}", f"{number}.k7.{short}"):
        assert receipts.verify_receipt(db, GATE, token, "G", secret=keyring).status == receipts.FORGED, token
    assert db.scalar(select(ReleaseReceipt.used_at).where(ReleaseReceipt.receipt_no == number)) is None


def test_the_demo_offers_its_gate_officer_an_unused_receipt_and_a_real_installation_never(released):
    db, _, result = released
    port_ids = GATE.port_ids
    assert demo_receipt_waiting(db, port_ids) is None  # not the demo: a gate gets codes from drivers only
    with unit_of_work(db) as session:
        mark_demo(session)
    waiting = demo_receipt_waiting(db, port_ids)
    assert waiting is not None and receipts.make_token(waiting["receipt_no"], waiting["signature"]) == result["token"]
    assert demo_receipt_waiting(db, frozenset({-1})) is None  # another port's officer
    receipts.verify_receipt(db, GATE, result["token"], "Gate 3", secret=SECRET)
    assert demo_receipt_waiting(db, port_ids) is not None  # checked, nothing has left yet
    receipts.record_exit(db, GATE, result["token"], "Gate 3", container=BOX, truck_plate="沪A12345",
                         seal_seen=NEW_SEAL, secret=SECRET)  # fmt: skip
    assert demo_receipt_waiting(db, port_ids) is None  # used up
