"""draw commitments: each day's draw seed, its SHA-256 published before the first draw, revealed after the day

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# The verifier reads one day of selections and of drawn assignments by time.
INDEXES = [
    ("ix_selections_drawn_at", "selections", ["drawn_at"]),
    ("ix_inspector_assignments_assigned_at", "inspector_assignments", ["assigned_at"]),
]


def upgrade() -> None:
    op.create_table(
        "draw_commitments",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seed_sha256", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_draw_commitments")),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("draw_commitments")
