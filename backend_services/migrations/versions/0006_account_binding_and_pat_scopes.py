"""sessions bound to an account version; personal access tokens with scopes

`accounts.auth_version` is raised on every password reset, disable and enable: a signed token
or a chat session carries the version (and the account's creation time) it was issued for,
and is refused once they differ. `personal_tokens.scopes` says what a token may do; the
tokens that exist get `tasks` (their owner's own data, no admin rights).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auth_version", sa.Integer(), nullable=False, server_default="1")
        )
    with op.batch_alter_table("personal_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=100), nullable=False, server_default="tasks")
        )


def downgrade() -> None:
    with op.batch_alter_table("personal_tokens", schema=None) as batch_op:
        batch_op.drop_column("scopes")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("auth_version")
