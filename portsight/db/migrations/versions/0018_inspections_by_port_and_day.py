"""inspections found by port and completion or decision time: a port's day of rollups reads its own rows

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Counting one port's completed or decided inspections of a day (db/rollups.aggregate, after every
# completion and decision) found them through (port_id, created_at): every inspection the port ever had,
# each looked up to test its time. These find the day's range of the port directly, covering the same
# columns as migration 0004's (completed_at, ...) and (decided_at, ...) so that a query of one port
# choosing them reads no table row either.
INDEXES = [
    ("ix_inspections_port_completed", ["port_id", "completed_at", "started_at"]),
    ("ix_inspections_port_decided", ["port_id", "decided_at", "state", "decision", "declaration_id"]),
]


def upgrade() -> None:
    for name, columns in INDEXES:
        op.create_index(name, "inspections", columns)


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, table_name="inspections")
