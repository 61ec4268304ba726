"""What an expert is rung for (expert_skills): goods chapters, rule families, languages.

An administrator sets them where accounts are managed; the set replaces the expert's skills in one
transaction and is audited with before and after. Routing reads them (portsight.domain.assist_routing).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from portsight.db.audit import record_audit
from portsight.db.models import ExpertSkill, User
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_role
from portsight.domain.assist_routing import CHAPTER, LANGUAGE, RULE_FAMILY
from portsight.errors import InvalidInput, NotFound
from portsight.i18n import LANGUAGES
from portsight.reference import hs_chapters
from portsight.services import assist_rings

MAX_SKILLS = 60  # per kind: every HS chapter fits (97), an expert who knows everything records none


def _checked(values: Iterable[str], allowed: Iterable[str], kind: str) -> list[str]:
    wanted = sorted({str(v).strip() for v in values if str(v).strip()})
    unknown = sorted(set(wanted) - set(allowed))
    if unknown:
        raise InvalidInput(
            f"Unknown {kind.replace('_', ' ')}: {', '.join(unknown[:5])}.",
            key="errors.skill_unknown",
            params={"values": ", ".join(unknown[:5])},
        )
    if len(wanted) > MAX_SKILLS:
        raise InvalidInput(
            f"At most {MAX_SKILLS} values of one kind; an expert with none recorded is rung for anything.",
            key="errors.skill_too_many",
            params={"max": MAX_SKILLS},
        )
    return wanted


def set_expert_skills(
    db: Database,
    actor: Actor,
    user_id: int,
    *,
    chapters: Iterable[str] = (),
    rule_families: Iterable[str] = (),
    languages: Iterable[str] = (),
) -> None:
    """Replace an expert's skills (administrators only); none of a kind means "any" to the routing."""
    require_role(actor, Role.ADMIN)
    wanted = {
        CHAPTER: _checked(chapters, hs_chapters(), CHAPTER),
        RULE_FAMILY: _checked(rule_families, assist_rings.rule_families(), RULE_FAMILY),
        LANGUAGE: _checked(languages, LANGUAGES, LANGUAGE),
    }
    with unit_of_work(db) as session:
        user = session.get(User, user_id)
        if user is None or user.role != Role.EXPERT.value:
            raise NotFound(
                f"Account #{user_id} is not an expert; skills are recorded for experts.",
                key="errors.skill_not_expert",
                params={"id": user_id},
            )
        before: dict[str, list[str]] = {kind: [] for kind in wanted}
        for kind, value in session.execute(
            select(ExpertSkill.kind, ExpertSkill.value).where(ExpertSkill.user_id == user_id)
        ):
            before.setdefault(kind, []).append(value)
        before = {kind: sorted(values) for kind, values in before.items()}
        if before == wanted:
            return
        session.execute(delete(ExpertSkill).where(ExpertSkill.user_id == user_id))
        session.add_all(
            ExpertSkill(user_id=user_id, kind=kind, value=value) for kind, values in wanted.items() for value in values
        )
        record_audit(session, actor, "user.skills", "user", user_id, before=before, after=wanted)
