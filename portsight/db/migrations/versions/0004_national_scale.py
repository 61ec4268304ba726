"""national scale: coarser rollups for trends and origin, covering indexes from the hot queries' plans

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


# Covering indexes from the plans of bench/explain.py: the week's release times, alert and
# remote-assist counts and the heat map read these ranges without a table lookup per row (on a
# 2M-declaration SQLite file the lookups were most of the KPI cards' time). Each replaces the
# single-column index of migration 0002 with the same leading column.
COVERING = [
    ("ix_inspections_decided_cover", "inspections", ["decided_at", "port_id", "state", "decision", "declaration_id"]),
    ("ix_inspections_completed_cover", "inspections", ["completed_at", "port_id", "started_at"]),
    ("ix_alerts_first_raised_port", "alerts", ["first_raised_at", "port_id"]),
    ("ix_alerts_resolved_port", "alerts", ["resolved_at", "port_id"]),
    ("ix_assist_sessions_requested_port", "assist_sessions", ["requested_at", "port_id"]),
]
REPLACED = [
    # (port_id, state, severity) duplicates 0003's (state, port_id, severity); with only average
    # statistics SQLite walked all of it (every resolved alert) to group the board's open alerts.
    ("ix_alerts_port_state", "alerts", ["port_id", "state", "severity"]),
    ("ix_inspections_completed", "inspections", ["completed_at"]),
    ("ix_alerts_first_raised", "alerts", ["first_raised_at"]),
    ("ix_alerts_resolved", "alerts", ["resolved_at"]),
    ("ix_assist_sessions_requested", "assist_sessions", ["requested_at"]),
]


def upgrade() -> None:
    for name, table, columns in COVERING:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in REPLACED:
        op.drop_index(name, table_name=table)
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
    for name, table, columns in REPLACED:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in COVERING:
        op.drop_index(name, table_name=table)
    op.drop_table("daily_origin_rollups")
    op.drop_table("daily_port_rollups")
