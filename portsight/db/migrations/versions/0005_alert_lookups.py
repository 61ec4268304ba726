"""alert lookups: an inspection record's alerts and the alert history by severity read index ranges

Revision ID: 0005
Revises: 0004
"""

from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# From the plans of bench/explain.py on the national dataset:
# - the inspection record reads its alerts by `inspection_id = ? OR declaration_id = ?`, which
#   scanned every alert; with an index on each column it is two index lookups;
# - list_alerts reads one severity at a time, newest first, as a range of (state, severity,
#   last_raised_at, id) instead of sorting every matching alert by the severity's rank. The id
#   is there for PostgreSQL, whose index entries do not carry the primary key that breaks ties
#   (SQLite's end with the rowid anyway).
INDEXES = [
    ("ix_alerts_inspection_id", "alerts", ["inspection_id"]),
    ("ix_alerts_declaration_id", "alerts", ["declaration_id"]),
    ("ix_alerts_state_severity_last_raised", "alerts", ["state", "severity", "last_raised_at", "id"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
