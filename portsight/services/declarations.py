"""Use cases on declarations (报检单): registering one as received from the backbone or a form."""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portsight import reference
from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.models import Container, Declaration, Enterprise, GoodsLine, Port
from portsight.db.rollups import refresh_rollups_for_declaration
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.codes import as_typed, normalize_code, normalize_hs
from portsight.domain.enterprise import is_valid_uscc, normalize_uscc
from portsight.domain.seal import SEAL_CLASS_ORDER, parse_seal_class
from portsight.errors import Conflict, InvalidInput, NotFound

DIRECTIONS = frozenset({"import", "export"})
TRANSPORT_MODES = frozenset({"sea", "air", "road", "rail"})
_CONTAINER_FORMAT = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")
_SIZE_TYPE_FORMAT = re.compile(r"^[0-9A-Z]{2}[A-Z][0-9A-Z]$")
MAX_PACKAGES = 100_000_000  # far above any shipment, well inside a 32-bit integer column


def _required(data: dict[str, Any], key: str) -> Any:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(
            f"The declaration needs '{key}'.", key="errors.declaration_field_missing", params={"field": key}
        )
    return value


def _port_id(session: Session, data: dict[str, Any]) -> tuple[int, str | None]:
    if data.get("port_id") is not None:
        port = session.get(Port, int(data["port_id"]))
        if port is None:
            raise NotFound(
                f"Port {data['port_id']} does not exist.", key="errors.port_not_found", params={"id": data["port_id"]}
            )
        return port.id, None
    code, note = reference.resolve_port_code(_required(data, "port_code"), data.get("transport_mode"))
    if code is None:
        raise InvalidInput(
            f"'{data['port_code']}' is not a known UN/LOCODE port of China.",
            key="errors.port_code_unknown",
            params={"code": str(data["port_code"])},
        )
    port_id = session.scalar(select(Port.id).where(Port.code == code))
    if port_id is None:
        raise InvalidInput(
            f"Port {code} is not served by PortSight.", key="errors.port_not_served", params={"code": code}
        )
    return port_id, note


def _enterprise_id(session: Session, data: dict[str, Any]) -> int:
    if data.get("enterprise_id") is not None:
        if session.get(Enterprise, int(data["enterprise_id"])) is None:
            raise NotFound(
                f"Enterprise {data['enterprise_id']} does not exist.",
                key="errors.enterprise_not_found",
                params={"id": data["enterprise_id"]},
            )
        return int(data["enterprise_id"])
    code = normalize_uscc(_required(data, "enterprise_uscc"))
    if not is_valid_uscc(code):
        raise InvalidInput(
            f"'{code}' is not a valid unified social credit code (check character wrong?).",
            key="risk_profiles.error_uscc_invalid",
            params={"value": code},
        )
    ent_id = session.scalar(select(Enterprise.id).where(Enterprise.uscc == code))
    if ent_id is None:
        raise NotFound(
            f"No enterprise with the credit code {code} is registered.",
            key="risk_profiles.error_enterprise_unknown",
            params={"value": code},
        )
    return ent_id


def _package_count(value: Any, n: int) -> int | None:
    """The declared number of packages of goods line n: a whole number, 0 or more; None when not given."""
    text = "" if value is None else as_typed(value)
    if not text:
        return None
    try:
        count = float(text) if not isinstance(value, bool) else math.nan
    except ValueError:
        count = math.nan
    if not count.is_integer():
        raise InvalidInput(
            f"Goods line {n}: the package count must be a whole number, not '{value}'.",
            key="errors.package_count_not_whole",
            params={"line": n, "value": str(value)},
        )
    if not 0 <= count <= MAX_PACKAGES:
        raise InvalidInput(
            f"Goods line {n}: the package count must be 0 or more and plausible, not {int(count)}.",
            key="errors.package_count_range",
            params={"line": n, "count": int(count)},
        )
    return int(count)


def _seal_class(box: dict[str, Any], number: str) -> str | None:
    """The declared ISO 17712 class of the container's seal (I, S or H); None when not given."""
    text = as_typed(box.get("declared_seal_class"))
    if not text:
        return None
    found = parse_seal_class(text)
    if found is None:
        classes = ", ".join(c.value for c in SEAL_CLASS_ORDER)
        raise InvalidInput(
            f"Container {number}: '{text}' is not an ISO 17712 seal class ({classes}).",
            key="errors.seal_class_unknown",
            params={"number": number, "value": text, "classes": classes},
        )
    return found.value


def _goods_rows(goods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not goods:
        raise InvalidInput("A declaration needs at least one goods line.", key="errors.goods_none")
    rows = []
    for n, line in enumerate(goods, start=1):
        hs = "".join(ch for ch in normalize_hs(line.get("hs_code", "")) if ch.isdigit())
        heading = reference.hs_heading(hs)
        if len(hs) < 4 or heading is None:
            raise InvalidInput(
                f"Goods line {n}: '{line.get('hs_code')}' is not an HS heading.",
                key="errors.hs_heading_unknown",
                params={"line": n, "value": str(line.get("hs_code") or "")},
            )
        try:
            value = Decimal(str(line.get("value", 0))).quantize(Decimal("0.01"))
            quantity = float(line.get("quantity", 0))
            weight = float(line.get("gross_weight_kg", 0))
        except (InvalidOperation, ValueError, TypeError) as exc:
            raise InvalidInput(
                f"Goods line {n}: quantity, weight and value must be numbers.",
                key="errors.goods_amounts_not_numbers",
                params={"line": n},
            ) from exc
        if quantity < 0 or weight < 0 or value < 0:
            raise InvalidInput(
                f"Goods line {n}: quantity, weight and value cannot be negative.",
                key="errors.goods_amounts_negative",
                params={"line": n},
            )
        rows.append(
            {
                "line_no": int(line.get("line_no") or n),
                "hs_code": hs[:10],
                "description": str(line.get("description") or heading.description)[:300],
                "quantity": quantity,
                "unit": str(line.get("unit") or "kg")[:8],
                "gross_weight_kg": weight,
                "value": value,
                "currency": str(line.get("currency") or "USD").upper()[:3],
                "package_count": _package_count(line.get("package_count"), n),
            }
        )
    return rows


def _container_rows(containers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for n, box in enumerate(containers or [], start=1):
        number = normalize_code(box.get("number", ""))  # as typed: full-width forms, blanks, hyphens
        if not _CONTAINER_FORMAT.match(number):
            raise InvalidInput(
                f"Container {n}: '{box.get('number')}' is not an ISO 6346 container number.",
                key="errors.container_number_invalid",
                params={"n": n, "value": str(box.get("number") or "")},
            )
        size_type = normalize_code(box.get("size_type") or "")
        if not _SIZE_TYPE_FORMAT.match(size_type):
            raise InvalidInput(
                f"Container {number}: '{box.get('size_type')}' is not a size/type code like 22G1.",
                key="errors.size_type_invalid",
                params={"number": number, "value": str(box.get("size_type") or "")},
            )
        seal = as_typed(box.get("declared_seal")).upper()
        rows.append(
            {
                "number": number,
                "size_type": size_type,
                "declared_seal": seal or None,
                "declared_seal_class": _seal_class(box, number),
            }
        )
    return rows


def register_declaration(db: Database, actor: Actor, data: dict[str, Any], *, now: datetime | None = None) -> int:
    """Register a declaration with its goods lines and containers; returns its id.

    data: number, port_code (or port_id), enterprise_uscc (or enterprise_id), direction,
    transport_mode, origin_country (ISO alpha-2), optional declared_at, source_system_id,
    content_hash, goods=[{hs_code, description, quantity, unit, gross_weight_kg, value, currency,
    package_count}], containers=[{number, size_type, declared_seal, declared_seal_class (I/S/H)}].
    Codes may be typed full-width; package_count and declared_seal_class are optional.
    """
    require_role(actor, Role.ADMIN, Role.SUPERVISOR)
    now = now or utcnow()
    number = str(_required(data, "number")).strip()
    direction = str(data.get("direction") or "import")
    if direction not in DIRECTIONS:
        raise InvalidInput(
            f"Direction must be import or export, not '{direction}'.",
            key="errors.direction_unknown",
            params={"value": direction},
        )
    mode = str(_required(data, "transport_mode"))
    if mode not in TRANSPORT_MODES:
        modes = ", ".join(sorted(TRANSPORT_MODES))
        raise InvalidInput(
            f"Transport mode must be one of {modes}, not '{mode}'.",
            key="errors.transport_mode_unknown",
            params={"value": mode, "modes": modes},
        )
    origin = str(_required(data, "origin_country")).upper()
    if len(origin) != 2 or reference.country_name(origin) == origin:
        raise InvalidInput(
            f"'{origin}' is not an ISO 3166 country code.", key="risk_profiles.error_country", params={"value": origin}
        )
    goods = _goods_rows(data.get("goods") or [])
    containers = _container_rows(data.get("containers") or [])

    with unit_of_work(db) as session:
        port_id, port_note = _port_id(session, data)
        require_port(actor, port_id)
        enterprise_id = _enterprise_id(session, data)
        if session.scalar(select(Declaration.id).where(Declaration.number == number)) is not None:
            raise Conflict(
                f"Declaration {number} is already registered.",
                key="errors.declaration_number_taken",
                params={"number": number},
            )
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
