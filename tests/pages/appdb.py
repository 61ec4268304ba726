"""A small, migrated app database for page and browser tests: two ports, one user per role, a little data.

Used by tests/pages and tests/e2e until the demo seed exists; every account's password is PASSWORD.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from portsight.clock import utcnow
from portsight.db.instance import mark_demo
from portsight.db.migrate import upgrade
from portsight.db.models import (
    Alert,
    AssistSession,
    Declaration,
    Enterprise,
    Inspection,
    InspectorAssignment,
    Port,
    ReleaseReceipt,
    User,
)
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.services.accounts import create_user
from portsight.services.declarations import register_declaration
from portsight.services.inspections import assign_inspectors, open_inspection

PASSWORD = "demo"

# username -> (role, port codes, all ports)
USERS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "admin": ("admin", (), True),
    "supervisor": ("supervisor", (), True),
    "supervisor.sgh": ("supervisor", ("CNSGH",), False),
    "expert": ("expert", (), True),
    "inspector": ("inspector", ("CNSGH",), False),
    "gate": ("gate", ("CNSGH",), False),
}


def app_env(data_dir: Path, url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "PORTSIGHT_SIMULATOR": "off", "PORTSIGHT_DATA_DIR": str(data_dir)}


def prepare_app_database(data_dir: Path, *, with_data: bool = True) -> str:
    """Migrate a SQLite database in data_dir, add ports, users and (optionally) a day's data; return its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data_dir / 'portsight.db'}"
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        s.add_all(
            [
                Port(code="CNSGH", name_en="Shanghai", name_zh="上海", kind="sea", lat=31.2, lon=121.5),
                Port(code="CNNGB", name_en="Ningbo", name_zh="宁波", kind="sea", lat=29.9, lon=121.6),
            ]
        )
    for username, (role, ports, all_ports) in USERS.items():
        create_user(
            engine,
            SYSTEM,
            username=username,
            password=PASSWORD,
            role=role,
            port_codes=ports,
            all_ports=all_ports,
            display_name=username.title(),
            language="en",
            check_policy=False,  # the short shared test password
        )
    create_user(
        engine,
        SYSTEM,
        username="retired",
        password=PASSWORD,
        role="inspector",
        port_codes=("CNSGH",),
        active=False,
        check_policy=False,
    )
    with unit_of_work(engine) as s:
        mark_demo(s)  # every account has the demo's password: this is a demo database, no red banner
    if with_data:
        _add_day_of_work(engine)
    engine.dispose()
    return url


def recovered_paper_task(engine, *, number: str, container: str, priority: int) -> int:
    """A recovered-paper declaration of 2020 (its impurity step applies) opened and assigned to the
    inspector account: the field page's task. Returns the inspection id."""
    with unit_of_work(engine) as s:
        enterprise = s.scalar(select(Enterprise.id).limit(1))
        inspector = s.scalar(select(User.id).where(User.username == "inspector"))
    decl = register_declaration(
        engine,
        SYSTEM,
        {
            "number": number,
            "port_code": "CNSGH",
            "enterprise_id": enterprise,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": "US",
            "declared_at": datetime(2020, 6, 1, 2, tzinfo=UTC),
            "goods": [{"hs_code": "4707100000", "description": "Recovered kraft paper", "quantity": 20,
                       "unit": "bale", "gross_weight_kg": 21000, "value": 4200}],
            "containers": [{"number": container, "size_type": "45G1", "declared_seal": "CN1234567"}],
        },
    )  # fmt: skip
    insp = open_inspection(engine, SYSTEM, decl, priority=priority)
    assign_inspectors(engine, SYSTEM, insp, [inspector])
    return insp


def _add_day_of_work(engine) -> None:
    now = utcnow()
    with unit_of_work(engine) as s:
        port = {p.code: p for p in s.query(Port)}
        users = {u.username: u for u in s.query(User)}
        ent = Enterprise(uscc="91310000MA1FL8XQ3C", name="Demo Trading Co.", credit_tier="general")
        s.add(ent)
        s.flush()
        inspections = []
        work = [("CNSGH", "in_progress"), ("CNSGH", "pending"), ("CNSGH", "released"), ("CNNGB", "held")]
        for i, (code, state) in enumerate(work):
            dec = Declaration(
                number=f"DEC-TEST-{i}",
                port_id=port[code].id,
                enterprise_id=ent.id,
                direction="import",
                transport_mode="sea",
                origin_country="DE",
                declared_at=now - timedelta(hours=3),
            )
            s.add(dec)
            s.flush()
            insp = Inspection(
                declaration_id=dec.id,
                port_id=port[code].id,
                state=state,
                priority=1,
                created_at=now - timedelta(hours=2),
                decided_at=now - timedelta(minutes=5) if state in ("released", "held") else None,
            )
            s.add(insp)
            s.flush()
            inspections.append(insp)
        s.add(
            InspectorAssignment(
                inspection_id=inspections[0].id, user_id=users["inspector"].id, assigned_at=now - timedelta(hours=1)
            )
        )
        s.add(
            Alert(
                dedupe_key="test-seal",
                kind="rule",
                severity="high",
                port_id=port["CNSGH"].id,
                inspection_id=inspections[0].id,
                title="Seal number differs from the declaration",
                first_raised_at=now,
                last_raised_at=now,
            )
        )
        s.add(
            Alert(
                dedupe_key="test-overdue",
                kind="overdue",
                severity="medium",
                port_id=port["CNNGB"].id,
                title="Overdue",
                first_raised_at=now,
                last_raised_at=now,
            )
        )
        s.add(
            AssistSession(
                inspection_id=inspections[0].id,
                port_id=port["CNSGH"].id,
                step_key="seal",
                question="Is this seal tampered with?",
                state="waiting",
                requested_by_id=users["inspector"].id,
                requested_at=now - timedelta(minutes=3),
            )
        )
        s.add(
            ReleaseReceipt(inspection_id=inspections[2].id, receipt_no="RR-TEST-1", issued_at=now, signature="x" * 64)
        )
