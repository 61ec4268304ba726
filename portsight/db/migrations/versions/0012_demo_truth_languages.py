"""simulated audit entries, enterprises' English names, alert titles as message keys

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("enterprises", sa.Column("name_en", sa.String(length=200), nullable=True))
    op.add_column("alerts", sa.Column("title_key", sa.String(length=80), nullable=True))
    op.add_column("alerts", sa.Column("title_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("alerts", "title_params")
    op.drop_column("alerts", "title_key")
    op.drop_column("enterprises", "name_en")
    op.drop_column("audit_log", "simulated")
