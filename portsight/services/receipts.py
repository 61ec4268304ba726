"""Release receipts (放行回执): issued on release, printed as a bilingual PDF with a QR code, checked at the gate.

The verification token is `<receipt number>.<HMAC>`: the HMAC-SHA256 (server secret from
settings.secret, portsight.security.sign) of the receipt number, the inspection and the time of
issue, shortened to TOKEN_SIG_CHARS hex characters so a gate officer can still type it. The full
signature is kept on the receipt row. Knowing a receipt number or a database id gives nothing:
without the secret no valid token can be made, and any change to the token fails the check.

At the gate a genuine token is marked used (when, which gate, by whom) by a conditional update,
so two gates scanning the same receipt at once cannot both accept it.
"""

from __future__ import annotations

import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from portsight.clock import as_utc, utcnow
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
    GoodsLine,
    Inspection,
    InspectorAssignment,
    Port,
    ReleaseReceipt,
    User,
)
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.inspection import InspectionState
from portsight.exchange.outbox import add_to_outbox
from portsight.i18n import fmt_datetime, t
from portsight.security import sign
from portsight.services.audit import record_audit
from portsight.services.errors import Conflict, InvalidInput, NotFound

TOKEN_SIG_CHARS = 24  # 96 bits of the HMAC: short enough to type, far beyond guessing
GENUINE, USED, FORGED = "genuine", "used", "forged"
MAX_GATE = 64


# --------------------------------------------------------------------------- tokens (pure)


def _stamp(issued_at: datetime) -> str:
    return as_utc(issued_at).strftime("%Y%m%dT%H%M%SZ")


def receipt_message(receipt_no: str, inspection_id: int, issued_at: datetime) -> str:
    """What the signature covers."""
    return f"portsight-receipt:v1:{receipt_no}:{inspection_id}:{_stamp(issued_at)}"


def make_token(receipt_no: str, signature: str) -> str:
    return f"{receipt_no}.{signature[:TOKEN_SIG_CHARS]}"


def parse_token(token: str | None) -> tuple[str, str] | None:
    """(receipt number, signature part) of a typed or scanned token; None when it cannot be one."""
    text = "".join((token or "").split())
    if not text or len(text) > 120 or "." not in text:
        return None
    number, _, sig = text.rpartition(".")
    if not number or len(sig) != TOKEN_SIG_CHARS:
        return None
    return number.upper(), sig.lower()


def new_receipt_no(port_code: str, on: datetime) -> str:
    """RR-<port>-<yyyymmdd>-<6 random hex>: unique, and not the database id."""
    return f"RR-{port_code}-{as_utc(on):%Y%m%d}-{secrets.token_hex(3).upper()}"


# --------------------------------------------------------------------------- issue and verify


def issue_receipt(
    db: Database, actor: Actor, inspection_id: int, *, secret: str, now: datetime | None = None
) -> dict[str, Any]:
    """The receipt of a released inspection (made once; asking again returns the same one)."""
    require_role(actor, Role.INSPECTOR, Role.SUPERVISOR)
    if not secret:
        raise InvalidInput("The server secret is not configured; receipts cannot be signed.")
    issued_at = (now or utcnow()).replace(microsecond=0)
    with unit_of_work(db) as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFound(f"Inspection {inspection_id} does not exist.")
        require_port(actor, inspection.port_id)
        existing = session.scalar(select(ReleaseReceipt).where(ReleaseReceipt.inspection_id == inspection_id))
        if existing is not None:
            return {
                "receipt_no": existing.receipt_no,
                "token": make_token(existing.receipt_no, existing.signature),
                "issued_at": existing.issued_at,
            }
        if inspection.state != InspectionState.RELEASED.value:
            raise Conflict(f"Inspection {inspection_id} is {inspection.state}; only a release gets a receipt.")
        port_code = session.scalar(select(Port.code).where(Port.id == inspection.port_id))
        receipt_no = new_receipt_no(port_code or "XXXXX", issued_at)
        signature = sign(secret, receipt_message(receipt_no, inspection_id, issued_at))
        receipt = ReleaseReceipt(
            inspection_id=inspection_id,
            receipt_no=receipt_no,
            issued_at=issued_at,
            issued_by_id=actor.user_id,
            signature=signature,
        )
        session.add(receipt)
        session.flush()
        record_audit(
            session,
            actor,
            "receipt.issue",
            "release_receipt",
            receipt.id,
            after={"receipt_no": receipt_no, "inspection_id": inspection_id},
            port_id=inspection.port_id,
        )
        add_to_outbox(session, "receipt", inspection_id, {"receipt_no": receipt_no, "issued_at": issued_at}, now=now)
        return {"receipt_no": receipt_no, "token": make_token(receipt_no, signature), "issued_at": issued_at}


@dataclass(frozen=True)
class Verification:
    status: str  # genuine (accepted now) / used (accepted before) / forged (or unknown)
    receipt_no: str | None = None
    declaration: str | None = None
    containers: tuple[str, ...] = ()
    used_at: datetime | None = None
    used_gate: str | None = None


def verify_receipt(
    db: Database, actor: Actor, token: str, gate: str, *, secret: str, now: datetime | None = None
) -> Verification:
    """Check a receipt's token at a gate: genuine and unused (now marked used here), already used, or forged."""
    require_role(actor, Role.GATE)
    gate_name = (gate or "").strip()
    if not gate_name:
        raise InvalidInput("Say which gate this is (for example 'Gate 3').")
    if len(gate_name) > MAX_GATE:
        raise InvalidInput(f"The gate name is too long; keep it under {MAX_GATE} characters.")
    now = now or utcnow()
    parsed = parse_token(token)
    with unit_of_work(db) as session:
        receipt = None
        if parsed is not None:
            receipt = session.scalar(select(ReleaseReceipt).where(ReleaseReceipt.receipt_no == parsed[0]))
        genuine = False
        if receipt is not None and parsed is not None:
            expected = sign(secret, receipt_message(receipt.receipt_no, receipt.inspection_id, receipt.issued_at))
            genuine = hmac.compare_digest(expected, receipt.signature) and hmac.compare_digest(
                expected[:TOKEN_SIG_CHARS], parsed[1]
            )
        if not genuine:
            record_audit(
                session,
                actor,
                "receipt.refused",
                "release_receipt",
                None if receipt is None else receipt.id,
                after={"token": (token or "")[:120], "gate": gate_name},
                port_id=None,
            )
            return Verification(FORGED)
        inspection = session.get(Inspection, receipt.inspection_id)
        require_port(actor, inspection.port_id)
        number = session.scalar(select(Declaration.number).where(Declaration.id == inspection.declaration_id))
        boxes = tuple(
            session.scalars(
                select(Container.number)
                .where(Container.declaration_id == inspection.declaration_id)
                .order_by(Container.id)
            )
        )
        taken = session.execute(
            update(ReleaseReceipt)
            .where(ReleaseReceipt.id == receipt.id, ReleaseReceipt.used_at.is_(None))
            .values(used_at=now, used_gate=gate_name, used_by_id=actor.user_id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            session.refresh(receipt)
            return Verification(USED, receipt.receipt_no, number, boxes, receipt.used_at, receipt.used_gate)
        record_audit(
            session,
            actor,
            "receipt.use",
            "release_receipt",
            receipt.id,
            before={"used_at": None},
            after={"used_at": now, "gate": gate_name},
            port_id=inspection.port_id,
        )
        return Verification(GENUINE, receipt.receipt_no, number, boxes, now, gate_name)


# --------------------------------------------------------------------------- the printed receipt


def receipt_data(db: Database, actor: Actor, inspection_id: int) -> dict[str, Any]:
    """What the printed receipt shows, read within the actor's scope."""
    with unit_of_work(db) as session:
        receipt = session.scalar(select(ReleaseReceipt).where(ReleaseReceipt.inspection_id == inspection_id))
        if receipt is None:
            raise NotFound(f"Inspection {inspection_id} has no release receipt.")
        head = session.execute(
            select(
                Inspection.port_id,
                Inspection.decided_at,
                Declaration.id.label("declaration_id"),
                Declaration.number,
                Declaration.origin_country,
                Enterprise.name.label("enterprise"),
                Port.code.label("port_code"),
                Port.name_zh,
                Port.name_en,
            )
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
            .join(Port, Port.id == Inspection.port_id)
            .where(Inspection.id == inspection_id)
        ).one()
        require_port(actor, head.port_id)
        containers = [
            {"number": n, "size_type": st, "seal": seal or "—"}
            for n, st, seal in session.execute(
                select(Container.number, Container.size_type, Container.declared_seal)
                .where(Container.declaration_id == head.declaration_id)
                .order_by(Container.id)
            )
        ]
        goods = [
            {"hs_code": hs, "description": d, "quantity": q, "unit": u}
            for hs, d, q, u in session.execute(
                select(GoodsLine.hs_code, GoodsLine.description, GoodsLine.quantity, GoodsLine.unit)
                .where(GoodsLine.declaration_id == head.declaration_id)
                .order_by(GoodsLine.line_no)
            )
        ]
        inspectors = [
            name
            for name, _pos in session.execute(
                select(User.display_name, InspectorAssignment.position)
                .join(InspectorAssignment, InspectorAssignment.user_id == User.id)
                .where(InspectorAssignment.inspection_id == inspection_id)
                .order_by(InspectorAssignment.position != "lead", InspectorAssignment.id)
            )
        ]
        issuer = session.scalar(select(User.display_name).where(User.id == receipt.issued_by_id))
    return {
        "receipt_no": receipt.receipt_no,
        "token": make_token(receipt.receipt_no, receipt.signature),
        "issued_at": as_utc(receipt.issued_at),
        "decided_at": as_utc(head.decided_at or receipt.issued_at),
        "declaration": head.number,
        "enterprise": head.enterprise,
        "origin": head.origin_country,
        "port": f"{head.port_code} {head.name_zh} / {head.name_en}",
        "containers": containers,
        "goods": goods,
        "inspector": issuer or (inspectors[0] if inspectors else "—"),
        "inspectors": inspectors,
    }


def _label(key: str) -> str:
    return f"{t('zh_CN', key)} {t('en', key)}"


def qr_png(text: str) -> bytes:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()


def render_receipt_pdf(data: dict[str, Any]) -> bytes:
    """An A4 (also fine on a phone or a receipt printer's PDF driver) bilingual receipt with a QR code.

    Chinese through ReportLab's built-in CID font STSong-Light: nothing to install, the reader's
    PDF viewer supplies the glyphs.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(f"{t('en', 'field.receipt_title')} {data['receipt_no']}")
    pdf.setAuthor("PortSight")
    x, y = 20 * mm, height - 25 * mm
    pdf.setFont(font, 20)
    pdf.drawString(x, y, t("zh_CN", "field.receipt_title"))
    pdf.setFont(font, 14)
    pdf.drawString(x, y - 8 * mm, t("en", "field.receipt_title"))
    qr = ImageReader(io.BytesIO(qr_png(data["token"])))
    qr_size = 45 * mm
    pdf.drawImage(qr, width - 20 * mm - qr_size, y - qr_size + 8 * mm, qr_size, qr_size)

    def row(label_key: str, value: str, y: float) -> float:
        pdf.setFont(font, 9)
        pdf.drawString(x, y, _label(label_key))
        pdf.setFont(font, 11)
        pdf.drawString(x + 62 * mm, y, str(value))
        return y - 7 * mm

    y -= 24 * mm
    y = row("field.receipt_no", data["receipt_no"], y)
    y = row("field.receipt_declaration", data["declaration"], y)
    y = row("field.receipt_enterprise", data["enterprise"], y)
    y = row("field.receipt_port", data["port"], y)
    y = row("field.receipt_decided_at", fmt_datetime("zh_CN", data["decided_at"]), y)
    y = row("field.receipt_inspector", ", ".join(data["inspectors"]) or data["inspector"], y)
    y -= 3 * mm
    pdf.setFont(font, 10)
    pdf.drawString(x, y, f"{_label('field.receipt_container')}  ·  {_label('field.receipt_seal')}")
    y -= 6 * mm
    pdf.setFont(font, 11)
    for box in data["containers"] or [{"number": "—", "size_type": "", "seal": "—"}]:
        pdf.drawString(x + 4 * mm, y, f"{box['number']}  {box['size_type']}    {box['seal']}")
        y -= 6 * mm
    y -= 3 * mm
    pdf.setFont(font, 10)
    pdf.drawString(x, y, _label("field.receipt_goods"))
    y -= 6 * mm
    pdf.setFont(font, 10)
    for line in data["goods"][:12]:
        qty = "" if line["quantity"] is None else f"{line['quantity']:g} {line['unit']}"
        pdf.drawString(x + 4 * mm, y, f"{line['hs_code']}  {line['description'][:60]}  {qty}")
        y -= 5.5 * mm
    y -= 6 * mm
    pdf.setFont(font, 9)
    pdf.drawString(x, y, _label("field.receipt_code"))
    pdf.setFont("Courier", 11)
    pdf.drawString(x, y - 6 * mm, data["token"])
    pdf.setFont(font, 8)
    pdf.drawString(x, 15 * mm, t("zh_CN", "field.receipt_footer"))
    pdf.drawString(x, 11 * mm, t("en", "field.receipt_footer"))
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def receipt_pdf(db: Database, actor: Actor, inspection_id: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) of an inspection's release receipt."""
    data = receipt_data(db, actor, inspection_id)
    return f"{data['receipt_no']}.pdf", render_receipt_pdf(data)


def decode_qr_image(image: bytes) -> str | None:
    """The text of a QR code in a photo (the gate's camera), None when none is found."""
    import cv2
    import numpy as np

    array = np.frombuffer(image, dtype=np.uint8)
    frame = cv2.imdecode(array, cv2.IMREAD_COLOR)
    if frame is None:
        return None
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(frame)
    return text or None


__all__ = [
    "FORGED",
    "GENUINE",
    "USED",
    "Verification",
    "decode_qr_image",
    "issue_receipt",
    "make_token",
    "parse_token",
    "qr_png",
    "receipt_data",
    "receipt_pdf",
    "render_receipt_pdf",
    "verify_receipt",
]
