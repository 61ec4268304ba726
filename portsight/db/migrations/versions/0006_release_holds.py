"""release holds: treatments, laboratory samples and attribute identifications that release waits for

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "release_holds",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("inspection_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("rule_ids", sa.JSON(), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ordered_by_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("result_note", sa.Text(), nullable=True),
        sa.Column("result_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_release_holds_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(["ordered_by_id"], ["users.id"], name=op.f("fk_release_holds_ordered_by_id_users")),
        sa.ForeignKeyConstraint(["result_by_id"], ["users.id"], name=op.f("fk_release_holds_result_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_holds")),
    )
    op.create_index(op.f("ix_release_holds_inspection_id"), "release_holds", ["inspection_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_release_holds_inspection_id"), table_name="release_holds")
    op.drop_table("release_holds")
