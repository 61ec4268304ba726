"""The weekly review report: the week's figures for the actor's scope as a PDF and an Excel workbook.

export_week_report(db, actor, week, ...) checks the actor's scope, reads the review once, renders
both files (weekly_pdf, with the drawings of weekly_charts; weekly_excel) and records the export
in the audit trail. It reports progress through a callback (fraction 0..1, message key) so a
page can show a bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portsight.db.audit import record_audit
from portsight.db.session import Database, unit_of_work
from portsight.documents.weekly_excel import render_excel
from portsight.documents.weekly_pdf import render_pdf
from portsight.documents.weekly_text import Progress, no_progress
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.stats import IsoWeek
from portsight.errors import InvalidInput
from portsight.i18n import LANGUAGES
from portsight.queries.statistics import week_review


@dataclass(frozen=True)
class WeekReport:
    week: IsoWeek
    pdf: bytes
    xlsx: bytes
    pdf_name: str
    xlsx_name: str


def export_week_report(
    db: Database,
    actor: Actor,
    week: IsoWeek | str,
    *,
    port_id: int | None = None,
    lang: str = "zh_CN",
    progress: Progress | None = None,
    now: datetime | None = None,
) -> WeekReport:
    """The week's review as PDF and Excel for the actor's scope (or one port of it); audited."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    if port_id is not None:
        require_port(actor, port_id)
    try:
        week = week if isinstance(week, IsoWeek) else IsoWeek.parse(week)
    except ValueError as exc:
        raise InvalidInput(str(exc), key="errors.week_invalid", params={"value": str(week)}) from exc
    lang = lang if lang in LANGUAGES else "zh_CN"
    progress = progress or no_progress
    progress(0.05, "statistics.step_data")
    review = week_review(db, actor.scope(None if port_id is None else [port_id]), week)
    review.generated_at = now or datetime.now(UTC)
    pdf = render_pdf(review, lang, progress)
    progress(0.8, "statistics.step_excel")
    xlsx = render_excel(review, lang, progress)
    scope = "all" if port_id is None else str(port_id)
    with unit_of_work(db) as session:
        record_audit(
            session,
            actor,
            "export",
            "statistics_report",
            f"{week}:{scope}",
            after={"week": str(week), "port_id": port_id, "lang": lang},
            port_id=port_id,
        )
    progress(1.0, "statistics.ready")
    stem = f"portsight-week-{week}-{scope}"
    return WeekReport(week, pdf, xlsx, f"{stem}.pdf", f"{stem}.xlsx")
