"""The field inspection page's readers and write wrappers.

No reader is cached: an inspector's screen follows every write at once (each write runs in a
button or camera callback, before the script, so the next run reads the saved state). Readers
are named load_<thing>; writes keep their service's name and take the actor, never an engine.
Settings the page would otherwise carry (media folder, upload limit, receipt secret) are read
here. What is cached is derived from a photo's bytes alone, by their hash: the numbers read from
it (about a second of recognition, done once per photo) and the crop shown beside the field.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from components.shell.runtime import get_engine, get_settings
from portsight.documents import receipt as receipt_document
from portsight.domain.access import Actor
from portsight.domain.conditions import in_language
from portsight.errors import NotFound
from portsight.ocr import NumberReading, read_numbers
from portsight.ocr import engine as ocr_engine
from portsight.queries import field as field_queries
from portsight.queries import number_readings as reading_queries
from portsight.services import assist as assist_services
from portsight.services import decisions as decision_services
from portsight.services import evidence as evidence_services
from portsight.services import field as field_services
from portsight.services import inspections as lifecycle_services
from portsight.services import number_readings as reading_services
from portsight.services import receipts as receipt_services
from portsight.services.field import StepOutcome
from portsight.services.number_readings import NUMBER_INPUTS
from portsight.storage import media_path

__all__ = [
    "NUMBER_INPUTS",
    "StepOutcome",
    "accept_task",
    "add_finding",
    "attach_photo",
    "complete_checklist",
    "in_language",
    "load_checklist_state",
    "load_decision_state",
    "load_findings",
    "load_gallery",
    "load_hints",
    "load_my_tasks",
    "load_number_readings",
    "load_receipt",
    "load_second_inspector_options",
    "load_step_cases",
    "media_file",
    "read_photo_number",
    "reading_crop",
    "receipt_data",
    "receipt_pdf",
    "receipt_qr_png",
    "record_hold_result",
    "record_step_result",
    "request_assist",
    "set_current_step",
    "take_decision",
]


# ------------------------------------------------------------------ readers


def load_my_tasks(user_id: int, port_ids: Iterable[int] | None) -> pd.DataFrame:
    return field_queries.my_tasks(get_engine(), user_id, port_ids)


def load_checklist_state(inspection_id: int, port_ids: Iterable[int] | None) -> dict | None:
    return field_queries.checklist_state(get_engine(), inspection_id, port_ids)


def load_decision_state(inspection_id: int, port_ids: Iterable[int] | None) -> dict | None:
    """The decisions open, why release is blocked, the rules calling for a decision, the holds."""
    return field_queries.decision_state(get_engine(), inspection_id, port_ids)


def load_hints(inspection_id: int) -> dict | None:
    return field_queries.hints(get_engine(), inspection_id)


def load_step_cases(inspection_id: int, step_key: str) -> list[dict]:
    """What experts answered on this step at earlier inspections of goods of the same HS headings."""
    return field_queries.step_cases(get_engine(), inspection_id, step_key)


def load_gallery(inspection_id: int) -> pd.DataFrame:
    return field_queries.gallery(get_engine(), inspection_id)


def load_findings(inspection_id: int) -> pd.DataFrame:
    return field_queries.findings_of(get_engine(), inspection_id)


def load_second_inspector_options(inspection_id: int, me: int) -> list[dict]:
    return field_queries.second_inspector_options(get_engine(), inspection_id, me)


def load_receipt(inspection_id: int) -> dict | None:
    return field_queries.receipt_of(get_engine(), inspection_id)


def load_number_readings(inspection_id: int) -> dict[tuple[str, int | None, str], dict]:
    """The latest number read from a photo for each (step key, container id, kind)."""
    return reading_queries.latest_readings(get_engine(), inspection_id)


def media_file(sha256: str, suffix: str) -> Path:
    """Where a stored photo's file is (it may be missing)."""
    return media_path(get_settings().media_dir, sha256, suffix)


def _suffix(media_type: str | None) -> str:
    return ".png" if media_type == "image/png" else ".webp" if media_type == "image/webp" else ".jpg"


@st.cache_resource(show_spinner=False)
def start_number_reader() -> threading.Thread:
    """Load the OCR models in the background, once per server process, when the field page is
    first opened: loading takes seconds, and the inspector's first photo should not wait for it."""
    thread = threading.Thread(target=ocr_engine.load, name="ocr-models", daemon=True)
    thread.start()
    return thread


@st.cache_data(max_entries=256, show_spinner=False)
def _numbers_in_photo(sha256: str, media_type: str, expect: str) -> NumberReading:
    """The stored photo's numbers; the file never changes under its hash, so once per photo."""
    return read_numbers(media_file(sha256, _suffix(media_type)).read_bytes(), expect=expect)


@st.cache_data(max_entries=256, show_spinner=False)
def reading_crop(sha256: str, media_type: str, box: tuple[int, int, int, int]) -> bytes | None:
    """The part of the stored photo a number was read from (a margin around its box), as PNG;
    None when the file is missing or unreadable."""
    from PIL import Image, UnidentifiedImageError

    x, y, w, h = box
    margin = max(8, h // 2)
    try:
        with Image.open(media_file(sha256, _suffix(media_type))) as image:
            area = (
                max(0, x - margin),
                max(0, y - margin),
                min(image.width, x + w + margin),
                min(image.height, y + h + margin),
            )
            if area[2] <= area[0] or area[3] <= area[1]:
                return None
            out = io.BytesIO()
            image.crop(area).convert("RGB").save(out, format="PNG")
            return out.getvalue()
    except (OSError, UnidentifiedImageError, ValueError):
        return None


# ------------------------------------------------------------------ the release receipt


def receipt_data(actor: Actor, inspection_id: int) -> dict[str, Any]:
    return receipt_services.receipt_data(get_engine(), actor, inspection_id)


def receipt_pdf(actor: Actor, inspection_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of the inspection's release receipt."""
    return receipt_document.receipt_pdf(get_engine(), actor, inspection_id)


def receipt_qr_png(token: str) -> bytes:
    return receipt_document.qr_png(token)


# ------------------------------------------------------------------ writes


def accept_task(actor: Actor, inspection_id: int) -> dict:
    return field_services.accept_task(get_engine(), actor, inspection_id)


def set_current_step(actor: Actor, inspection_id: int, slot_id: str) -> None:
    field_services.set_current_step(get_engine(), actor, inspection_id, slot_id)


def record_step_result(
    actor: Actor,
    inspection_id: int,
    step_key: str,
    values: Mapping[str, Any],
    container_id: int | None,
    note: str | None,
) -> StepOutcome:
    """Judge and save the step, with what the inspector kept of the number read from its photo."""
    return reading_services.save_step(get_engine(), actor, inspection_id, step_key, values, container_id, note)


def attach_photo(
    actor: Actor,
    inspection_id: int,
    step_key: str,
    data: bytes,
    filename: str | None,
    media_type: str | None,
    container_id: int | None,
    *,
    source: str,
) -> int:
    """Keep a photo as evidence, within the configured upload limit and media folder."""
    settings = get_settings()
    return evidence_services.attach_photo(
        get_engine(),
        actor,
        inspection_id,
        step_key,
        data,
        filename,
        media_type,
        container_id,
        source=source,
        media_dir=settings.media_dir,
        max_bytes=settings.max_upload_bytes,
    )


def read_photo_number(actor: Actor, evidence_id: int, kind: str) -> dict:
    """Read the number of kind from a step's stored photo and keep the reading.

    Returns proposed (None unless the whole number, check digit included, was read), read (what was
    read when nothing is proposed) and confidence.
    """
    photo = reading_queries.evidence_photo(get_engine(), evidence_id)
    if photo is None:
        raise NotFound(
            f"Photo {evidence_id} was not found.", key="errors.step_photo_not_found", params={"id": evidence_id}
        )
    reading = _numbers_in_photo(
        photo["sha256"], photo["media_type"], "container" if kind == "container_number" else "seal"
    )
    found = reading.container if kind == "container_number" else reading.seal
    reading_services.record_reading(
        get_engine(),
        actor,
        evidence_id,
        kind,
        proposed=found.number if found else None,
        read_text=None if found else reading.read,
        confidence=found.confidence if found else None,
        box=found.box if found else None,
    )
    return {
        "proposed": found.number if found else None,
        "read": reading.read,
        "confidence": found.confidence if found else None,
    }


def request_assist(actor: Actor, inspection_id: int, step_key: str | None, question: str) -> int:
    return assist_services.request_assist(get_engine(), actor, inspection_id, step_key, question)


def add_finding(
    actor: Actor,
    inspection_id: int,
    description: str,
    severity: str,
    step_key: str | None,
    container_id: int | None,
) -> int:
    return field_services.add_finding(get_engine(), actor, inspection_id, description, severity, step_key, container_id)


def complete_checklist(actor: Actor, inspection_id: int) -> dict:
    return field_services.complete_checklist(get_engine(), actor, inspection_id)


def take_decision(
    actor: Actor,
    inspection_id: int,
    decision: str,
    *,
    confirmed: bool,
    second_inspector_id: int | None,
    what: str | None = None,
) -> dict:
    """Decide; a release signs its receipt with the configured secret."""
    return decision_services.take_decision(
        get_engine(),
        actor,
        inspection_id,
        decision,
        confirmed=confirmed,
        second_inspector_id=second_inspector_id,
        secret=get_settings().receipt_keys,
        what=what,
    )


def record_hold_result(actor: Actor, inspection_id: int, result: str, note: str | None) -> dict:
    """The treatment done, the laboratory's result, or the identification's conclusion."""
    return lifecycle_services.record_hold_result(get_engine(), actor, inspection_id, result, note=note)
