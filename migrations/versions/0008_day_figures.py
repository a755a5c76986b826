"""the figure of each key at the end of each day, built from the ledger

Series and metrics replayed the whole ledger of a campaign in Python on every request. The day
figures (signature_day_figures) are written with the tallies from now on; this revision builds
them from the ledger as it stands. It streams each campaign's reports in the order they count,
BATCH rows at a time, and writes the rows BATCH at a time, so memory stays flat whatever the
ledger's size. Each tally learns how many reports its key has (the ledger list's total). The
tallies are share-locked meanwhile: readers go on, reports wait until the migration commits
(it reads the ledger once, sorted by key), so none can be missed. A BRIN index on the
reports' as_of finds one day's reports (the metrics' figures at a moment within a day).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import coalition.db

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 10_000

day_figures = sa.table(
    'signature_day_figures',
    sa.column('campaign_id'), sa.column('organization_id'), sa.column('country'), sa.column('channel'),
    sa.column('day', sa.Date()), sa.column('figure'), sa.column('increment'),
    sa.column('total_as_of', coalition.db.UTCDateTime(timezone=True)),
)
reports = sa.table(
    'signature_reports',
    sa.column('campaign_id'), sa.column('id'), sa.column('organization_id'), sa.column('country'),
    sa.column('channel'), sa.column('mode'), sa.column('count'),
    sa.column('as_of', coalition.db.UTCDateTime(timezone=True)),
)


def _day_rows(campaign_id: str, ledger):
    """Replay one campaign's reports, sorted by key then (as_of, id): the row of each key's day."""
    key = row = None
    figure = previous = 0
    last_total = None
    for report in ledger:
        report_key = (report.organization_id, report.country, report.channel)
        day = report.as_of.date()
        if report_key != key or day != row['day']:
            if row is not None:
                yield row
            if report_key != key:
                key, figure, previous, last_total = report_key, 0, 0, None
            else:
                previous = row['figure']
            row = {'campaign_id': campaign_id, 'organization_id': key[0], 'country': key[1], 'channel': key[2],
                   'day': day, 'figure': 0, 'increment': 0, 'total_as_of': None}
        if report.mode == 'total':
            # Sorted by as_of, so every delta seen so far is at or before this total.
            figure, last_total = report.count, report.as_of
            row['total_as_of'] = report.as_of
        elif last_total is None or report.as_of > last_total:
            figure += report.count
        row['figure'], row['increment'] = figure, figure - previous
    if row is not None:
        yield row


def backfill(connection) -> None:
    campaign_ids = connection.execute(sa.text('SELECT DISTINCT campaign_id FROM signature_tallies')).scalars().all()
    for campaign_id in campaign_ids:
        ledger = connection.execute(
            sa.select(reports.c.organization_id, reports.c.country, reports.c.channel, reports.c.mode,
                      reports.c.count, reports.c.as_of)
            .where(reports.c.campaign_id == campaign_id)
            .order_by(reports.c.organization_id, reports.c.country, reports.c.channel, reports.c.as_of,
                      reports.c.id),
            execution_options={'stream_results': True, 'yield_per': BATCH})
        pending = []
        for row in _day_rows(campaign_id, ledger):
            pending.append(row)
            if len(pending) == BATCH:
                connection.execute(day_figures.insert(), pending)
                pending = []
        if pending:
            connection.execute(day_figures.insert(), pending)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        # Every report writes its tally: none can commit, so none be missed, until this revision does.
        op.execute('LOCK TABLE signature_tallies IN SHARE MODE')
    op.create_table('signature_day_figures',
    sa.Column('campaign_id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('figure', sa.BigInteger(), nullable=False),
    sa.Column('increment', sa.BigInteger(), nullable=False),
    sa.Column('total_as_of', coalition.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('campaign_id', 'organization_id', 'country', 'channel', 'day',
                            name=op.f('pk_signature_day_figures'))
    )
    with op.batch_alter_table('signature_reports', schema=None) as batch_op:
        batch_op.create_index('ix_signature_reports_as_of', ['as_of'], unique=False, postgresql_using='brin')
    with op.batch_alter_table('signature_tallies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_count', sa.BigInteger(), server_default='0', nullable=False))
    op.execute(
        'UPDATE signature_tallies SET report_count = counted.reports FROM (SELECT campaign_id, organization_id, '
        'country, channel, count(*) AS reports FROM signature_reports '
        'GROUP BY campaign_id, organization_id, country, channel) AS counted '
        'WHERE signature_tallies.campaign_id = counted.campaign_id '
        'AND signature_tallies.organization_id = counted.organization_id '
        'AND signature_tallies.country = counted.country AND signature_tallies.channel = counted.channel')
    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('signature_tallies', schema=None) as batch_op:
        batch_op.drop_column('report_count')
    with op.batch_alter_table('signature_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_reports_as_of')
    op.drop_table('signature_day_figures')
