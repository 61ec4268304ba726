"""overview: indexes for the live board's grouped counts and its change detection

Revision ID: 0003
Revises: 0002
"""

from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (name, table, columns), each read by one query of portsight.queries.overview / alerts:
INDEXES = [
    # open work by port and state, and its overdue part: an index range per open state
    ("ix_inspections_state_port_created", "inspections", ["state", "port_id", "created_at"]),
    # today's declarations / inspections for every port (PostgreSQL has no skip scan on port_id first)
    ("ix_declarations_declared", "declarations", ["declared_at"]),
    ("ix_inspections_created", "inspections", ["created_at"]),
    # unresolved alerts by port and severity (badge, board) without scanning resolved history
    ("ix_alerts_state_port", "alerts", ["state", "port_id", "severity"]),
    # change token and toast: newest raise
    ("ix_alerts_last_raised", "alerts", ["last_raised_at"]),
    # latest port event / activity feed for a port scope
    ("ix_audit_log_port_id", "audit_log", ["port_id", "id"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
