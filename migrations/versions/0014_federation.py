"""hub-to-hub federation: organizations of kind hub, their snapshots, upstreams

An organization's `kind` is `organization` (every existing one) or `hub`, another Coalition
instance. `federated_hubs` keeps the last snapshot accepted from each hub (its figures are in the
ledger); `federation_upstreams` the instances this one pushes to, with their client secret
encrypted with ENCRYPTION_KEYS.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 05:22:06.423427

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import coalition.db


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('federated_hubs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('campaign_id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('instance', sa.String(length=300), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('as_of', coalition.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('origin', sa.JSON(), nullable=False),
    sa.Column('organizations', sa.JSON(), nullable=False),
    sa.Column('received_date', coalition.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_date', coalition.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('modified_date', coalition.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_federated_hubs_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_federated_hubs_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federated_hubs')),
    sa.UniqueConstraint('campaign_id', 'organization_id', name=op.f('uq_federated_hubs_campaign_id'))
    )
    with op.batch_alter_table('federated_hubs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_federated_hubs_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('federation_upstreams',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('campaign_id', sa.String(length=36), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('upstream_campaign', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=200), nullable=False),
    sa.Column('client_secret_ciphertext', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('pushed_digest', sa.String(length=64), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_attempt_date', coalition.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_date', coalition.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('last_applied', sa.Boolean(), nullable=True),
    sa.Column('next_attempt_date', coalition.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_date', coalition.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('modified_date', coalition.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_federation_upstreams_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_upstreams')),
    sa.UniqueConstraint('campaign_id', 'url', 'upstream_campaign', name=op.f('uq_federation_upstreams_campaign_id'))
    )
    with op.batch_alter_table('federation_upstreams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_federation_upstreams_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_federation_upstreams_next_attempt_date'), ['next_attempt_date'], unique=False)

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='organization', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('federation_upstreams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_federation_upstreams_next_attempt_date'))
        batch_op.drop_index(batch_op.f('ix_federation_upstreams_campaign_id'))

    op.drop_table('federation_upstreams')
    with op.batch_alter_table('federated_hubs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_federated_hubs_campaign_id'))

    op.drop_table('federated_hubs')
