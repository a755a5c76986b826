"""the ledger keyed by campaign and time-ordered id

Every batch of 1000 reports pays for each index entry of the ledger. The index on (campaign,
organization, country, channel, as_of) cost more than half of a batch's time in the database,
and the sequence number, its primary key and the separate unique index on the id added two more
entries per report. Report ids are now time-ordered UUIDs (version 7), so the primary key
(campaign_id, id) keeps a campaign's reports in the order they were made; a BRIN index on
created_date finds the reports made after a moment. Reports written before this revision have
random ids and keep their place in time only by created_date.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 04:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('signature_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_reports_key_as_of')
        batch_op.drop_constraint('uq_signature_reports_id', type_='unique')
        batch_op.drop_constraint('pk_signature_reports', type_='primary')
        batch_op.drop_column('seq')
        batch_op.create_primary_key('pk_signature_reports', ['campaign_id', 'id'])
        batch_op.create_index('ix_signature_reports_created_date', ['created_date'], unique=False,
                              postgresql_using='brin')


def downgrade() -> None:
    with op.batch_alter_table('signature_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_reports_created_date')
        batch_op.drop_constraint('pk_signature_reports', type_='primary')
        batch_op.add_column(sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      sa.Identity(), nullable=False))
        batch_op.create_primary_key('pk_signature_reports', ['seq'])
        batch_op.create_unique_constraint('uq_signature_reports_id', ['id'])
        batch_op.create_index('ix_signature_reports_key_as_of',
                              ['campaign_id', 'organization_id', 'country', 'channel', 'as_of'], unique=False)
