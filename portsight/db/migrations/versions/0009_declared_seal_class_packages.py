"""declared seal class (ISO 17712 I/S/H) on containers and the declared package count on goods lines

Both optional: a declaration that does not give them is not checked against them.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("containers") as batch:
        batch.add_column(sa.Column("declared_seal_class", sa.String(length=1), nullable=True))
    with op.batch_alter_table("goods_lines") as batch:
        batch.add_column(sa.Column("package_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("goods_lines") as batch:
        batch.drop_column("package_count")
    with op.batch_alter_table("containers") as batch:
        batch.drop_column("declared_seal_class")
