"""background exports remember ?dialect=excel and its locale

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01 23:10:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('export_jobs') as batch:
        batch.add_column(sa.Column('excel_locale', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('export_jobs') as batch:
        batch.drop_column('excel_locale')
