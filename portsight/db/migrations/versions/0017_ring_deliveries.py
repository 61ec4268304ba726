"""a ring of an expert is delivered through the notification channels like an alert

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ONE_SUBJECT = "(alert_id IS NULL) <> (assist_ring_id IS NULL)"


def upgrade() -> None:
    with op.batch_alter_table("notification_deliveries") as batch:
        batch.alter_column("alert_id", existing_type=BIG_ID, nullable=True)
        batch.add_column(sa.Column("assist_ring_id", BIG_ID, nullable=True))
        batch.create_foreign_key(
            op.f("fk_notification_deliveries_assist_ring_id_assist_rings"), "assist_rings", ["assist_ring_id"], ["id"]
        )
        batch.create_unique_constraint(
            op.f("uq_notification_deliveries_assist_ring_id"), ["assist_ring_id", "subscription_id"]
        )
        batch.create_check_constraint(op.f("ck_notification_deliveries_one_subject"), ONE_SUBJECT)


def downgrade() -> None:
    op.execute("DELETE FROM notification_deliveries WHERE alert_id IS NULL")
    with op.batch_alter_table("notification_deliveries") as batch:
        batch.drop_constraint(op.f("ck_notification_deliveries_one_subject"), type_="check")
        batch.drop_constraint(op.f("uq_notification_deliveries_assist_ring_id"), type_="unique")
        batch.drop_constraint(op.f("fk_notification_deliveries_assist_ring_id_assist_rings"), type_="foreignkey")
        batch.drop_column("assist_ring_id")
        batch.alter_column("alert_id", existing_type=BIG_ID, nullable=False)
