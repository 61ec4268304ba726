"""experts are rung by skill and circle; an expert proposes a step's value that the inspector confirms

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("assist_sessions") as batch:
        batch.add_column(sa.Column("circle", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("circle_since", TZ, nullable=True))
    op.create_table(
        "expert_skills",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_expert_skills_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", "value", name=op.f("pk_expert_skills")),
    )
    op.create_table(
        "assist_rings",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("session_id", BIG_ID, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("circle", sa.Integer(), nullable=False),
        sa.Column("rung_at", TZ, nullable=False),
        sa.Column("declined_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["assist_sessions.id"], name=op.f("fk_assist_rings_session_id_assist_sessions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_assist_rings_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_rings")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f("uq_assist_rings_session_id")),
    )
    op.create_index("ix_assist_rings_user", "assist_rings", ["user_id", "rung_at"])
    op.create_table(
        "assist_proposals",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("session_id", BIG_ID, nullable=False),
        sa.Column("inspection_id", BIG_ID, nullable=False),
        sa.Column("step_key", sa.String(length=64), nullable=False),
        sa.Column("container_id", BIG_ID, nullable=True),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", TZ, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["assist_sessions.id"], name=op.f("fk_assist_proposals_session_id_assist_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_assist_proposals_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(
            ["container_id"], ["containers.id"], name=op.f("fk_assist_proposals_container_id_containers")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_assist_proposals_proposed_by_id_users")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_assist_proposals_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_proposals")),
    )
    op.create_index(op.f("ix_assist_proposals_session_id"), "assist_proposals", ["session_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_assist_proposals_session_id"), table_name="assist_proposals")
    op.drop_table("assist_proposals")
    op.drop_index("ix_assist_rings_user", table_name="assist_rings")
    op.drop_table("assist_rings")
    op.drop_table("expert_skills")
    with op.batch_alter_table("assist_sessions") as batch:
        batch.drop_column("circle_since")
        batch.drop_column("circle")
