"""The field inspection page's readers and write wrappers.

Nothing here is cached: an inspector's screen follows every write at once (each write runs in a
button or camera callback, before the script, so the next run reads the saved state). Readers
are named load_<thing>; writes keep their service's name and take the actor, never an engine.
Settings the page would otherwise carry (media folder, upload limit, receipt secret) are read
here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from components.shell.runtime import get_engine, get_settings
from portsight.documents import receipt as receipt_document
from portsight.domain.access import Actor
from portsight.domain.conditions import in_language
from portsight.queries import field as field_queries
from portsight.services import assist as assist_services
from portsight.services import decisions as decision_services
from portsight.services import evidence as evidence_services
from portsight.services import field as field_services
from portsight.services import inspections as lifecycle_services
from portsight.services import receipts as receipt_services
from portsight.services.field import StepOutcome
from portsight.storage import media_path

__all__ = [
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
    "load_receipt",
    "load_second_inspector_options",
    "media_file",
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


def load_gallery(inspection_id: int) -> pd.DataFrame:
    return field_queries.gallery(get_engine(), inspection_id)


def load_findings(inspection_id: int) -> pd.DataFrame:
    return field_queries.findings_of(get_engine(), inspection_id)


def load_second_inspector_options(inspection_id: int, me: int) -> list[dict]:
    return field_queries.second_inspector_options(get_engine(), inspection_id, me)


def load_receipt(inspection_id: int) -> dict | None:
    return field_queries.receipt_of(get_engine(), inspection_id)


def media_file(sha256: str, suffix: str) -> Path:
    """Where a stored photo's file is (it may be missing)."""
    return media_path(get_settings().media_dir, sha256, suffix)


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
    return field_services.record_step_result(get_engine(), actor, inspection_id, step_key, values, container_id, note)


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
