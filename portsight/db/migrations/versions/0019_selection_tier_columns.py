"""a draw's tier and forced flag as columns: a tier's draws of a window counted from an index

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Each draw counted its tier's forced share over the 90 days before it by reading the JSON inputs of every
# draw of those days (about 0.1 s a draw on 60 weeks of demo history, growing with the traffic). The
# columns repeat what inputs record, written in the same insert, so the count reads an index.


def upgrade() -> None:
    with op.batch_alter_table("selections") as batch:
        batch.add_column(sa.Column("tier", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("forced", sa.Boolean(), nullable=True))
    selections = sa.table("selections", sa.column("inputs", sa.JSON()), sa.column("tier"), sa.column("forced"))
    op.execute(
        selections.update().values(
            tier=selections.c.inputs["tier"].as_string(),
            forced=sa.func.coalesce(selections.c.inputs["forced"].as_boolean(), sa.false()),
        )
    )
    with op.batch_alter_table("selections") as batch:
        batch.alter_column("tier", existing_type=sa.String(length=24), nullable=False)
        batch.alter_column("forced", existing_type=sa.Boolean(), nullable=False)
        batch.create_index("ix_selections_tier_drawn_at", ["tier", "drawn_at", "forced"])


def downgrade() -> None:
    with op.batch_alter_table("selections") as batch:
        batch.drop_index("ix_selections_tier_drawn_at")
        batch.drop_column("forced")
        batch.drop_column("tier")
