"""risk profiles (布控): targeted scopes that force or raise inspection, and the declarations they hit

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "risk_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("rate", sa.Float(), nullable=True),
        sa.Column("port_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("hs_prefix", sa.String(length=10), nullable=True),
        sa.Column("origin_country", sa.String(length=2), nullable=True),
        sa.Column("min_value", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("max_value", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deactivated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["port_id"], ["ports.id"], name=op.f("fk_risk_profiles_port_id_ports")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_risk_profiles_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_risk_profiles_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["deactivated_by_id"], ["users.id"], name=op.f("fk_risk_profiles_deactivated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_profiles")),
    )
    op.create_index("ix_risk_profiles_active_expires", "risk_profiles", ["active", "expires_at"], unique=False)
    op.create_table(
        "risk_profile_hits",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", BIG_ID, nullable=False),
        sa.Column("selection_id", BIG_ID, nullable=False),
        sa.Column("fired", sa.Boolean(), nullable=False),
        sa.Column("hit_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["risk_profiles.id"], name=op.f("fk_risk_profile_hits_profile_id_risk_profiles")
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"], name=op.f("fk_risk_profile_hits_declaration_id_declarations")
        ),
        sa.ForeignKeyConstraint(
            ["selection_id"], ["selections.id"], name=op.f("fk_risk_profile_hits_selection_id_selections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_profile_hits")),
        sa.UniqueConstraint("profile_id", "declaration_id", name=op.f("uq_risk_profile_hits_profile_id")),
    )
    op.create_index(op.f("ix_risk_profile_hits_declaration_id"), "risk_profile_hits", ["declaration_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_risk_profile_hits_declaration_id"), table_name="risk_profile_hits")
    op.drop_table("risk_profile_hits")
    op.drop_index("ix_risk_profiles_active_expires", table_name="risk_profiles")
    op.drop_table("risk_profiles")
