"""Administration through the services, on SQLite and PostgreSQL: dated credit changes decide the
selection of declarations from their day, are kept as history, audited, put in force when their
day comes, and importable from a file; ports are added, changed and kept while they have data."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, insert, select

from portsight.db.migrate import upgrade
from portsight.db.models import AuditEntry, Enterprise, EnterpriseCreditHistory, Port, Selection, User
from portsight.db.session import make_engine
from portsight.domain.access import Actor, Role
from portsight.errors import AccessDenied, Conflict, InvalidInput, NotFound
from portsight.exchange.credit import ACCEPTED, REJECTED, UNCHANGED, import_credit_changes
from portsight.exchange.readers import UnreadableFile
from portsight.queries.enterprises import credit_audit, credit_timeline, find_enterprises, port_rows, tier_on
from portsight.services.declarations import register_declaration
from portsight.services.masterdata import (
    apply_due_credit_changes,
    create_port,
    delete_port,
    record_credit_change,
    update_port,
)
from portsight.services.selection import current_policy, select_declaration

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor(1, "admin", Role.ADMIN, None)
SUP = Actor(2, "sup", Role.SUPERVISOR, None)
USCC_A = "91310000MA1FL8LQ34"
USCC_B = "91310115MA1K3YJ07Y"
T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # 16:00 in China
CHANGE_DAY = date(2025, 3, 10)


@pytest.fixture
def world(db):
    db.execute(  # an id of its own: the ports added by the tests take the sequence's first
        insert(Port),
        [
            {
                "id": 901,
                "code": "CNSGH",
                "name_en": "Shanghai",
                "name_zh": "上海",
                "kind": "sea",
                "lat": 31.2,
                "lon": 121.5,
            }
        ],
    )
    db.execute(
        insert(Enterprise),
        [
            {"id": 1, "uscc": USCC_A, "name": "上海甲贸易有限公司", "name_en": "Jia Trading", "credit_tier": "general"},
            {"id": 2, "uscc": USCC_B, "name": "上海乙物流有限公司", "name_en": None, "credit_tier": "general"},
        ],
    )
    db.execute(
        insert(User),
        [
            {"id": 1, "username": "admin", "display_name": "管理员", "role": "admin", "password_hash": "x"},
            {"id": 2, "username": "sup", "display_name": "主管", "role": "supervisor", "password_hash": "x"},
        ],
    )
    db.execute(
        insert(EnterpriseCreditHistory),
        [{"enterprise_id": 1, "credit_tier": "general", "valid_from": date(2020, 1, 1), "reason": "initial rating"}],
    )
    return db


def declare(db, number: str, declared_at: datetime, enterprise_id: int = 1) -> int:
    return register_declaration(
        db,
        SUP,
        {
            "number": number,
            "port_code": "CNSGH",
            "enterprise_id": enterprise_id,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": "DE",
            "declared_at": declared_at,
            "goods": [{"hs_code": "8471", "description": "goods", "quantity": 1, "gross_weight_kg": 10, "value": 50}],
            "containers": [{"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "SL123456"}],
        },
        now=declared_at,
    )


def tier_of(db, enterprise_id: int = 1) -> str:
    return db.scalar(select(Enterprise.credit_tier).where(Enterprise.id == enterprise_id))


# ---------------------------------------------------------------- selection at the tier of the declaration's day
def test_a_change_from_a_day_draws_later_declarations_at_the_new_rate_and_earlier_ones_at_the_old(world):
    record_credit_change(world, ADMIN, 1, tier="dishonest", valid_from=CHANGE_DAY, reason="serious violation", now=T0)
    assert tier_of(world) == "general"  # dated after today (T0): the cached tier is still today's
    before = declare(world, "D-BEFORE", datetime(2025, 3, 9, 15, 59, tzinfo=UTC))  # 23:59 on 9 March in China
    after = declare(world, "D-AFTER", datetime(2025, 3, 9, 16, 0, tzinfo=UTC))  # 00:00 on 10 March in China
    drawn_at = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    old = select_declaration(world, SUP, before, seed="seed-before", now=drawn_at)
    new = select_declaration(world, SUP, after, seed="seed-after", now=drawn_at)
    policy = current_policy(CHANGE_DAY)
    assert old.rate == pytest.approx(policy.target("general"))
    assert new.rate == pytest.approx(policy.target("dishonest"))
    assert new.rate > old.rate
    inputs = dict(world.execute(select(Selection.declaration_id, Selection.inputs)).all())
    assert (inputs[before]["tier"], inputs[before]["enterprise_credit_tier"]) == ("general", "general")
    assert (inputs[after]["tier"], inputs[after]["enterprise_credit_tier"]) == ("dishonest", "dishonest")


def test_tier_on_reads_the_timeline_and_a_same_day_correction_wins(world):
    record_credit_change(world, ADMIN, 1, tier="dishonest", valid_from=CHANGE_DAY, reason="violation", now=T0)
    record_credit_change(world, ADMIN, 1, tier="advanced_certified", valid_from=CHANGE_DAY, reason="typo", now=T0)
    assert tier_on(world, 1, CHANGE_DAY - timedelta(days=1)) == "general"
    assert tier_on(world, 1, CHANGE_DAY) == "advanced_certified"
    assert tier_on(world, 1, date(2019, 1, 1)) == "general"  # before any change: the stored tier
    assert tier_on(world, 2, CHANGE_DAY) == "general"  # no history at all


def test_the_timeline_keeps_every_change_oldest_first_with_who_and_where_from(world):
    record_credit_change(world, ADMIN, 1, tier="dishonest", valid_from=CHANGE_DAY, reason="violation", now=T0)
    record_credit_change(world, ADMIN, 1, tier="general", valid_from=date(2025, 3, 5), reason="review", now=T0)
    timeline = credit_timeline(world, 1)
    assert [(r["valid_from"], r["credit_tier"]) for r in timeline] == [
        (date(2020, 1, 1), "general"),
        (date(2025, 3, 5), "general"),
        (CHANGE_DAY, "dishonest"),
    ]
    assert timeline[0]["source"] is None and timeline[0]["recorded_by"] is None
    assert (timeline[2]["reason"], timeline[2]["recorded_by"], timeline[2]["source"]) == (
        "violation",
        "管理员",
        "admin",
    )
    assert timeline[2]["recorded_at"] is not None


def test_every_change_is_audited_and_a_change_in_force_today_updates_the_cached_tier(world):
    today = datetime.now(UTC)
    record_credit_change(world, ADMIN, 1, tier="dishonest", valid_from=date(2025, 1, 1), reason="violation", now=today)
    assert tier_of(world) == "dishonest"
    [entry] = world.execute(
        select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id, AuditEntry.before, AuditEntry.after).where(
            AuditEntry.action == "credit_change"
        )
    ).all()
    assert (entry.entity, entry.entity_id, entry.before) == ("enterprise", "1", {"credit_tier": "general"})
    assert entry.after["credit_tier"] == "dishonest" and entry.after["valid_from"] == "2025-01-01"
    assert entry.after["reason"] == "violation" and entry.after["source"] == "admin"
    assert [e["action"] for e in credit_audit(world, 1)] == ["credit_change"]


def test_a_future_change_is_put_in_force_when_its_day_comes(world):
    record_credit_change(world, ADMIN, 1, tier="dishonest", valid_from=CHANGE_DAY, reason="violation", now=T0)
    assert apply_due_credit_changes(world, now=T0) == 0 and tier_of(world) == "general"
    midnight = datetime(2025, 3, 9, 16, 0, tzinfo=UTC)  # 00:00 on 10 March in China
    assert apply_due_credit_changes(world, now=midnight - timedelta(seconds=1)) == 0
    assert apply_due_credit_changes(world, now=midnight) == 1
    assert tier_of(world) == "dishonest"
    assert apply_due_credit_changes(world, now=midnight) == 0  # once
    applied = world.execute(select(AuditEntry.actor, AuditEntry.after).where(AuditEntry.action == "credit_apply")).one()
    assert applied.actor == "system" and applied.after["credit_tier"] == "dishonest"


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"tier": "platinum"}, "errors.credit_tier_unknown"),
        ({"reason": "  "}, "errors.credit_reason_missing"),
        ({"reason": "x" * 201}, "errors.text_too_long"),
        ({"valid_from": date(1999, 12, 31)}, "errors.credit_date_too_early"),
    ],
)
def test_a_change_is_refused_with_its_reason(world, fields, key):
    given = {"tier": "dishonest", "valid_from": CHANGE_DAY, "reason": "violation"} | fields
    with pytest.raises(InvalidInput) as refused:
        record_credit_change(world, ADMIN, 1, now=T0, **given)
    assert refused.value.message_key == key
    assert world.scalar(select(func.count()).select_from(EnterpriseCreditHistory)) == 1


def test_only_an_administrator_records_a_change_of_a_known_enterprise(world):
    with pytest.raises(AccessDenied):
        record_credit_change(world, SUP, 1, tier="dishonest", valid_from=CHANGE_DAY, reason="violation")
    with pytest.raises(NotFound):
        record_credit_change(world, ADMIN, 99, tier="dishonest", valid_from=CHANGE_DAY, reason="violation")


def test_enterprises_are_found_by_name_english_name_or_uscc(world):
    assert [e["id"] for e in find_enterprises(world, "甲贸易")] == [1]
    assert [e["id"] for e in find_enterprises(world, "jia")] == [1]
    assert [e["id"] for e in find_enterprises(world, "K3YJ")] == [2]
    assert find_enterprises(world, "%") == []
    assert len(find_enterprises(world, "")) == 2


# ---------------------------------------------------------------- import of credit changes
def csv_file(*rows: str) -> bytes:
    return ("uscc,tier,valid_from,reason\n" + "\n".join(rows) + "\n").encode()


def history_rows(db) -> int:
    return db.scalar(select(func.count()).select_from(EnterpriseCreditHistory))


def test_a_credit_file_with_a_bad_row_writes_nothing_and_names_the_row(world):
    data = csv_file(
        f"{USCC_A},dishonest,2025-03-10,serious violation",
        f"{USCC_B},platinum,2025-03-10,unknown tier",
        "91310000MA1FL8LQ99,general,2025-03-10,bad check character",
        f"{USCC_B},general,10 March,bad day",
    )
    result = import_credit_changes(world, ADMIN, "credit.csv", data, now=T0)
    assert not result.written and result.exit_code == 1 and history_rows(world) == 1
    refused = {(e.row, e.column, e.key) for e in result.entries if e.status == REJECTED}
    assert refused == {
        (3, "tier", "errors.credit_tier_unknown"),
        (4, "uscc", "administration.import_uscc_invalid"),
        (5, "valid_from", "administration.import_date_invalid"),
    }


def test_a_credit_file_goes_in_whole_audited_and_a_second_import_adds_nothing(world):
    data = csv_file(
        f"{USCC_A},失信企业,2025/3/10,serious violation",
        f" {USCC_B} ,advanced_certified,2025年3月12日,certified",
    )
    result = import_credit_changes(world, ADMIN, "credit.csv", data, now=T0)
    assert result.written and [e.status for e in result.entries] == [ACCEPTED, ACCEPTED]
    assert history_rows(world) == 3
    assert tier_on(world, 1, CHANGE_DAY) == "dishonest" and tier_on(world, 2, date(2025, 3, 12)) == "advanced_certified"
    assert credit_timeline(world, 2)[0]["source"] == "import"
    assert world.scalar(select(func.count()).where(AuditEntry.action == "credit_change")) == 2
    again = import_credit_changes(world, ADMIN, "credit.csv", data, now=T0)
    assert not again.written and [e.status for e in again.entries] == [UNCHANGED, UNCHANGED]
    assert history_rows(world) == 3


def test_an_unknown_enterprise_and_a_day_twice_are_refused(world):
    data = csv_file(
        f"{USCC_A},dishonest,2025-03-10,violation",
        f"{USCC_A},general,2025-03-10,again",
        "91440300MA5DC4XU5U,general,2025-03-10,not in PortSight",
    )
    result = import_credit_changes(world, ADMIN, "credit.csv", data, now=T0)
    assert {(e.row, e.key) for e in result.entries if e.status == REJECTED} == {
        (3, "administration.import_duplicate"),
        (4, "administration.import_uscc_unknown"),
    }
    assert history_rows(world) == 1


def test_credit_changes_import_from_excel_with_chinese_headers_and_from_json(world):
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "信用等级", "生效日期", "变更原因"])
    ws.append([USCC_A, "dishonest", datetime(2025, 3, 10), "violation"])
    buffer = io.BytesIO()
    wb.save(buffer)
    assert import_credit_changes(world, ADMIN, "credit.xlsx", buffer.getvalue(), now=T0).written
    doc = {"credit_changes": [{"uscc": USCC_B, "tier": "dishonest", "valid_from": "2025-03-11", "reason": "x"}]}
    assert import_credit_changes(world, ADMIN, "credit.json", json.dumps(doc).encode(), now=T0).written
    assert tier_on(world, 1, CHANGE_DAY) == "dishonest" and tier_on(world, 2, date(2025, 3, 11)) == "dishonest"


def test_a_credit_file_without_its_columns_is_unreadable(world):
    with pytest.raises(UnreadableFile) as unreadable:
        import_credit_changes(world, ADMIN, "credit.csv", b"uscc,tier\n91310000MA1FL8LQ34,general\n")
    assert unreadable.value.key == "unreadable_missing_columns"
    with pytest.raises(AccessDenied):
        import_credit_changes(world, SUP, "credit.csv", csv_file())


# ---------------------------------------------------------------- ports
def new_port(db, **fields) -> int:
    given = {"code": "CNTAO", "name_zh": "青岛", "name_en": "Qingdao", "kind": "sea", "lat": 36.07, "lon": 120.38}
    return create_port(db, ADMIN, **(given | fields))


def test_a_port_is_added_changed_and_audited(world):
    port_id = new_port(world, code=" cntao ")
    rows = {r["code"]: r for r in port_rows(world)}
    assert rows["CNTAO"]["timezone"] == "Asia/Shanghai" and not rows["CNTAO"]["has_declarations"]
    assert update_port(
        world, ADMIN, port_id, name_zh="青岛港", name_en="Qingdao", kind="sea", lat=36.0, lon=120.3,
        timezone="Asia/Shanghai",
    )  # fmt: skip
    assert not update_port(
        world, ADMIN, port_id, name_zh="青岛港", name_en="Qingdao", kind="sea", lat=36.0, lon=120.3,
        timezone="Asia/Shanghai",
    )  # fmt: skip
    actions = world.scalars(select(AuditEntry.action).where(AuditEntry.entity == "port").order_by(AuditEntry.id))
    assert list(actions) == ["port_create", "port_update"]
    with pytest.raises(Conflict) as taken:
        new_port(world)
    assert taken.value.message_key == "errors.port_code_taken"


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"code": "CNSH"}, "errors.port_code_invalid"),
        ({"code": "XXABC"}, "errors.port_code_invalid"),  # no such country
        ({"code": "CN-AB"}, "errors.port_code_invalid"),
        ({"lat": 91.0}, "errors.latitude_out_of_range"),
        ({"lon": -180.5}, "errors.longitude_out_of_range"),
        ({"lon": None}, "errors.port_position_half"),
        ({"timezone": "Asia/Beijing"}, "errors.port_timezone_unknown"),
        ({"kind": "river"}, "errors.port_kind_invalid"),
        ({"name_en": " "}, "errors.port_name_en_missing"),
    ],
)
def test_a_port_is_refused_with_its_reason(world, fields, key):
    with pytest.raises(InvalidInput) as refused:
        new_port(world, **fields)
    assert refused.value.message_key == key


def test_a_port_with_data_is_kept_and_one_without_can_be_deleted(world):
    declare(world, "D-1", T0)
    with pytest.raises(Conflict) as kept:
        delete_port(world, ADMIN, 901)
    assert kept.value.message_key == "errors.port_has_data"
    assert port_rows(world)[0]["has_declarations"]
    port_id = new_port(world)
    delete_port(world, ADMIN, port_id)
    assert [r["code"] for r in port_rows(world)] == ["CNSGH"]
    with pytest.raises(AccessDenied):
        create_port(world, SUP, code="CNDLC", name_zh="大连", name_en="Dalian", kind="sea")


def test_the_command_line_imports_a_credit_file_and_exits_by_what_happened(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(Enterprise), [{"uscc": USCC_A, "name": "甲", "credit_tier": "general"}])
    env = {**os.environ, "DATABASE_URL": url, "PORTSIGHT_DATA_DIR": str(tmp_path), "PORTSIGHT_SECRET": "t"}

    def run(rows: str) -> subprocess.CompletedProcess:
        path = tmp_path / "credit.csv"
        path.write_bytes(csv_file(rows))
        return subprocess.run(
            [sys.executable, "-m", "portsight", "credit-import", str(path)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    refused = run(f"{USCC_A},platinum,2025-03-10,violation")
    assert refused.returncode == 1 and "row 2 tier: 'platinum' is not a credit tier." in refused.stderr
    done = run(f"{USCC_A},dishonest,2025-03-10,violation")
    assert done.returncode == 0 and "1 recorded" in done.stdout
    with engine.connect() as conn:
        assert conn.scalar(select(EnterpriseCreditHistory.source)) == "import"
    engine.dispose()
