"""containers leave the gate one by one; credit changes are dated and attributed; numbers read
from photos are kept with what the inspector confirmed

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "gate_exits",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("receipt_id", BIG_ID, nullable=False),
        sa.Column("container_id", BIG_ID, nullable=True),
        sa.Column("truck_plate", sa.String(length=16), nullable=False),
        sa.Column("seal_seen", sa.String(length=32), nullable=True),
        sa.Column("seal_matches", sa.Boolean(), nullable=True),
        sa.Column("gate", sa.String(length=64), nullable=False),
        sa.Column("exited_at", TZ, nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["release_receipts.id"], name=op.f("fk_gate_exits_receipt_id_release_receipts")
        ),
        sa.ForeignKeyConstraint(
            ["container_id"], ["containers.id"], name=op.f("fk_gate_exits_container_id_containers")
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_gate_exits_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_exits")),
        sa.UniqueConstraint("receipt_id", "container_id", name=op.f("uq_gate_exits_receipt_id")),
    )
    op.create_index(op.f("ix_gate_exits_receipt_id"), "gate_exits", ["receipt_id"])
    with op.batch_alter_table("enterprise_credit_history") as batch:
        batch.add_column(sa.Column("recorded_at", TZ, nullable=True))
        batch.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=True))
        batch.create_foreign_key(
            op.f("fk_enterprise_credit_history_recorded_by_id_users"), "users", ["recorded_by_id"], ["id"]
        )
    op.create_table(
        "number_readings",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("inspection_id", BIG_ID, nullable=False),
        sa.Column("step_key", sa.String(length=64), nullable=True),
        sa.Column("container_id", BIG_ID, nullable=True),
        sa.Column("evidence_id", BIG_ID, nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("proposed", sa.String(length=32), nullable=True),
        sa.Column("read_text", sa.String(length=120), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("box", sa.JSON(), nullable=True),
        sa.Column("confirmed", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("read_at", TZ, nullable=False),
        sa.Column("confirmed_at", TZ, nullable=True),
        sa.Column("read_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_number_readings_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(
            ["container_id"], ["containers.id"], name=op.f("fk_number_readings_container_id_containers")
        ),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"], name=op.f("fk_number_readings_evidence_id_evidence")),
        sa.ForeignKeyConstraint(["read_by_id"], ["users.id"], name=op.f("fk_number_readings_read_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_readings")),
    )
    op.create_index(op.f("ix_number_readings_inspection_id"), "number_readings", ["inspection_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_number_readings_inspection_id"), table_name="number_readings")
    op.drop_table("number_readings")
    with op.batch_alter_table("enterprise_credit_history") as batch:
        batch.drop_constraint(op.f("fk_enterprise_credit_history_recorded_by_id_users"), type_="foreignkey")
        batch.drop_column("source")
        batch.drop_column("recorded_by_id")
        batch.drop_column("recorded_at")
    op.drop_index(op.f("ix_gate_exits_receipt_id"), table_name="gate_exits")
    op.drop_table("gate_exits")
