"""security: personal access tokens and the admin-action log

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import backend_services.platform.timeutil

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_DT = backend_services.platform.timeutil.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "personal_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC_DT(timezone=True), nullable=False),
        sa.Column("expires_at", UTC_DT(timezone=True), nullable=True),
        sa.Column("last_used_at", UTC_DT(timezone=True), nullable=True),
        sa.Column("revoked_at", UTC_DT(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("personal_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_personal_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "admin_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DT(timezone=True), nullable=False),
        sa.Column("admin_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("admin_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_actions_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_actions_admin_id"), ["admin_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_actions_action"), ["action"], unique=False)


def downgrade() -> None:
    op.drop_table("admin_actions")
    op.drop_table("personal_tokens")
