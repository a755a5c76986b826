"""counter sources, their runs, and the source of each ledger report

Sources hold their credentials encrypted with ENCRYPTION_KEYS. A run is kept for each poll that
changed something; polls that changed nothing are remembered in Redis only. `source_id` on the
ledger names the source whose poll wrote a report (NULL for reports a client sent).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:30:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coalition.db

# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('counter_sources',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('campaign_id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('interval', sa.Integer(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('credentials_ciphertext', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_polled', coalition.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success', coalition.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.JSON(), nullable=True),
    sa.Column('last_values', sa.JSON(), nullable=True),
    sa.Column('held', sa.JSON(), nullable=True),
    sa.Column('created_date', coalition.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('modified_date', coalition.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_counter_sources_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_counter_sources_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_sources'))
    )
    with op.batch_alter_table('counter_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_sources_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_sources_organization_id'), ['organization_id'], unique=False)

    op.create_table('counter_source_runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('source_id', sa.String(length=36), nullable=False),
    sa.Column('started_date', coalition.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('values', sa.JSON(), nullable=True),
    sa.Column('written', sa.Integer(), nullable=False),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['counter_sources.id'], name=op.f('fk_counter_source_runs_source_id_counter_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_source_runs'))
    )
    with op.batch_alter_table('counter_source_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_source_runs_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_source_runs_started_date'), ['started_date'], unique=False)

    with op.batch_alter_table('signature_reports') as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('signature_reports') as batch_op:
        batch_op.drop_column('source_id')
    with op.batch_alter_table('counter_source_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_source_runs_started_date'))
        batch_op.drop_index(batch_op.f('ix_counter_source_runs_source_id'))
    op.drop_table('counter_source_runs')
    with op.batch_alter_table('counter_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_sources_organization_id'))
        batch_op.drop_index(batch_op.f('ix_counter_sources_campaign_id'))
    op.drop_table('counter_sources')
