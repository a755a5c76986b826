"""the figure of each key at the end of each day, built from the ledger in batches, on a live database

Series and metrics replayed the whole ledger of a campaign in Python on every request. The day
figures (signature_day_figures) are written with the tallies from now on; this revision builds
them from the ledger as it stands, and teaches each tally how many reports its key has
(`report_count`, the ledger list's total). A BRIN index on the reports' as_of finds one day's
reports (the metrics' figures at a moment within a day).

On PostgreSQL it runs while the app serves. The new table and column are committed first (a
column with a constant default costs no rewrite); then, outside that transaction, the index is
built CONCURRENTLY and the backfill runs in batches, each its own short transaction:

1. One pass streams each campaign's ledger, sorted by key, from a separate connection: one
   statement, one snapshot, no lock that stops a write. Every BATCH reports (whole keys), one
   transaction locks those keys' tallies FOR UPDATE in key order (as reports do), replaces
   their day figures by the replay and sets their report_count to the reports replayed.
2. Reports that commit while this runs, from the old code (which writes no day figures and
   leaves report_count alone) or the new one (which writes both, from whatever it finds), may
   be missing from the snapshot. Every such key ends with a report_count that differs from its
   number of reports: the old code leaves the count behind, and a batch that replaced what the
   new code wrote set the snapshot's count. So each heal pass compares the two for every tally
   (one statement: one snapshot of both) and rebuilds the keys that differ, in batches that lock
   their tallies first and only then read their ledger: no report of a locked key can commit
   meanwhile, so the rebuild is complete. It repeats until no key differs. A key the backfill
   rebuilds is replaced whole, so a rebuild is idempotent, and one the new code writes after
   its rebuild only moves forward from correct rows: nothing is lost or counted twice.
3. Old code that keeps writing could outrun the passes: after HEAL_PASSES the last pass holds a
   SHARE lock on the tallies (reports wait, readers go on) for the length of one pass.

Reports old processes take after this revision has committed are in no day figure: replace them
with the new code right after the upgrade (as a release phase does). SQLite has one writer at a
time: there the backfill runs in the migration's transaction. DAY_FIGURES_BATCH (default 10000)
sets the number of reports per batch.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:30:00

"""
import json
import logging
import os
from collections.abc import Callable
from itertools import groupby
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import coalition.db

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = int(os.environ.get('DAY_FIGURES_BATCH', '10000'))
# At most this many keys per batch: SQLite binds three values per key in the statements naming them.
KEYS_PER_BATCH = 1000
HEAL_PASSES = 5

log = logging.getLogger('alembic.runtime.migration')

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
tallies = sa.table('signature_tallies', sa.column('campaign_id'), sa.column('organization_id'),
                   sa.column('country'), sa.column('channel'), sa.column('report_count'))
KEY_ORDER = (reports.c.organization_id, reports.c.country, reports.c.channel, reports.c.as_of, reports.c.id)
# One statement, so one snapshot of the tallies and the ledger.
MISMATCHED = sa.text(
    'SELECT t.campaign_id, t.organization_id, t.country, t.channel FROM signature_tallies AS t LEFT JOIN '
    '(SELECT campaign_id, organization_id, country, channel, count(*) AS reports FROM signature_reports '
    'GROUP BY campaign_id, organization_id, country, channel) AS r ON r.campaign_id = t.campaign_id '
    'AND r.organization_id = t.organization_id AND r.country = t.country AND r.channel = t.channel '
    'WHERE t.report_count <> coalesce(r.reports, 0) ORDER BY 1, 2, 3, 4')


def _key_days(campaign_id: str, key: tuple, ledger) -> list[dict]:
    """Replay one key's reports, sorted by (as_of, id): the row of each day that has reports."""
    rows = []
    row = None
    figure = previous = 0
    last_total = None
    for report in ledger:
        day = report.as_of.date()
        if row is None or day != row['day']:
            if row is not None:
                previous = row['figure']
            row = {'campaign_id': campaign_id, 'organization_id': key[0], 'country': key[1], 'channel': key[2],
                   'day': day, 'figure': 0, 'increment': 0, 'total_as_of': None}
            rows.append(row)
        if report.mode == 'total':
            # Sorted by as_of, so every delta seen so far is at or before this total.
            figure, last_total = report.count, report.as_of
            row['total_as_of'] = report.as_of
        elif last_total is None or report.as_of > last_total:
            figure += report.count
        row['figure'], row['increment'] = figure, figure - previous
    return rows


def _by_key(campaign_id: str, ledger, batch: int):
    """Lists of (key, day rows, reports) holding about `batch` reports each, from a ledger sorted by key."""
    pending, reports_pending = [], 0
    for key, key_ledger in groupby(ledger, key=lambda report: (report.organization_id, report.country,
                                                              report.channel)):
        key_ledger = list(key_ledger)
        pending.append((key, _key_days(campaign_id, key, key_ledger), len(key_ledger)))
        reports_pending += len(key_ledger)
        if reports_pending >= batch or len(pending) == KEYS_PER_BATCH:
            yield pending
            pending, reports_pending = [], 0
    if pending:
        yield pending


def _of_keys(connection, table, campaign_id: str, keys: list[tuple]):
    key = sa.tuple_(table.c.organization_id, table.c.country, table.c.channel)
    if connection.dialect.name != 'postgresql':
        return sa.and_(table.c.campaign_id == campaign_id, key.in_(keys))
    # A list of row values is tested one by one against every row; a subquery joins (by hash).
    listed = sa.text("SELECT k->>0, k->>1, k->>2 FROM json_array_elements(CAST(:keys AS json)) AS k").bindparams(
        keys=json.dumps(keys)).columns(sa.column('organization_id'), sa.column('country'), sa.column('channel'))
    return sa.and_(table.c.campaign_id == campaign_id, key.in_(listed))


def _lock(connection, campaign_id: str, keys: list[tuple]) -> None:
    """Lock the keys' tallies in key order, as reports do, until the batch commits."""
    connection.execute(sa.select(tallies.c.campaign_id).where(_of_keys(connection, tallies, campaign_id, keys))
                       .order_by(tallies.c.organization_id, tallies.c.country, tallies.c.channel)
                       .with_for_update())


# PostgreSQL: a batch's rows and counts travel as one JSON document each, as the app's do; row
# by row, the statements cost the backfill most of its time.
INSERT_DAYS = sa.text(
    'INSERT INTO signature_day_figures (campaign_id, organization_id, country, channel, day, figure, increment, '
    'total_as_of) SELECT :campaign_id, d.* FROM json_to_recordset(CAST(:rows AS json)) AS d(organization_id varchar, '
    'country varchar, channel varchar, day date, figure bigint, increment bigint, total_as_of timestamptz)')
UPDATE_COUNTS = sa.text(
    'UPDATE signature_tallies AS t SET report_count = k.reports FROM json_to_recordset(CAST(:counts AS json)) '
    'AS k(organization_id varchar, country varchar, channel varchar, reports bigint) WHERE t.campaign_id = '
    ':campaign_id AND t.organization_id = k.organization_id AND t.country = k.country AND t.channel = k.channel')


def _replace(connection, campaign_id: str, computed: list[tuple]) -> None:
    """Replace the day figures and report counts of the keys of `computed` (their tallies locked)."""
    keys = [key for key, _, _ in computed]
    connection.execute(day_figures.delete().where(_of_keys(connection, day_figures, campaign_id, keys)))
    rows = [row for _, key_rows, _ in computed for row in key_rows]
    counts = [{'organization_id': key[0], 'country': key[1], 'channel': key[2], 'reports': count}
              for key, _, count in computed]
    if connection.dialect.name == 'postgresql':
        for row in rows:
            row.pop('campaign_id')
            row['day'] = row['day'].isoformat()
            row['total_as_of'] = row['total_as_of'] and row['total_as_of'].isoformat()
        if rows:
            connection.execute(INSERT_DAYS, {'campaign_id': campaign_id, 'rows': json.dumps(rows)})
        connection.execute(UPDATE_COUNTS, {'campaign_id': campaign_id, 'counts': json.dumps(counts)})
        return
    if rows:
        connection.execute(day_figures.insert(), rows)
    connection.execute(
        tallies.update().where(tallies.c.campaign_id == campaign_id,
                               tallies.c.organization_id == sa.bindparam('b_organization_id'),
                               tallies.c.country == sa.bindparam('b_country'),
                               tallies.c.channel == sa.bindparam('b_channel'))
        .values(report_count=sa.bindparam('b_reports')),
        [{f'b_{name}': value for name, value in count.items()} for count in counts])


def _ledger(connection, campaign_id: str, keys: list[tuple] | None = None):
    statement = sa.select(reports.c.organization_id, reports.c.country, reports.c.channel, reports.c.mode,
                          reports.c.count, reports.c.as_of).where(reports.c.campaign_id == campaign_id)
    if keys is not None:
        statement = statement.where(_of_keys(connection, reports, campaign_id, keys))
    return connection.execute(statement.order_by(*KEY_ORDER),
                              execution_options={'stream_results': True, 'yield_per': BATCH})


def _rebuild(connection, campaign_id: str, keys: list[tuple], batch: int) -> int:
    """Lock the keys' tallies, then replay their ledger: complete, as no report of theirs can commit."""
    _lock(connection, campaign_id, keys)
    computed = [item for group in _by_key(campaign_id, _ledger(connection, campaign_id, keys), batch)
                for item in group]
    found = {key for key, _, _ in computed}
    # A key without reports (none to replay) still learns its count: none.
    _replace(connection, campaign_id, computed + [(key, [], 0) for key in keys if key not in found])
    return sum(count for _, _, count in computed)


def _key_batches(mismatched: list) -> list[tuple[str, list[tuple]]]:
    batches = []
    for campaign_id, rows in groupby(mismatched, key=lambda row: row[0]):
        keys = [tuple(row[1:]) for row in rows]
        batches += [(campaign_id, keys[start:start + KEYS_PER_BATCH]) for start in range(0, len(keys), KEYS_PER_BATCH)]
    return batches


def _heal(connection, batch: int, on_batch: Callable[[int], None]) -> None:
    """Rebuild every key whose report_count is not its number of reports, until none is left."""
    for _ in range(HEAL_PASSES):
        with connection.begin():
            mismatched = connection.execute(MISMATCHED).all()
        if not mismatched:
            return
        for campaign_id, keys in _key_batches(mismatched):
            with connection.begin():
                replayed = _rebuild(connection, campaign_id, keys, batch)
            on_batch(replayed)
    # The old code outran the passes: one more, during which reports wait.
    with connection.begin():
        connection.execute(sa.text('LOCK TABLE signature_tallies IN SHARE MODE'))
        replayed = sum(_rebuild(connection, campaign_id, keys, batch)
                       for campaign_id, keys in _key_batches(connection.execute(MISMATCHED).all()))
    on_batch(replayed)


def _campaigns(connection) -> list[str]:
    return connection.execute(sa.text('SELECT DISTINCT campaign_id FROM signature_tallies ORDER BY campaign_id')
                              ).scalars().all()


def backfill(connection, batch: int = BATCH, on_batch: Callable[[int], None] = lambda reports: None) -> None:
    """Build every key's day figures and report_count; `on_batch` hears of each batch committed."""
    if connection.dialect.name != 'postgresql':
        for campaign_id in _campaigns(connection):
            for computed in _by_key(campaign_id, _ledger(connection, campaign_id), batch):
                _replace(connection, campaign_id, computed)
        return
    with connection.engine.connect() as reader, connection.engine.connect() as writer:
        for campaign_id in _campaigns(reader):
            for computed in _by_key(campaign_id, _ledger(reader, campaign_id), batch):
                with writer.begin():
                    _lock(writer, campaign_id, [key for key, _, _ in computed])
                    _replace(writer, campaign_id, computed)
                on_batch(sum(count for _, _, count in computed))
            reader.commit()
        _heal(writer, batch, on_batch)


def upgrade() -> None:
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
    with op.batch_alter_table('signature_tallies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_count', sa.BigInteger(), server_default='0', nullable=False))
    if op.get_bind().dialect.name != 'postgresql':
        op.create_index('ix_signature_reports_as_of', 'signature_reports', ['as_of'], unique=False)
        backfill(op.get_bind())
        return
    # Commits the table and the column: from here on nothing is held but each batch's locks.
    with op.get_context().autocommit_block():
        op.create_index('ix_signature_reports_as_of', 'signature_reports', ['as_of'], unique=False,
                        postgresql_using='brin', postgresql_concurrently=True)
        replayed = [0]

        def progress(reports: int) -> None:
            replayed[0] += reports
            log.info('Day figures: %d reports replayed.', replayed[0])

        backfill(op.get_bind(), on_batch=progress)


def downgrade() -> None:
    with op.batch_alter_table('signature_tallies', schema=None) as batch_op:
        batch_op.drop_column('report_count')
    with op.batch_alter_table('signature_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_reports_as_of')
    op.drop_table('signature_day_figures')
