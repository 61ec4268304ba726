"""an expert's conclusion is kept as a case, shown at later inspections of the same heading and step

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "assist_cases",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("session_id", BIG_ID, nullable=False),
        sa.Column("inspection_id", BIG_ID, nullable=False),
        sa.Column("port_id", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=4), nullable=False),
        sa.Column("step_key", sa.String(length=64), nullable=False),
        sa.Column("rule_ids", sa.JSON(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("evidence_ids", sa.JSON(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("concluded_at", TZ, nullable=False),
        sa.Column("proposed_at", TZ, nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["assist_sessions.id"], name=op.f("fk_assist_cases_session_id_assist_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_assist_cases_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(["port_id"], ["ports.id"], name=op.f("fk_assist_cases_port_id_ports")),
        sa.ForeignKeyConstraint(["expert_id"], ["users.id"], name=op.f("fk_assist_cases_expert_id_users")),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"], name=op.f("fk_assist_cases_proposed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_cases")),
        sa.UniqueConstraint("session_id", name=op.f("uq_assist_cases_session_id")),
    )
    op.create_index("ix_assist_cases_heading_step", "assist_cases", ["heading", "step_key"])


def downgrade() -> None:
    op.drop_index("ix_assist_cases_heading_step", table_name="assist_cases")
    op.drop_table("assist_cases")
