"""lists (a task's list, "Inbox" by default) and recurrence counted from completion

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server defaults fill the existing rows: every old task is in the Inbox and repeats
    # on its fixed schedule, as before
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("list_name", sa.String(length=100), nullable=False, server_default="Inbox")
        )
        batch_op.add_column(
            sa.Column(
                "repeat_from_completion", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.create_index("ix_tasks_user_list", ["user_id", "list_name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_user_list")
        batch_op.drop_column("repeat_from_completion")
        batch_op.drop_column("list_name")
