"""statistics: cohort and duration columns on daily_rollups, time indexes for one-week queries

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("daily_rollups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inspected", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("inspection_minutes_sum", sa.Float(), nullable=False, server_default="0"))
        batch_op.create_index("ix_daily_rollups_port_day", ["port_id", "day"], unique=False)
    # One week of source rows is read by time range (medians, origin, inspectors, heat map).
    op.create_index("ix_inspections_completed", "inspections", ["completed_at"], unique=False)
    op.create_index("ix_inspection_transitions_state_at", "inspection_transitions", ["to_state", "at"], unique=False)
    op.create_index("ix_alerts_first_raised", "alerts", ["first_raised_at"], unique=False)
    op.create_index("ix_alerts_resolved", "alerts", ["resolved_at"], unique=False)
    op.create_index("ix_assist_sessions_requested", "assist_sessions", ["requested_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_assist_sessions_requested", table_name="assist_sessions")
    op.drop_index("ix_alerts_resolved", table_name="alerts")
    op.drop_index("ix_alerts_first_raised", table_name="alerts")
    op.drop_index("ix_inspection_transitions_state_at", table_name="inspection_transitions")
    op.drop_index("ix_inspections_completed", table_name="inspections")
    with op.batch_alter_table("daily_rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_rollups_port_day")
        batch_op.drop_column("inspection_minutes_sum")
        batch_op.drop_column("inspected")
