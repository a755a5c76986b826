"""state and authorship per translated field

A translation's fields travel as separate units (PO messages, XLIFF units), so each field keeps
its own state and the client that wrote and approved it. Existing translations give every
translated field the translation's state and authors.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FIELDS = ('title', 'summary', 'body')


def upgrade() -> None:
    with op.batch_alter_table('translations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_states', sa.JSON(), nullable=True))
    translations = sa.table('translations', sa.column('id', sa.String), sa.column('status', sa.String),
                            sa.column('written_by', sa.String), sa.column('approved_by', sa.String),
                            sa.column('field_states', sa.JSON),
                            *(sa.column(name, sa.Text) for name in FIELDS))
    connection = op.get_bind()
    for row in connection.execute(sa.select(translations)).mappings().all():
        states = {name: {'status': row['status'], 'written_by': row['written_by'],
                         'approved_by': row['approved_by']} for name in FIELDS if row[name]}
        connection.execute(translations.update().where(translations.c.id == row['id'])
                           .values(field_states=states))
    with op.batch_alter_table('translations', schema=None) as batch_op:
        batch_op.alter_column('field_states', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('translations', schema=None) as batch_op:
        batch_op.drop_column('field_states')
