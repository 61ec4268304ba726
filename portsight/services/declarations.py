"""Use cases on declarations (报检单): registering one as received from the backbone or a form."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select

from portsight import reference
from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.models import Container, Declaration, Enterprise, GoodsLine, Port
from portsight.db.rollups import refresh_rollups_for_declaration
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.enterprise import is_valid_uscc, normalize_uscc
from portsight.errors import Conflict, InvalidInput, NotFound

DIRECTIONS = frozenset({"import", "export"})
TRANSPORT_MODES = frozenset({"sea", "air", "road", "rail"})
_CONTAINER_FORMAT = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")
_SIZE_TYPE_FORMAT = re.compile(r"^[0-9A-Z]{2}[A-Z][0-9A-Z]$")


def _required(data: dict, key: str) -> Any:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"The declaration needs '{key}'.")
    return value


def _port_id(session, data: dict) -> tuple[int, str | None]:
    if data.get("port_id") is not None:
        port = session.get(Port, int(data["port_id"]))
        if port is None:
            raise NotFound(f"Port {data['port_id']} does not exist.")
        return port.id, None
    code, note = reference.resolve_port_code(_required(data, "port_code"), data.get("transport_mode"))
    if code is None:
        raise InvalidInput(f"'{data['port_code']}' is not a known UN/LOCODE port of China.")
    port_id = session.scalar(select(Port.id).where(Port.code == code))
    if port_id is None:
        raise InvalidInput(f"Port {code} is not served by PortSight.")
    return port_id, note


def _enterprise_id(session, data: dict) -> int:
    if data.get("enterprise_id") is not None:
        if session.get(Enterprise, int(data["enterprise_id"])) is None:
            raise NotFound(f"Enterprise {data['enterprise_id']} does not exist.")
        return int(data["enterprise_id"])
    code = normalize_uscc(_required(data, "enterprise_uscc"))
    if not is_valid_uscc(code):
        raise InvalidInput(f"'{code}' is not a valid unified social credit code (check character wrong?).")
    ent_id = session.scalar(select(Enterprise.id).where(Enterprise.uscc == code))
    if ent_id is None:
        raise NotFound(f"No enterprise with the credit code {code} is registered.")
    return ent_id


def _goods_rows(goods: list[dict]) -> list[dict]:
    if not goods:
        raise InvalidInput("A declaration needs at least one goods line.")
    rows = []
    for n, line in enumerate(goods, start=1):
        hs = "".join(ch for ch in str(line.get("hs_code", "")) if ch.isdigit())
        if len(hs) < 4 or not reference.hs_heading_exists(hs):
            raise InvalidInput(f"Goods line {n}: '{line.get('hs_code')}' is not an HS heading.")
        try:
            value = Decimal(str(line.get("value", 0))).quantize(Decimal("0.01"))
            quantity = float(line.get("quantity", 0))
            weight = float(line.get("gross_weight_kg", 0))
        except (InvalidOperation, ValueError, TypeError) as exc:
            raise InvalidInput(f"Goods line {n}: quantity, weight and value must be numbers.") from exc
        if quantity < 0 or weight < 0 or value < 0:
            raise InvalidInput(f"Goods line {n}: quantity, weight and value cannot be negative.")
        rows.append(
            {
                "line_no": int(line.get("line_no") or n),
                "hs_code": hs[:10],
                "description": str(line.get("description") or reference.hs_heading(hs).description)[:300],
                "quantity": quantity,
                "unit": str(line.get("unit") or "kg")[:8],
                "gross_weight_kg": weight,
                "value": value,
                "currency": str(line.get("currency") or "USD").upper()[:3],
            }
        )
    return rows


def _container_rows(containers: list[dict]) -> list[dict]:
    rows = []
    for n, box in enumerate(containers or [], start=1):
        number = "".join(str(box.get("number", "")).split()).upper().replace("-", "")
        if not _CONTAINER_FORMAT.match(number):
            raise InvalidInput(f"Container {n}: '{box.get('number')}' is not an ISO 6346 container number.")
        size_type = str(box.get("size_type") or "").upper()
        if not _SIZE_TYPE_FORMAT.match(size_type):
            raise InvalidInput(f"Container {number}: '{box.get('size_type')}' is not a size/type code like 22G1.")
        seal = box.get("declared_seal")
        rows.append({"number": number, "size_type": size_type, "declared_seal": seal.strip().upper() if seal else None})
    return rows


def register_declaration(db: Database, actor: Actor, data: dict, *, now: datetime | None = None) -> int:
    """Register a declaration with its goods lines and containers; returns its id.

    data: number, port_code (or port_id), enterprise_uscc (or enterprise_id), direction,
    transport_mode, origin_country (ISO alpha-2), optional declared_at, source_system_id,
    content_hash, goods=[{hs_code, description, quantity, unit, gross_weight_kg, value, currency}],
    containers=[{number, size_type, declared_seal}].
    """
    require_role(actor, Role.ADMIN, Role.SUPERVISOR)
    now = now or utcnow()
    number = str(_required(data, "number")).strip()
    direction = str(data.get("direction") or "import")
    if direction not in DIRECTIONS:
        raise InvalidInput(f"Direction must be import or export, not '{direction}'.")
    mode = str(_required(data, "transport_mode"))
    if mode not in TRANSPORT_MODES:
        raise InvalidInput(f"Transport mode must be one of {', '.join(sorted(TRANSPORT_MODES))}, not '{mode}'.")
    origin = str(_required(data, "origin_country")).upper()
    if len(origin) != 2 or reference.country_name(origin) == origin:
        raise InvalidInput(f"'{origin}' is not an ISO 3166 country code.")
    goods = _goods_rows(data.get("goods") or [])
    containers = _container_rows(data.get("containers") or [])

    with unit_of_work(db) as session:
        port_id, port_note = _port_id(session, data)
        require_port(actor, port_id)
        enterprise_id = _enterprise_id(session, data)
        if session.scalar(select(Declaration.id).where(Declaration.number == number)) is not None:
            raise Conflict(f"Declaration {number} is already registered.")
        declaration = Declaration(
            number=number,
            source_system_id=data.get("source_system_id"),
            port_id=port_id,
            enterprise_id=enterprise_id,
            direction=direction,
            transport_mode=mode,
            origin_country=origin,
            declared_at=data.get("declared_at") or now,
            content_hash=data.get("content_hash"),
        )
        session.add(declaration)
        session.flush()
        session.execute(insert(GoodsLine), [{**g, "declaration_id": declaration.id} for g in goods])
        if containers:
            session.execute(insert(Container), [{**c, "declaration_id": declaration.id} for c in containers])
        record_audit(
            session,
            actor,
            "register",
            "declaration",
            declaration.id,
            after={
                "number": number,
                "port_id": port_id,
                "enterprise_id": enterprise_id,
                "goods_lines": len(goods),
                "containers": len(containers),
                "port_note": port_note,
            },
            port_id=port_id,
        )
        refresh_rollups_for_declaration(session, declaration.id)
        return declaration.id
