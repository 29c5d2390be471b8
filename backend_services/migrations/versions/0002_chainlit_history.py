"""chainlit chat history

The tables Chainlit's SQLAlchemyDataLayer (chainlit 2.12, chainlit/data/sql_alchemy.py) reads
and writes with hand-written SQL: users, threads, steps, elements, feedbacks. Column names are
camelCase and quoted, as that SQL expects. Our own accounts live in `accounts`; Chainlit's
`users` only maps a login identifier (our account id) to Chainlit's own user id.

On PostgreSQL the types follow Chainlit's reference schema (UUID, JSONB, TEXT[]); on SQLite
everything is TEXT/INTEGER (the data layer stores JSON there as strings and reads it back).
`steps.command`, `steps."defaultOpen"`, `steps.modes` and `steps."autoCollapse"` are written by
2.12 for every step: without them the INSERT fails and no step is saved.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 20:40:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _types() -> tuple[sa.types.TypeEngine, sa.types.TypeEngine, sa.types.TypeEngine]:
    """(id, json, text-array) column types for the current database."""
    if op.get_bind().dialect.name == "postgresql":
        return postgresql.UUID(), postgresql.JSONB(), postgresql.ARRAY(sa.Text())
    return sa.Text(), sa.Text(), sa.Text()


def upgrade() -> None:
    uid, json, text_array = _types()
    op.create_table(
        'users',
        sa.Column('id', uid, primary_key=True),
        sa.Column('identifier', sa.Text(), nullable=False, unique=True),
        sa.Column('metadata', json, nullable=False),
        sa.Column('createdAt', sa.Text()),
    )
    op.create_table(
        'threads',
        sa.Column('id', uid, primary_key=True),
        sa.Column('createdAt', sa.Text()),
        sa.Column('name', sa.Text()),
        sa.Column('userId', uid, sa.ForeignKey('users.id', ondelete='CASCADE')),
        sa.Column('userIdentifier', sa.Text()),
        sa.Column('tags', text_array),
        sa.Column('metadata', json),
    )
    op.create_index('ix_threads_userId', 'threads', ['userId'])
    op.create_table(
        'steps',
        sa.Column('id', uid, primary_key=True),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('type', sa.Text(), nullable=False),
        sa.Column(
            'threadId', uid, sa.ForeignKey('threads.id', ondelete='CASCADE'), nullable=False
        ),
        sa.Column('parentId', uid),
        sa.Column('streaming', sa.Boolean(), nullable=False),
        sa.Column('waitForAnswer', sa.Boolean()),
        sa.Column('isError', sa.Boolean()),
        sa.Column('metadata', json),
        sa.Column('tags', text_array),
        sa.Column('input', sa.Text()),
        sa.Column('output', sa.Text()),
        sa.Column('createdAt', sa.Text()),
        sa.Column('command', sa.Text()),
        sa.Column('start', sa.Text()),
        sa.Column('end', sa.Text()),
        sa.Column('generation', json),
        sa.Column('showInput', sa.Text()),
        sa.Column('language', sa.Text()),
        sa.Column('indent', sa.Integer()),
        sa.Column('defaultOpen', sa.Boolean()),
        sa.Column('autoCollapse', sa.Boolean()),
        sa.Column('modes', json),
    )
    op.create_index('ix_steps_threadId', 'steps', ['threadId'])
    op.create_table(
        'elements',
        sa.Column('id', uid, primary_key=True),
        sa.Column('threadId', uid, sa.ForeignKey('threads.id', ondelete='CASCADE')),
        sa.Column('type', sa.Text()),
        sa.Column('url', sa.Text()),
        sa.Column('chainlitKey', sa.Text()),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('display', sa.Text()),
        sa.Column('objectKey', sa.Text()),
        sa.Column('size', sa.Text()),
        sa.Column('page', sa.Integer()),
        sa.Column('language', sa.Text()),
        sa.Column('forId', uid),
        sa.Column('mime', sa.Text()),
        sa.Column('props', json),
    )
    op.create_index('ix_elements_threadId', 'elements', ['threadId'])
    op.create_table(
        'feedbacks',
        sa.Column('id', uid, primary_key=True),
        sa.Column('forId', uid, nullable=False),
        sa.Column('threadId', uid, sa.ForeignKey('threads.id', ondelete='CASCADE')),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text()),
    )


def downgrade() -> None:
    op.drop_table('feedbacks')
    op.drop_index('ix_elements_threadId', table_name='elements')
    op.drop_table('elements')
    op.drop_index('ix_steps_threadId', table_name='steps')
    op.drop_table('steps')
    op.drop_index('ix_threads_userId', table_name='threads')
    op.drop_table('threads')
    op.drop_table('users')
