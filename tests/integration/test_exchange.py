"""Data exchange with the backbone, on SQLite and PostgreSQL: import, re-import, update, reject, export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from portsight import reference
from portsight.db.models import (
    AuditEntry,
    Container,
    DailyRollup,
    Declaration,
    Enterprise,
    Finding,
    GoodsLine,
    ImportBatch,
    Inspection,
    OutboxEntry,
    Port,
    User,
    UserPort,
)
from portsight.db.session import unit_of_work
from portsight.domain.access import SYSTEM, Actor, Role
from portsight.exchange import add_decision_to_outbox, add_to_outbox, export_period, export_since, import_bytes
from portsight.exchange.synthetic import declaration_rows, rows_to_csv, rows_to_nested_json, sample_rows
from portsight.services.inspections import (
    assign_inspectors,
    complete_inspection,
    decide_inspection,
    open_inspection,
    start_inspection,
)

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "exchange"
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
N_SAMPLE = len({r["declaration_id"] for r in sample_rows()})


@pytest.fixture
def served(db):
    """Every demo port is served by PortSight (as after `seed`)."""
    have = set(db.scalars(select(Port.code)))
    rows = [
        {"code": p.code, "name_en": p.name_en, "name_zh": p.name_zh, "kind": p.kind}
        for p in reference.ports()
        if p.code not in have
    ]
    if rows:
        db.execute(insert(Port), rows)
    return db


def orm(db) -> Session:
    """An ORM session on the test's connection, to read whole records."""
    return Session(bind=db, join_transaction_mode="create_savepoint")


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def by_status(result) -> dict[str, list]:
    out: dict[str, list] = {}
    for e in result.entries:
        out.setdefault(e.status, []).append(e)
    return out


@pytest.mark.parametrize("name", ["sample_declarations.csv", "sample_declarations.xlsx", "sample_declarations.json"])
def test_sample_file_imports_whole_and_reimport_changes_nothing(served, name):
    db = served
    data = (SAMPLES / name).read_bytes()
    before = count(db, Declaration)
    result = import_bytes(db, SYSTEM, name, data, now=NOW)
    assert result.exit_code == 0
    assert result.counts == {"accepted": N_SAMPLE, "updated": 0, "unchanged": 0, "rejected": 0}
    assert count(db, Declaration) == before + N_SAMPLE
    rows = sample_rows()
    ids = {r["declaration_id"] for r in rows}
    lines = db.scalar(
        select(func.count()).select_from(GoodsLine).join(Declaration).where(Declaration.source_system_id.in_(ids))
    )
    assert lines == len(rows)
    alias = [e for e in result.entries if e.reason.startswith("port CNSHA read as CNSGH")]
    assert len(alias) == 1
    assert (
        db.scalar(select(Port.code).join(Declaration).where(Declaration.source_system_id == alias[0].declaration_id))
        == "CNSGH"
    )
    air = orm(db).scalars(select(Declaration).where(Declaration.transport_mode == "air")).all()
    assert [d.source_system_id for d in air if d.source_system_id in ids] and all(not d.containers for d in air)

    audit_before = count(db, AuditEntry)
    again = import_bytes(db, SYSTEM, name, data, now=NOW)
    assert again.exit_code == 0
    assert again.counts["unchanged"] == N_SAMPLE and again.counts["accepted"] == again.counts["updated"] == 0
    assert again.batches_skipped == again.batches == 1
    assert count(db, Declaration) == before + N_SAMPLE
    assert count(db, AuditEntry) == audit_before  # nothing written at all


def test_the_same_declarations_in_another_format_are_unchanged(served):
    db = served
    import_bytes(db, SYSTEM, "a.csv", (SAMPLES / "sample_declarations.csv").read_bytes(), now=NOW)
    for name in ("sample_declarations.json", "sample_declarations.xlsx"):
        result = import_bytes(db, SYSTEM, name, (SAMPLES / name).read_bytes(), now=NOW)
        assert result.counts["unchanged"] == N_SAMPLE, result.entries
        assert result.batches_skipped == 0


def _csv(rows: list[dict]) -> bytes:
    return rows_to_csv(rows)


def test_changed_row_updates_the_declaration_and_is_audited(served):
    db = served
    rows = declaration_rows(6, seed=21, prefix="UPD")
    import_bytes(db, SYSTEM, "first.csv", _csv(rows), now=NOW)
    target = rows[0]["declaration_id"]
    changed = [dict(r) for r in rows]
    changed[0]["quantity"] = 999999
    changed[0]["containers"] = changed[0]["containers"] + ";CSQU3054383:45G1"
    result = import_bytes(db, SYSTEM, "second.csv", _csv(changed), now=NOW)
    statuses = {e.declaration_id: e.status for e in result.entries}
    assert statuses[target] == "updated"
    assert [s for k, s in statuses.items() if k != target] == ["unchanged"] * (len(statuses) - 1)
    update = [e for e in result.entries if e.status == "updated"][0]
    assert "containers" in update.reason and "goods" in update.reason
    decl = orm(db).scalars(select(Declaration).where(Declaration.source_system_id == target)).one()
    quantities = db.scalars(select(GoodsLine.quantity).where(GoodsLine.declaration_id == decl.id)).all()
    assert 999999 in quantities
    assert "CSQU3054383" in db.scalars(select(Container.number).where(Container.declaration_id == decl.id)).all()
    audit = (
        orm(db)
        .scalars(
            select(AuditEntry).where(
                AuditEntry.action == "update", AuditEntry.entity == "declaration", AuditEntry.entity_id == str(decl.id)
            )
        )
        .one()
    )
    assert set(audit.after) == {"goods", "containers"}
    assert any(g["quantity"] == 999999 for g in audit.after["goods"])
    assert not any(g["quantity"] == 999999 for g in audit.before["goods"])


def _rolled_up_days(db) -> dict:
    rows = db.execute(
        select(DailyRollup.port_id, DailyRollup.day, func.sum(DailyRollup.declarations))
        .group_by(DailyRollup.port_id, DailyRollup.day)
        .having(func.sum(DailyRollup.declarations) > 0)
    )
    return {(p, str(d)[:10]): n for p, d, n in rows}


def test_imports_keep_the_daily_rollups_current_where_declarations_were_and_are(served):
    db = served
    rows = declaration_rows(6, seed=22, prefix="ROL")
    accepted = [
        e.declaration_id
        for e in import_bytes(db, SYSTEM, "rollups.csv", _csv(rows), now=NOW).entries
        if e.status == "accepted"
    ]
    first = _rolled_up_days(db)
    assert accepted and sum(first.values()) == count(db, Declaration) == len(accepted)

    moved = [dict(r) for r in rows]
    for row in moved:  # every row of the declaration carries its declaration fields
        if row["declaration_id"] == accepted[0]:
            row["declared_at"] = "2026-01-15T03:00:00+00:00"  # a day no other row falls on
    import_bytes(db, SYSTEM, "rollups-moved.csv", _csv(moved), now=NOW)
    after = _rolled_up_days(db)
    assert sum(after.values()) == len(accepted)  # counted once: on its new day, no longer on its old one
    assert any(day == "2026-01-15" for _, day in after)
    assert after != first


def test_rejected_rows_are_reported_with_column_and_reason_and_not_written(served):
    db = served
    rows = declaration_rows(8, seed=33, prefix="REJ")
    ids = list(dict.fromkeys(r["declaration_id"] for r in rows))
    bad = [dict(r) for r in rows]
    first_row_of = {}
    for n, r in enumerate(bad, start=2):
        first_row_of.setdefault(r["declaration_id"], n)
    # one fault per declaration (the first four), each on that declaration's first row
    faults = {
        ids[0]: ("containers", "CSQU3054384:22G1", "check digit"),
        ids[1]: ("hs_code", "9999000000", "does not exist"),
        ids[2]: ("port_code", "CNXXX", "not a known"),
        ids[3]: ("enterprise_uscc", "91310000MA1FL8LQ35", "credit code"),
    }
    for r in bad:
        if r["declaration_id"] in faults:
            column, value, _ = faults[r["declaration_id"]]
            first = r is next(x for x in bad if x["declaration_id"] == r["declaration_id"])
            if column in ("port_code", "enterprise_uscc") or first:  # declaration fields repeat on every row
                r[column] = value
    result = import_bytes(db, SYSTEM, "bad.csv", _csv(bad), now=NOW)
    assert result.exit_code == 1
    rejected = {e.declaration_id: e for e in result.entries if e.status == "rejected"}
    assert set(rejected) == set(faults)
    for key, (column, _value, words) in faults.items():
        entry = rejected[key]
        assert entry.column == column
        assert entry.row == first_row_of[key]
        assert words in entry.reason
    stored = set(db.scalars(select(Declaration.source_system_id).where(Declaration.source_system_id.in_(ids))))
    assert stored == set(ids) - set(faults)
    batch = orm(db).scalars(select(ImportBatch).where(ImportBatch.file_sha256 == result.file_sha256)).one()
    assert batch.rows_rejected == 4 and batch.rows_accepted == len(ids) - 4
    assert {e["declaration_id"] for e in batch.report if e["status"] == "rejected"} == set(faults)


def test_missing_values_and_bad_dates_name_their_column_in_chinese_files(served):
    db = served
    rows = declaration_rows(2, seed=34, prefix="ZH")
    rows = [r for r in rows if r["declaration_id"] == rows[0]["declaration_id"]]
    rows[0]["declared_at"] = "2026-13-40"
    rows[0]["quantity"] = ""
    result = import_bytes(db, SYSTEM, "zh.csv", rows_to_csv(rows, zh=True), now=NOW)
    reasons = {(e.column, e.row): e.reason for e in result.entries if e.status == "rejected"}
    assert ("申报日期", 2) in reasons and "not a date" in reasons[("申报日期", 2)]
    assert ("数量", 2) in reasons and "required" in reasons[("数量", 2)]


class _Killed(Exception):
    """Stands for kill -9 after a batch has committed (tests/integration/test_exchange_crash.py kills for real)."""


def test_each_committed_batch_is_in_the_rollups_even_if_the_run_dies_after_it(served):
    db = served
    rows = declaration_rows(12, seed=23, prefix="BAT")
    n = len({r["declaration_id"] for r in rows})

    def die_after_first_batch(done: int, total: int) -> None:
        if done >= 2:
            raise _Killed

    with pytest.raises(_Killed):
        import_bytes(db, SYSTEM, "dies.csv", _csv(rows), batch_size=2, progress=die_after_first_batch, now=NOW)
    assert count(db, Declaration) == 2 and count(db, ImportBatch) == 1
    assert sum(_rolled_up_days(db).values()) == 2, "the committed batch counts in the statistics"

    import_bytes(db, SYSTEM, "dies.csv", _csv(rows), batch_size=2, now=NOW)
    assert sum(_rolled_up_days(db).values()) == count(db, Declaration) == n


def test_declarations_rejected_once_are_validated_again_when_the_file_is_imported_again(served):
    db = served
    rows = declaration_rows(6, seed=36, enterprises=2, prefix="AGN")
    uscc = rows[0]["enterprise_uscc"]
    data = _csv([dict(r, enterprise_name="") if r["enterprise_uscc"] == uscc else r for r in rows])
    waiting = {r["declaration_id"] for r in rows if r["enterprise_uscc"] == uscc}
    first = import_bytes(db, SYSTEM, "agn.csv", data, now=NOW)
    assert {e.declaration_id for e in first.entries if e.status == "rejected"} == waiting
    again = import_bytes(db, SYSTEM, "agn.csv", data, now=NOW)  # nothing fixed yet: still rejected
    assert {e.declaration_id for e in again.entries if e.status == "rejected"} == waiting
    revalidated = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "revalidate")
    assert db.scalar(revalidated) == 0, "an import that changes nothing records nothing"

    # The cause is fixed (the enterprise is now known), the backbone sends the same file again.
    db.execute(insert(Enterprise), [{"uscc": uscc, "name": "示例", "credit_tier": "general"}])
    second = import_bytes(db, SYSTEM, "agn.csv", data, now=NOW)
    assert {e.declaration_id for e in second.entries if e.status == "accepted"} == waiting
    assert second.counts["rejected"] == 0 and second.exit_code == 0
    assert set(db.scalars(select(Declaration.source_system_id))) == {r["declaration_id"] for r in rows}
    batch = orm(db).scalars(select(ImportBatch).where(ImportBatch.file_name == "agn.csv")).one()
    assert batch.rows_rejected == 0 and not [e for e in batch.report if e["status"] == "rejected"]
    assert sum(_rolled_up_days(db).values()) == len({r["declaration_id"] for r in rows})
    assert db.scalar(revalidated) == 1

    third = import_bytes(db, SYSTEM, "agn.csv", data, now=NOW)
    assert third.counts == {"accepted": 0, "updated": 0, "unchanged": len({r["declaration_id"] for r in rows}),
                            "rejected": 0}  # fmt: skip


def test_unknown_enterprise_is_created_with_general_credit_and_rejected_without_a_name(served):
    db = served
    rows = declaration_rows(4, seed=35, enterprises=1, prefix="ENT")
    uscc = rows[0]["enterprise_uscc"]
    nameless = [dict(r, enterprise_name="") for r in rows]
    result = import_bytes(db, SYSTEM, "nameless.csv", _csv(nameless), now=NOW)
    assert {e.column for e in result.entries} == {"enterprise_name"} or {e.column for e in result.entries} == {
        "enterprise_uscc"
    }
    assert all("enterprise_name" in e.reason for e in result.entries)
    assert db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc)) is None
    result = import_bytes(db, SYSTEM, "named.csv", _csv(rows), now=NOW)
    assert result.exit_code == 0
    ent = orm(db).scalars(select(Enterprise).where(Enterprise.uscc == uscc)).one()
    assert ent.credit_tier == "general" and ent.name == rows[0]["enterprise_name"]
    assert (
        db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "enterprise", AuditEntry.entity_id == str(ent.id))
        )
        == 1
    )


def test_json_with_a_repeated_declaration_rejects_the_second(served):
    db = served
    rows = declaration_rows(1, seed=36, prefix="DUP")
    doc = {
        "declarations": [
            {
                **{
                    k: rows[0][k]
                    for k in (
                        "declaration_id",
                        "declaration_number",
                        "port_code",
                        "enterprise_uscc",
                        "enterprise_name",
                        "direction",
                        "transport_mode",
                        "origin_country",
                        "declared_at",
                    )
                },
                "goods": [{k: rows[0][k] for k in ("hs_code", "quantity", "gross_weight_kg", "value")}],
            }
        ]
        * 2
    }
    result = import_bytes(db, SYSTEM, "dup.json", json.dumps(doc).encode(), now=NOW)
    assert [e.status for e in result.entries] == ["accepted", "rejected"]
    assert "appears again" in result.entries[1].reason and result.entries[1].row == 2


@pytest.fixture
def people(served):
    db = served
    sgh = db.scalar(select(Port.id).where(Port.code == "CNSGH"))
    users = (
        db.execute(
            insert(User).returning(User.id),
            [
                {
                    "username": "ex.sup",
                    "display_name": "sup",
                    "role": "supervisor",
                    "password_hash": "x",
                    "all_ports": True,
                },
                {
                    "username": "ex.insp",
                    "display_name": "insp",
                    "role": "inspector",
                    "password_hash": "x",
                    "all_ports": False,
                },
            ],
        )
        .scalars()
        .all()
    )
    db.execute(insert(UserPort), [{"user_id": users[1], "port_id": sgh}])
    return {
        "sup": Actor(users[0], "ex.sup", Role.SUPERVISOR, None),
        "insp": Actor(users[1], "ex.insp", Role.INSPECTOR, frozenset({sgh})),
    }


def _inspect(db, people, source_id: str, decision: str, t0: datetime) -> int:
    decl_id = db.scalar(select(Declaration.id).where(Declaration.source_system_id == source_id))
    insp = open_inspection(db, people["sup"], decl_id, now=t0)
    assign_inspectors(db, people["sup"], insp, [people["insp"].user_id], now=t0 + timedelta(minutes=5))
    start_inspection(db, people["insp"], insp, now=t0 + timedelta(minutes=20))
    complete_inspection(db, people["insp"], insp, now=t0 + timedelta(minutes=50))
    decide_inspection(db, people["insp"], insp, decision, now=t0 + timedelta(minutes=55))
    return insp


def _sgh_ids(db) -> list[str]:
    ids = {r["declaration_id"] for r in sample_rows()}
    return sorted(
        db.scalars(
            select(Declaration.source_system_id)
            .join(Port)
            .where(Port.code == "CNSGH", Declaration.source_system_id.in_(ids))
        )
    )


def test_round_trip_import_inspect_export_for_a_period(people, served):
    db = served
    import_bytes(db, SYSTEM, "s.csv", (SAMPLES / "sample_declarations.csv").read_bytes(), now=NOW)
    source_id = _sgh_ids(db)[0]
    t0 = NOW + timedelta(days=1)
    insp = _inspect(db, people, source_id, "release", t0)
    out = io.StringIO()
    n = export_period(db, SYSTEM, t0, t0 + timedelta(days=1), "jsonl", out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    decisions = [r for r in records if r["kind"] == "decision" and r["inspection_id"] == insp]
    assert n == len(records) and len(decisions) == 1
    d = decisions[0]
    assert d["declaration_id"] == source_id and d["decision"] == "release" and d["port_code"] == "CNSGH"
    assert d["decided_at"] == (t0 + timedelta(minutes=55)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert d["started_at"] == (t0 + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert d["minutes_to_decision"] == 55.0 and d["decided_by"] == "ex.insp"
    out = io.StringIO()
    export_period(db, SYSTEM, t0, t0 + timedelta(days=1), "csv", out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert any(r["declaration_id"] == source_id and r["decision"] == "release" for r in table)


def test_a_decided_declaration_is_not_changed_by_a_later_import(people, served):
    db = served
    import_bytes(db, SYSTEM, "s.csv", (SAMPLES / "sample_declarations.csv").read_bytes(), now=NOW)
    source_id = _sgh_ids(db)[0]
    _inspect(db, people, source_id, "hold", NOW + timedelta(days=1))
    changed = [dict(r, quantity=1) if r["declaration_id"] == source_id else r for r in sample_rows()]
    result = import_bytes(db, SYSTEM, "amended.csv", rows_to_csv(changed), now=NOW)
    entry = next(e for e in result.entries if e.declaration_id == source_id)
    assert entry.status == "rejected" and "already decided" in entry.reason


def test_outbox_entries_are_exported_once_in_order_and_only_when_committed(people, served):
    db = served
    import_bytes(db, SYSTEM, "s.csv", (SAMPLES / "sample_declarations.csv").read_bytes(), now=NOW)
    insp = _inspect(db, people, _sgh_ids(db)[0], "release", NOW + timedelta(days=2))
    start = str(db.scalar(select(func.coalesce(func.max(OutboxEntry.id), 0))))
    with unit_of_work(db) as session:
        add_to_outbox(session, "decision", insp, {"decision": "release"})
        add_to_outbox(session, "receipt", insp, {"receipt_no": "R-0001", "issued_at": NOW + timedelta(days=2)})
    with pytest.raises(RuntimeError), unit_of_work(db) as session:
        add_to_outbox(session, "finding", insp, {"description": "never committed"})
        raise RuntimeError("the decision's transaction fails")
    out = io.StringIO()
    first = export_since(db, SYSTEM, start, "jsonl", out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["kind"] for r in records] == ["decision", "receipt"]
    assert records[0]["decision"] == "release" and records[0]["declaration_id"] == _sgh_ids(db)[0]
    assert records[0]["started_at"] is not None and records[1]["receipt_no"] == "R-0001"
    assert first.count == 2 and int(first.next_cursor) == records[-1]["cursor"] > int(start)
    again = io.StringIO()
    second = export_since(db, SYSTEM, first.next_cursor, "csv", again)
    assert second.count == 0 and second.next_cursor == first.next_cursor
    assert list(csv.reader(io.StringIO(again.getvalue())))[0][0] == "cursor"
    assert export_since(db, SYSTEM, "last", "jsonl", io.StringIO()).cursor_from == first.next_cursor
    assert db.scalar(select(Inspection.decision).where(Inspection.id == insp)) == "release"


def test_a_nul_character_in_a_json_value_is_rejected_not_a_database_error(served):
    rows = declaration_rows(1, seed=37, prefix="NUL")
    doc = json.loads(rows_to_nested_json(rows))
    doc["declarations"][0]["declaration_number"] = "2201\u00000001"
    doc["declarations"][0]["goods"][0]["description"] = "bad\u0000text"
    result = import_bytes(served, SYSTEM, "nul.json", json.dumps(doc).encode(), now=NOW)
    columns = {e.column for e in result.entries if e.status == "rejected"}
    assert columns == {"declaration_number", "goods[1].description"}
    assert all("NUL" in e.reason for e in result.entries)


def test_a_decision_goes_to_the_outbox_with_the_findings_as_decided(people, served):
    db = served
    import_bytes(db, SYSTEM, "s.csv", (SAMPLES / "sample_declarations.csv").read_bytes(), now=NOW)
    insp = _inspect(db, people, _sgh_ids(db)[0], "hold", NOW + timedelta(days=3))
    db.execute(
        insert(Finding),
        [
            {
                "inspection_id": insp,
                "severity": "high",
                "description": "seal broken",
                "rule_id": "seal_intact",
                "created_at": NOW + timedelta(days=3),
            }
        ],
    )
    start = str(db.scalar(select(func.coalesce(func.max(OutboxEntry.id), 0))))
    with unit_of_work(db) as session:
        add_decision_to_outbox(session, insp)
    out = io.StringIO()
    export_since(db, SYSTEM, start, "jsonl", out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["kind"], r["decision"]) for r in records] == [("decision", "hold"), ("finding", "hold")]
    assert records[0]["decided_by"] == "ex.insp"
    assert records[1]["severity"] == "high" and records[1]["rule_id"] == "seal_intact"


def test_seal_class_and_package_count_are_stored_compared_and_updated(served):
    db = served
    rows = declaration_rows(1, seed=37, prefix="SCL")
    rows = [r for r in rows if r["declaration_id"] == rows[0]["declaration_id"]][:1]
    key = rows[0]["declaration_id"]
    # Typed with a Chinese input method in full-width mode: stored in ASCII.
    first = [dict(rows[0], containers="ＣＳＱＵ３０５４３８３：２２Ｇ１：ＣＮ１２３４５６７：Ｈ", package_count="４０")]
    result = import_bytes(db, SYSTEM, "class.csv", _csv(first), now=NOW)
    assert result.counts["accepted"] == 1, result.entries
    decl_id = db.scalar(select(Declaration.id).where(Declaration.source_system_id == key))
    box = db.execute(select(Container.__table__).where(Container.declaration_id == decl_id)).one()
    assert (box.number, box.size_type, box.declared_seal, box.declared_seal_class) == (
        "CSQU3054383", "22G1", "CN1234567", "H",
    )  # fmt: skip
    assert db.scalar(select(GoodsLine.package_count).where(GoodsLine.declaration_id == decl_id)) == 40

    same = [dict(rows[0], containers="CSQU3054383:22G1:CN1234567:H", package_count=40)]
    assert import_bytes(db, SYSTEM, "class-ascii.csv", _csv(same), now=NOW).counts["unchanged"] == 1

    changed = [dict(rows[0], containers="CSQU3054383:22G1:CN1234567:S", package_count=38)]
    update = import_bytes(db, SYSTEM, "class-changed.csv", _csv(changed), now=NOW)
    assert update.counts["updated"] == 1 and "containers" in update.entries[0].reason
    assert db.scalar(select(Container.declared_seal_class).where(Container.declaration_id == decl_id)) == "S"
    assert db.scalar(select(GoodsLine.package_count).where(GoodsLine.declaration_id == decl_id)) == 38


def test_a_bad_seal_class_or_package_count_rejects_the_declaration_naming_row_and_column(served):
    db = served
    rows = declaration_rows(2, seed=38, prefix="BAD")
    one = [r for r in rows if r["declaration_id"] == rows[0]["declaration_id"]][:1]
    bad_class = [dict(one[0], containers="CSQU3054383:22G1:CN1234567:Q")]
    result = import_bytes(db, SYSTEM, "bad-class.csv", _csv(bad_class), now=NOW)
    [entry] = result.entries
    assert (entry.status, entry.row, entry.column) == ("rejected", 2, "containers")
    assert "container CSQU3054383: 'Q' is not an ISO 17712 seal class" in entry.reason
    bad_count = [dict(one[0], package_count="-2")]
    [entry] = import_bytes(db, SYSTEM, "bad-count.csv", rows_to_csv(bad_count, zh=True), now=NOW).entries
    assert (entry.status, entry.row, entry.column) == ("rejected", 2, "件数") and "negative" in entry.reason
    assert db.scalar(select(Declaration.id).where(Declaration.source_system_id == one[0]["declaration_id"])) is None
