"""ledger indexes that grow at their right edge

The index on (campaign, organization, country, channel, as_of) cost more than half of the time
a batch of 1000 reports spends in the database; reading the campaign's reports in order and
finding those made after a moment is all the ledger is asked for.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 04:10:00

"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('signature_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_reports_key_as_of')
        batch_op.create_index('ix_signature_reports_campaign_seq', ['campaign_id', 'seq'], unique=False)
        batch_op.create_index('ix_signature_reports_created_date', ['created_date'], unique=False,
                              postgresql_using='brin')


def downgrade() -> None:
    with op.batch_alter_table('signature_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_reports_created_date')
        batch_op.drop_index('ix_signature_reports_campaign_seq')
        batch_op.create_index('ix_signature_reports_key_as_of',
                              ['campaign_id', 'organization_id', 'country', 'channel', 'as_of'], unique=False)
