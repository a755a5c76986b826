"""On PostgreSQL a CSV export of the ledger is written by COPY with its cells formatted in SQL:
the file must hold the very bytes the engine writes from the rows in Python."""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from datetime import UTC, date, datetime

import pytest

from coalition.campaigns.models import SignatureReport
from coalition.extensions import db
from coalition.metrics import operations
from coalition.metrics.cells import PLAIN_CSV, excel_dialect
from coalition.metrics.datasets import REGISTRY, ExportScope
from coalition.metrics.formats import write_csv, write_data_package
from tests import factories

REASONS = ['=HYPERLINK("https://evil.example","open")', "+1", "-2", "@SUM(A1)", "\ttab", "\rreturn",
           "plain", 'a "quoted", comma', "two\nlines", "", None, "'already quoted", "émigré ✓",
           # COPY's own quote character in the data, alone, in runs, at either end.
           "ctl\x01mid", "\x01\x01\x01lead", "end\x01", "\x01"]


@pytest.fixture
def hostile_ledger(db_session):
    campaign = factories.make_campaign(starts_on=date(2026, 1, 1))
    member, other = factories.make_organization(), factories.make_organization()
    for number, reason in enumerate(REASONS):
        as_of = datetime(2026, 3, 1, 12, 0, number, 123456 * (number % 2), tzinfo=UTC)
        db.session.add(SignatureReport(
            campaign_id=campaign.id, organization_id=(member if number % 3 else other).id, country="DE",
            channel="paper", mode="delta" if number % 4 else "total", count=number - 5, as_of=as_of,
            reason=reason, figure=number * 10, created_date=as_of,
            source_id="7e2b9c4d-1a3f-4e5b-8c6d-9f0a1b2c3d4e" if number % 2 else None))
    db.session.flush()
    return campaign, member


def _both_ways(campaign, scope, write, dialect=PLAIN_CSV):
    dataset = REGISTRY["signatures"]
    by_database = operations.export_content(dataset, campaign, scope, None, dialect)
    assert by_database.csv_lines is not None
    in_python = dataclasses.replace(by_database, csv_lines=None)
    return b"".join(write(by_database)), b"".join(write(in_python))


@pytest.mark.postgres_only
@pytest.mark.parametrize("whose", ["coalition", "member"])
def test_the_ledger_written_by_postgresql_equals_the_ledger_written_in_python(hostile_ledger, whose):
    campaign, member = hostile_ledger
    scope = ExportScope(organization_id=None if whose == "coalition" else member.id)
    by_database, in_python = _both_ways(campaign, scope, write_csv)
    assert by_database == in_python
    rows = list(csv.DictReader(io.StringIO(by_database.decode("utf-8"), newline="")))
    assert len(rows) == (len(REASONS) if whose == "coalition" else sum(1 for n in range(len(REASONS)) if n % 3))
    reasons = {row["reason"] for row in rows}
    assert reasons & {"'-2", "'\ttab"} and not reasons & {"-2", "\ttab"}
    assert {row["source"] for row in rows} == {"", "7e2b9c4d-1a3f-4e5b-8c6d-9f0a1b2c3d4e"}
    # Microseconds only when there are any, as datetime.isoformat writes them.
    assert {len(row["as_of (UTC)"]) for row in rows} == {len("2026-03-01 12:00:00"),
                                                         len("2026-03-01 12:00:01.123456")}


@pytest.mark.postgres_only
def test_the_ledger_for_excel_written_by_postgresql_equals_the_ledger_written_in_python(hostile_ledger):
    campaign, _member = hostile_ledger
    by_database, in_python = _both_ways(campaign, ExportScope(organization_id=None), write_csv,
                                        excel_dialect(","))
    assert by_database == in_python
    assert by_database.startswith(b"\xef\xbb\xbf") and b";" in by_database.splitlines()[1]


@pytest.mark.postgres_only
def test_the_data_package_holds_the_same_ledger_written_by_postgresql(hostile_ledger):
    campaign, _member = hostile_ledger
    packages = _both_ways(campaign, ExportScope(organization_id=None), write_data_package)
    by_database, in_python = (zipfile.ZipFile(io.BytesIO(package)).read("data/signatures.csv")
                              for package in packages)
    assert by_database == in_python
    assert by_database.count(b"\r\n") >= len(REASONS) + 1


@pytest.mark.postgres_only
def test_a_download_ended_early_ends_the_databases_copy(db_session):
    from psycopg.pq import TransactionStatus

    campaign = factories.make_campaign(starts_on=date(2026, 1, 1))
    member = factories.make_organization()
    as_of = datetime(2026, 3, 1, 12, tzinfo=UTC)
    db.session.add_all([SignatureReport(campaign_id=campaign.id, organization_id=member.id, country="DE",
                                        channel="paper", mode="delta", count=1, as_of=as_of, figure=number,
                                        created_date=as_of) for number in range(2500)])
    db.session.flush()
    content = operations.export_content(REGISTRY["signatures"], campaign, ExportScope(organization_id=None), None)
    chunks = write_csv(content)
    next(chunks), next(chunks)  # the header, then the first lines: the COPY is under way
    connection = db.session.connection().connection.driver_connection
    assert connection.info.transaction_status == TransactionStatus.ACTIVE
    chunks.close()  # as the server does when the client goes away; `content` still holds the reader
    # The COPY is over (cancelled, or its last rows read): the connection takes the next statement.
    assert connection.info.transaction_status != TransactionStatus.ACTIVE
