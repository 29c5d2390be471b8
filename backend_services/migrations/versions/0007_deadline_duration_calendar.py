"""deadlines and durations on tasks; the calendar feed's secret

`tasks.deadline` is the date a task must be done by (a date, never repeated), apart from
`due_at` (when the person plans to do it); `tasks.duration_minutes` is how long it takes.
`calendar_feeds` holds one row per user who turned the calendar feed on: a random nonce (the
URL's secret is its HMAC under the service's signing key, so the row alone yields no URL) and
the SHA-256 of that secret, looked up per request; rotating or deleting the row kills the URL.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

import backend_services.platform.timeutil

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_DT = backend_services.platform.timeutil.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("duration_minutes", sa.Integer(), nullable=True))
        batch_op.create_index("ix_tasks_deadline", ["deadline"], unique=False)
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DT(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("secret_hash"),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_deadline")
        batch_op.drop_column("duration_minutes")
        batch_op.drop_column("deadline")
