"""The printed release receipt (放行回执): a bilingual A4 PDF with the verification token as a QR code,
and the reading of that QR code from the gate's camera.

What the receipt says (and its token) comes from portsight.services.receipts.receipt_data, which
owns the signing. reportlab, qrcode and OpenCV are imported when a receipt is drawn or read, not
when a page imports this module.
"""

from __future__ import annotations

import io
from typing import Any

from portsight.db.session import Database
from portsight.domain.access import Actor
from portsight.i18n import fmt_datetime, t
from portsight.images import MAX_PIXELS, picture_size
from portsight.queries.goods import goods_text
from portsight.services.receipts import receipt_data


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
    """An A4 (also fine on a phone or a receipt printer's PDF driver) bilingual receipt with a QR code."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from portsight.documents.pdf import cjk_font

    font = cjk_font()
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
    columns = ("field.receipt_container", "field.receipt_seal", "field.receipt_new_seal")
    pdf.drawString(x, y, "  ·  ".join(_label(c) for c in columns))
    y -= 6 * mm
    pdf.setFont(font, 11)
    for box in data["containers"] or [{"number": "—", "size_type": "", "seal": "—"}]:
        # The container leaves under the new seal put on after inspection: the gate compares with that one.
        new_seal = box.get("new_seal")
        new = f"{new_seal} ({box.get('new_seal_class') or '?'})" if new_seal else "—"
        pdf.drawString(x + 4 * mm, y, f"{box['number']}  {box['size_type']}    {box['seal']}    {new}")
        y -= 6 * mm
    y -= 3 * mm
    pdf.setFont(font, 10)
    pdf.drawString(x, y, _label("field.receipt_goods"))
    y -= 6 * mm
    pdf.setFont(font, 10)
    for line in data["goods"][:12]:
        qty = "" if line["quantity"] is None else f"{line['quantity']:g} {line['unit']}"
        # A description may be stored in both languages, or be only the heading's English text: Chinese
        # first like every label of the receipt, the English under it where it says something else.
        zh, en = (goods_text(lang, line["hs_code"], line["description"]) for lang in ("zh_CN", "en"))
        pdf.drawString(x + 4 * mm, y, f"{line['hs_code']}  {zh[:60]}  {qty}")
        if en != zh:
            y -= 4.5 * mm
            pdf.setFont(font, 8)
            under = x + 4 * mm + pdf.stringWidth(f"{line['hs_code']}  ", font, 10)  # under the Chinese text
            pdf.drawString(under, y, en[:90])
            pdf.setFont(font, 10)
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
    """(file name, PDF bytes) of an inspection's release receipt, read within the actor's scope."""
    data = receipt_data(db, actor, inspection_id)
    return f"{data['receipt_no']}.pdf", render_receipt_pdf(data)


def decode_qr_image(image: bytes) -> str | None:
    """The text of a QR code in a photo (the gate's camera), None when none is found.

    The picture's header is read first: one larger than the photo gate's limit (a 20,000 x 20,000
    PNG of a few kilobytes) is not decoded at all, since OpenCV would allocate gigabytes for it.
    """
    import cv2
    import numpy as np

    size = picture_size(image)
    if size is None or size[0] * size[1] > MAX_PIXELS:
        return None
    array = np.frombuffer(image, dtype=np.uint8)
    frame = cv2.imdecode(array, cv2.IMREAD_COLOR)
    if frame is None:
        return None
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(frame)
    return text or None


__all__ = ["decode_qr_image", "qr_png", "receipt_pdf", "render_receipt_pdf"]
