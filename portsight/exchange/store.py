"""Declarations from the backbone written into PortSight: new ones inserted in bulk, changed ones
updated (audited with before/after), unknown enterprises created.

Every check of an update comes before its first write, so a refused update leaves nothing behind.
The importer (portsight.exchange.importer) calls write_batch inside the batch's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.orm import Session

from portsight.clock import as_utc
from portsight.db.audit import record_audit
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
    EnterpriseCreditHistory,
    Evidence,
    Finding,
    GoodsLine,
    Inspection,
    Port,
    StepResult,
)
from portsight.domain.access import Actor
from portsight.domain.enterprise import CreditTier
from portsight.domain.inspection import FINAL_STATES
from portsight.exchange.report import ACCEPTED, REJECTED, UNCHANGED, UPDATED, ReportEntry, rows_label
from portsight.exchange.validation import ValidDeclaration, canonical_content, container_content, goods_line_content


class Refused(NamedTuple):
    """Why a stored declaration must not change: the column, the English reason, its message key."""

    column: str
    reason: str
    key: str
    params: dict[str, Any]


def rows_by_key(session: Session, key, keys: Iterable, *columns) -> Iterator[Row]:
    """Rows (key, *columns) whose key is among keys, asked 500 keys at a time (a batch may hold more
    keys than a statement may bind)."""
    keys = list(keys)
    for i in range(0, len(keys), 500):
        yield from session.execute(select(key, *columns).where(key.in_(keys[i : i + 500])))


def write_batch(
    session: Session,
    actor: Actor,
    valid: list[ValidDeclaration],
    ports: dict[str, int],
    now: datetime,
    batch_no: int,
) -> list[ReportEntry]:
    entries: list[ReportEntry] = []
    keys = [v.data.declaration_id for v in valid]
    stored = Declaration.id, Declaration.content_hash, Declaration.number, Declaration.port_id
    existing: dict[str, tuple[int, str | None, str, int]] = {
        row[0]: tuple(row[1:]) for row in rows_by_key(session, Declaration.source_system_id, keys, *stored)
    }
    numbers = [v.data.declaration_number for v in valid]
    number_owner: dict[str, str | None] = dict(
        rows_by_key(session, Declaration.number, numbers, Declaration.source_system_id)
    )
    usccs = sorted({v.data.enterprise_uscc for v in valid})
    enterprises: dict[str, int] = dict(rows_by_key(session, Enterprise.uscc, usccs, Enterprise.id))

    def report(
        v: ValidDeclaration, status: str, reason: str, column: str = "", key: str = "", params: dict | None = None
    ) -> None:
        if not key and v.port_note and reason == v.port_note:
            key, params = "port_read_as", {"code": v.data.port_code, "canonical": v.port_code}
        entries.append(
            ReportEntry(
                v.first_row, rows_label(v.rows), v.data.declaration_id, status, column, reason, batch_no, key, params
            )
        )

    def reject(v: ValidDeclaration, column: str, reason: str, key: str = "", params: dict | None = None) -> None:
        report(v, REJECTED, reason, v.column(column), key, params)

    new: list[tuple[ValidDeclaration, int, int]] = []
    for v in valid:
        d = v.data
        port_id = ports.get(v.port_code)
        if port_id is None:
            reject(
                v,
                "port_code",
                f"port {v.port_code} is not served by PortSight; an administrator adds the port first",
                "port_not_served",
                {"code": v.port_code},
            )
            continue
        current = existing.get(d.declaration_id)
        if current is not None and current[1] == v.content_hash:
            if v.port_note:
                report(v, UNCHANGED, v.port_note)
            else:
                report(v, UNCHANGED, "already imported with the same content", key="same_content")
            continue
        owner = number_owner.get(d.declaration_number, d.declaration_id)
        if owner != d.declaration_id:
            reject(
                v,
                "declaration_number",
                f"declaration number {d.declaration_number} belongs to backbone declaration {owner}",
                "number_taken",
                {"number": d.declaration_number, "owner": owner},
            )
            continue
        enterprise_id = enterprises.get(d.enterprise_uscc)
        if enterprise_id is None:
            if not d.enterprise_name:
                reject(
                    v,
                    "enterprise_uscc",
                    f"enterprise {d.enterprise_uscc} is not known to PortSight; give enterprise_name to create it",
                    "enterprise_unknown",
                    {"uscc": d.enterprise_uscc},
                )
                continue
            enterprise_id = _create_enterprise(session, actor, d.enterprise_uscc, d.enterprise_name, now)
            enterprises[d.enterprise_uscc] = enterprise_id
        if current is None:
            number_owner[d.declaration_number] = d.declaration_id
            new.append((v, port_id, enterprise_id))
            report(v, ACCEPTED, v.port_note or "")
        else:
            problem, changed_keys = _update_declaration(session, actor, v, current[0], port_id, enterprise_id)
            if problem is not None:
                reject(v, problem.column, problem.reason, problem.key, problem.params)
            else:
                number_owner[d.declaration_number] = d.declaration_id
                changed = ", ".join(changed_keys)
                text = "; ".join(x for x in (f"changed: {changed}" if changed else "", v.port_note) if x)
                if changed and v.port_note:
                    port = {"code": v.data.port_code, "canonical": v.port_code}
                    report(v, UPDATED, text, key="changed_port_read_as", params={"fields": changed, **port})
                elif changed:
                    report(v, UPDATED, text, key="changed", params={"fields": changed})
                else:
                    report(v, UPDATED, text)
    _insert_new(session, new)
    return entries


def _create_enterprise(session: Session, actor: Actor, uscc: str, name: str, now: datetime) -> int:
    ent_id = session.execute(
        insert(Enterprise.__table__)
        .values(uscc=uscc, name=name, credit_tier=CreditTier.GENERAL.value, under_investigation=False)
        .returning(Enterprise.__table__.c.id)
    ).scalar_one()
    session.execute(
        insert(EnterpriseCreditHistory.__table__).values(
            enterprise_id=ent_id,
            credit_tier=CreditTier.GENERAL.value,
            valid_from=now.date(),
            reason="created by import from the backbone (no rating yet)",
        )
    )
    record_audit(
        session,
        actor,
        "create",
        "enterprise",
        ent_id,
        after={"uscc": uscc, "name": name, "credit_tier": CreditTier.GENERAL.value, "source": "import"},
    )
    return ent_id


def _declaration_values(v: ValidDeclaration, port_id: int, enterprise_id: int) -> dict:
    d = v.data
    return {
        "number": d.declaration_number,
        "source_system_id": d.declaration_id,
        "port_id": port_id,
        "enterprise_id": enterprise_id,
        "direction": d.direction,
        "transport_mode": d.transport_mode,
        "origin_country": d.origin_country,
        "declared_at": d.declared_at,
        "content_hash": v.content_hash,
    }


def _goods_values(v: ValidDeclaration, declaration_id: int) -> list[dict]:
    # The canonical shape, with the value as the number it is stored as.
    return [{"declaration_id": declaration_id, **goods_line_content(g), "value": g.value} for g in v.data.goods]


def _insert_new(session: Session, new: list[tuple[ValidDeclaration, int, int]]) -> None:
    if not new:
        return
    table = Declaration.__table__
    # A plain executemany and one SELECT for the ids: RETURNING with guaranteed order makes
    # SQLite insert row by row, several times slower on a 100k-row file.
    session.execute(insert(table), [_declaration_values(v, port_id, ent_id) for v, port_id, ent_id in new])
    keys = [v.data.declaration_id for v, _p, _e in new]
    id_of: dict[str, int] = dict(rows_by_key(session, table.c.source_system_id, keys, table.c.id))
    ids = [id_of[k] for k in keys]
    goods = [g for (v, _p, _e), decl_id in zip(new, ids, strict=True) for g in _goods_values(v, decl_id)]
    boxes = [
        {"declaration_id": decl_id, **container_content(c)}
        for (v, _p, _e), decl_id in zip(new, ids, strict=True)
        for c in v.data.containers
    ]
    session.execute(insert(GoodsLine.__table__), goods)
    if boxes:
        session.execute(insert(Container.__table__), boxes)


def stored_content(session: Session, declaration_id: int) -> dict:
    """The declaration as PortSight holds it, in the same shape as validation.canonical_content."""
    decl = session.execute(
        select(Declaration, Port.code, Enterprise.uscc)
        .join(Port, Port.id == Declaration.port_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .where(Declaration.id == declaration_id)
    ).one()
    d, port_code, uscc = decl
    goods = session.execute(
        select(GoodsLine).where(GoodsLine.declaration_id == declaration_id).order_by(GoodsLine.line_no)
    ).scalars()
    boxes = session.execute(
        select(Container).where(Container.declaration_id == declaration_id).order_by(Container.number)
    ).scalars()
    return {
        "declaration_id": d.source_system_id,
        "number": d.number,
        "port_code": port_code,
        "enterprise_uscc": uscc,
        "direction": d.direction,
        "transport_mode": d.transport_mode,
        "origin_country": d.origin_country,
        "declared_at": as_utc(d.declared_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "goods": [goods_line_content(g) for g in goods],
        "containers": [container_content(c) for c in boxes],
    }


def _update_declaration(
    session: Session, actor: Actor, v: ValidDeclaration, decl_id: int, port_id: int, enterprise_id: int
) -> tuple[Refused | None, list[str]]:
    """Apply changed content to a stored declaration.

    Returns (why not, []) when it must not change, else (None, the keys that changed).
    Every check comes before the first write, so a refused update leaves nothing behind.
    """
    states = list(session.scalars(select(Inspection.state).where(Inspection.declaration_id == decl_id)))
    decided = [s for s in states if s in FINAL_STATES]
    if decided:
        return Refused(
            "declaration_id",
            f"the inspection of this declaration is already decided ({decided[0]}); "
            "an amendment after the decision goes through the backbone's amendment procedure",
            "already_decided",
            {"state": {"state": str(decided[0])}},
        ), []
    before = stored_content(session, decl_id)
    after = canonical_content(v.data, v.port_code)
    if states and before["port_code"] != after["port_code"]:
        return Refused(
            "port_code",
            "the port cannot change once an inspection is opened for the declaration",
            "port_fixed",
            {},
        ), []
    old_boxes = {
        number: box_id
        for box_id, number in session.execute(
            select(Container.id, Container.number).where(Container.declaration_id == decl_id)
        )
    }
    new_numbers = {c.number for c in v.data.containers}
    removed = [box_id for number, box_id in old_boxes.items() if number not in new_numbers]
    if removed:
        for model in (StepResult, Evidence, Finding):
            used = session.scalar(select(model.container_id).where(model.container_id.in_(removed)).limit(1))
            if used is not None:
                number = next(n for n, i in old_boxes.items() if i == used)
                return Refused(
                    "containers",
                    f"container {number} already has inspection records and cannot be removed",
                    "container_has_records",
                    {"number": number},
                ), []
    changed = {k: (before[k], after[k]) for k in after if before.get(k) != after[k]}
    session.execute(
        update(Declaration.__table__)
        .where(Declaration.__table__.c.id == decl_id)
        .values(
            **{k: val for k, val in _declaration_values(v, port_id, enterprise_id).items() if k != "source_system_id"}
        )
    )
    if "goods" in changed:
        session.execute(delete(GoodsLine.__table__).where(GoodsLine.__table__.c.declaration_id == decl_id))
        session.execute(insert(GoodsLine.__table__), _goods_values(v, decl_id))
    if "containers" in changed:
        if removed:
            session.execute(delete(Container.__table__).where(Container.__table__.c.id.in_(removed)))
        for c in v.data.containers:
            values = {
                "size_type": c.size_type,
                "declared_seal": c.declared_seal,
                "declared_seal_class": c.declared_seal_class,
            }
            if c.number in old_boxes:
                session.execute(
                    update(Container.__table__).where(Container.__table__.c.id == old_boxes[c.number]).values(**values)
                )
            else:
                session.execute(insert(Container.__table__).values(declaration_id=decl_id, number=c.number, **values))
    record_audit(
        session,
        actor,
        "update",
        "declaration",
        decl_id,
        before={k: b for k, (b, _a) in changed.items()},
        after={k: a for k, (_b, a) in changed.items()},
        port_id=port_id,
    )
    return None, sorted(changed)


__all__ = ["rows_by_key", "stored_content", "write_batch"]
