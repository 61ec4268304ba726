"""national scale: coarser rollups for trends and origin, indexes from the hot queries' plans

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COUNTS = ("declarations", "inspected", "inspections", "non_conforming", "released", "held")
MINUTES = ("release_minutes_sum", "inspection_minutes_sum")


def upgrade() -> None:
    # (day, port): the KPI weeks, the 12/52-week trend and the port breakdown sum ~32 rows a day
    # instead of ~900 (chapter x tier detail of daily_rollups).
    op.create_table(
        "daily_port_rollups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("port_id", sa.Integer(), nullable=False),
        *[sa.Column(c, sa.Integer(), nullable=False, server_default="0") for c in COUNTS],
        *[sa.Column(c, sa.Float(), nullable=False, server_default="0") for c in MINUTES],
        sa.ForeignKeyConstraint(["port_id"], ["ports.id"], name="fk_daily_port_rollups_port_id_ports"),
        sa.PrimaryKeyConstraint("day", "port_id", name="pk_daily_port_rollups"),
    )
    # (day, port, origin country): the origin breakdown without joining a week of declarations.
    op.create_table(
        "daily_origin_rollups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("port_id", sa.Integer(), nullable=False),
        sa.Column("origin_country", sa.String(length=2), nullable=False),
        *[sa.Column(c, sa.Integer(), nullable=False, server_default="0") for c in COUNTS[:4]],
        sa.ForeignKeyConstraint(["port_id"], ["ports.id"], name="fk_daily_origin_rollups_port_id_ports"),
        sa.PrimaryKeyConstraint("day", "port_id", "origin_country", name="pk_daily_origin_rollups"),
    )


def downgrade() -> None:
    op.drop_table("daily_origin_rollups")
    op.drop_table("daily_port_rollups")
