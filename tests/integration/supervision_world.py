"""A small world for supervision, alert and overview tests: two ports, enterprises, users, and
helpers that write declarations, inspections, steps, findings and alerts with exact timestamps."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert

from portsight.clock import utcnow
from portsight.db.models import (
    Alert,
    AuditEntry,
    Container,
    Declaration,
    Enterprise,
    Evidence,
    Finding,
    GoodsLine,
    Inspection,
    Port,
    StepResult,
    User,
    UserPort,
)
from portsight.domain.access import Actor, Role

SGH, NBO = 1, 2
_ids = itertools.count(1)


@dataclass
class World:
    db: object
    now: datetime
    sup_all: Actor
    sup_sgh: Actor
    sup_nbo: Actor
    inspector: Actor
    admin: Actor

    def declaration(
        self,
        *,
        port_id: int = SGH,
        enterprise_id: int = 1,
        hs: str = "8471300000",
        origin: str = "DE",
        declared_at: datetime | None = None,
        container: str | None = "CSQU3054383",
        seal: str | None = "CN1234567",
    ) -> int:
        n = next(_ids)
        did = self.db.execute(
            insert(Declaration).returning(Declaration.id),
            [
                {
                    "number": f"T{n:09d}",
                    "port_id": port_id,
                    "enterprise_id": enterprise_id,
                    "direction": "import",
                    "transport_mode": "sea",
                    "origin_country": origin,
                    "declared_at": declared_at or self.now - timedelta(hours=1),
                }
            ],
        ).scalar_one()
        self.db.execute(
            insert(GoodsLine),
            [
                {
                    "declaration_id": did,
                    "line_no": 1,
                    "hs_code": hs,
                    "description": f"goods {hs}",
                    "quantity": 10,
                    "unit": "kg",
                    "gross_weight_kg": 10,
                    "value": 100,
                }
            ],
        )
        if container:
            self.db.execute(
                insert(Container),
                [{"declaration_id": did, "number": container, "size_type": "22G1", "declared_seal": seal}],
            )
        return did

    def inspection(
        self,
        *,
        port_id: int = SGH,
        declaration_id: int | None = None,
        state: str = "pending",
        created_at: datetime | None = None,
        started_at: datetime | None = None,
        completed_at: datetime | None = None,
        decided_at: datetime | None = None,
        decision: str | None = None,
        **decl,
    ) -> int:
        if declaration_id is None:
            declaration_id = self.declaration(port_id=port_id, **decl)
        return self.db.execute(
            insert(Inspection).returning(Inspection.id),
            [
                {
                    "declaration_id": declaration_id,
                    "port_id": port_id,
                    "state": state,
                    "priority": 0,
                    "created_at": created_at or self.now - timedelta(minutes=30),
                    "started_at": started_at,
                    "completed_at": completed_at,
                    "decided_at": decided_at,
                    "decision": decision,
                }
            ],
        ).scalar_one()

    def container_of(self, declaration_id: int) -> int:
        from sqlalchemy import select

        return self.db.scalar(select(Container.id).where(Container.declaration_id == declaration_id))

    def declaration_of(self, inspection_id: int) -> int:
        from sqlalchemy import select

        return self.db.scalar(select(Inspection.declaration_id).where(Inspection.id == inspection_id))

    def step(
        self,
        inspection_id: int,
        step_key: str,
        outcome: str,
        values: dict,
        *,
        at: datetime,
        container_id: int | None = None,
    ) -> None:
        self.db.execute(
            insert(StepResult),
            [
                {
                    "inspection_id": inspection_id,
                    "step_key": step_key,
                    "container_id": container_id,
                    "outcome": outcome,
                    "values": values,
                    "rules_applied": [],
                    "recorded_at": at,
                }
            ],
        )

    def finding(self, inspection_id: int, *, at: datetime, severity: str = "medium") -> None:
        self.db.execute(
            insert(Finding),
            [{"inspection_id": inspection_id, "severity": severity, "description": "labels missing", "created_at": at}],
        )

    def photo(self, inspection_id: int, *, at: datetime) -> None:
        self.db.execute(
            insert(Evidence),
            [
                {
                    "inspection_id": inspection_id,
                    "step_key": "goods",
                    "sha256": "0" * 64,
                    "media_type": "image/jpeg",
                    "size_bytes": 10,
                    "source": "camera",
                    "taken_at": at,
                }
            ],
        )

    def alert(
        self,
        *,
        port_id: int | None = SGH,
        severity: str = "high",
        state: str = "open",
        key: str | None = None,
        kind: str = "overdue",
        raised_at: datetime | None = None,
    ) -> int:
        at = raised_at or self.now
        return self.db.execute(
            insert(Alert).returning(Alert.id),
            [
                {
                    "dedupe_key": key or f"test:{next(_ids)}",
                    "kind": kind,
                    "severity": severity,
                    "port_id": port_id,
                    "title": f"{kind} at {port_id}",
                    "detail": {},
                    "state": state,
                    "count": 1,
                    "first_raised_at": at,
                    "last_raised_at": at,
                }
            ],
        ).scalar_one()

    def event(self, *, port_id: int | None = SGH, action: str = "register", entity: str = "declaration") -> int:
        return self.db.execute(
            insert(AuditEntry).returning(AuditEntry.id),
            [
                {
                    "at": utcnow(),
                    "actor": "test",
                    "action": action,
                    "entity": entity,
                    "entity_id": "1",
                    "port_id": port_id,
                }
            ],
        ).scalar_one()


def make_world(db, now: datetime | None = None) -> World:
    now = now or utcnow()
    db.execute(
        insert(Port),
        [
            {
                "id": SGH,
                "code": "CNSGH",
                "name_en": "Shanghai",
                "name_zh": "上海",
                "kind": "sea",
                "lat": 31.2,
                "lon": 121.5,
            },
            {
                "id": NBO,
                "code": "CNNBO",
                "name_en": "Ningbo",
                "name_zh": "宁波",
                "kind": "sea",
                "lat": 29.9,
                "lon": 121.6,
            },
        ],
    )
    db.execute(
        insert(Enterprise),
        [
            {"id": 1, "uscc": "91310000MA1FL8LQ34", "name": "Hengda Trading", "credit_tier": "general"},
            {"id": 2, "uscc": "91330200MA2AAAAA1X", "name": "Ningbo Ocean Foods", "credit_tier": "general"},
            {"id": 3, "uscc": "91310000MA1FL8LQ99", "name": "Pudong Metals", "credit_tier": "dishonest"},
        ],
    )
    users = [
        (1, "supervisor", "supervisor", True),
        (2, "supervisor.sgh", "supervisor", False),
        (3, "supervisor.nbo", "supervisor", False),
        (4, "inspector", "inspector", False),
        (5, "admin", "admin", True),
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
        [{"user_id": 2, "port_id": SGH}, {"user_id": 3, "port_id": NBO}, {"user_id": 4, "port_id": SGH}],
    )
    return World(
        db=db,
        now=now,
        sup_all=Actor(1, "supervisor", Role.SUPERVISOR, None),
        sup_sgh=Actor(2, "supervisor.sgh", Role.SUPERVISOR, frozenset({SGH})),
        sup_nbo=Actor(3, "supervisor.nbo", Role.SUPERVISOR, frozenset({NBO})),
        inspector=Actor(4, "inspector", Role.INSPECTOR, frozenset({SGH})),
        admin=Actor(5, "admin", Role.ADMIN, None),
    )
