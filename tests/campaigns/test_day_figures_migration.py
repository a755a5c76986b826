"""Migration 0008 builds the day figures from a ledger written before they existed, in batches,
while reports go on being written (PostgreSQL)."""

from __future__ import annotations

import importlib.util
import random
import threading
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Date, create_engine, text
from sqlalchemy import column as typed_column
from sqlalchemy import table as typed_table

from coalition.cli import alembic_config
from coalition.db import UTCDateTime
from tests.campaigns.test_day_figures import replay

SCHEMA = "ledger_migration_test"


def old_table(name: str, *names: str, dates=(), times=()):
    """A table as revision 0007 had it, typed as the app wrote it (SQLite keeps times as text)."""
    return typed_table(name, *[typed_column(n) for n in names], *[typed_column(n, Date()) for n in dates],
                       *[typed_column(n, UTCDateTime()) for n in times])


@pytest.fixture
def empty_database(app, backend, tmp_path):
    """An engine on an empty database of the test's backend (a schema of its own on PostgreSQL)."""
    if backend == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    engine = create_engine(app.extensions["coalition.config"].database_url,
                           connect_args={"options": f"-csearch_path={SCHEMA}"})
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    yield engine
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
    engine.dispose()


def upgrade(connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    connection.commit()


def write_old_ledger(connection, rng: random.Random) -> list[dict]:
    """A campaign, two organizations, their tallies and a ledger with random (pre-0007) ids."""
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    connection.execute(old_table(
        "campaigns", "id", "slug", "title", "kind", "status", "signature_goal", "source_locale", "locales",
        "expected_validity_rate", dates=("starts_on", "ends_on"), times=("created_date", "modified_date"),
    ).insert(), {"id": "c1", "slug": "old", "title": "Old", "kind": "eci", "status": "live", "signature_goal": 1,
                 "source_locale": "en", "locales": "[]", "expected_validity_rate": 0.85,
                 "starts_on": date(2026, 6, 1), "ends_on": date(2026, 12, 31), "created_date": now,
                 "modified_date": now})
    connection.execute(old_table("organizations", "id", "slug", "name", "country", "role", "status",
                                 times=("created_date", "modified_date")).insert(), [
        {"id": o, "slug": o, "name": o, "country": "DE", "role": "member", "status": "active", "created_date": now,
         "modified_date": now} for o in ("o1", "o2")])
    keys = [(o, c, ch) for o in ("o1", "o2") for c in ("DE", "FR") for ch in ("paper", "online")]
    connection.execute(old_table("signature_tallies", "campaign_id", "organization_id", "country", "channel",
                                 "delta_sum", "figure", times=("modified_date",)).insert(), [
        {"campaign_id": "c1", "organization_id": o, "country": c, "channel": ch, "delta_sum": 0, "figure": 0,
         "modified_date": now} for o, c, ch in keys])
    midnights = [datetime.combine(date(2026, 6, 1) + timedelta(days=d), time.min, tzinfo=UTC) for d in range(25)]
    moments = midnights + [midnights[0] + timedelta(seconds=rng.randrange(0, 25 * 86400)) for _ in range(40)]
    reports = []
    for _ in range(400):
        organization, country, channel = rng.choice(keys)
        as_of = rng.choice(moments)
        reports.append({"id": str(uuid.uuid4()), "o": organization, "c": country, "ch": channel,
                        "mode": "total" if rng.random() < 0.3 else "delta", "count": rng.randrange(0, 500),
                        "as_of": as_of, "created": as_of + timedelta(hours=rng.randrange(0, 48))})
    connection.execute(old_table("signature_reports", "campaign_id", "id", "organization_id", "country",
                                 "channel", "mode", "count", "figure", times=("as_of", "created_date")).insert(), [
        {"campaign_id": "c1", "id": r["id"], "organization_id": r["o"], "country": r["c"], "channel": r["ch"],
         "mode": r["mode"], "count": r["count"], "figure": 0, "as_of": r["as_of"], "created_date": r["created"]}
        for r in reports])
    connection.commit()
    return reports


def expected_day_rows(reports: list[dict]) -> dict[tuple, tuple]:
    by_key = defaultdict(list)
    for report in reports:
        by_key[(report["o"], report["c"], report["ch"])].append(
            type("Report", (), {"as_of": report["as_of"], "id": report["id"], "mode": report["mode"],
                                "count": report["count"]}))
    rows = {}
    for key, key_reports in by_key.items():
        previous = 0
        for day in sorted({r.as_of.date() for r in key_reports}):
            end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC) - timedelta(microseconds=1)
            figure = replay(key_reports, end)
            totals = [r.as_of for r in key_reports if r.mode == "total" and r.as_of.date() == day]
            rows[(*key, day)] = (figure, figure - previous, max(totals) if totals else None)
            previous = figure
    return rows


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def as_utc(value) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def stored_day_rows(connection) -> dict[tuple, tuple]:
    return {
        (row.organization_id, row.country, row.channel, as_date(row.day)):
            (int(row.figure), int(row.increment), as_utc(row.total_as_of))
        for row in connection.execute(text(
            "SELECT organization_id, country, channel, day, figure, increment, total_as_of "
            "FROM signature_day_figures WHERE campaign_id = 'c1'"))
    }


def stored_report_counts(connection) -> dict[tuple, int]:
    return {(row[0], row[1], row[2]): row[3] for row in connection.execute(text(
        "SELECT organization_id, country, channel, report_count FROM signature_tallies"))}


def expected_report_counts(reports: list[dict], keys) -> dict[tuple, int]:
    counts = defaultdict(int)
    for report in reports:
        counts[(report["o"], report["c"], report["ch"])] += 1
    return {key: counts[key] for key in keys}


def load_migration():
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0008_day_figures.py"
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def test_the_migration_builds_day_figures_equal_to_a_replay_of_the_old_ledger(empty_database, monkeypatch):
    # Batches of 7 reports: the 400 reports of 8 keys take a batch per key.
    monkeypatch.setenv("DAY_FIGURES_BATCH", "7")
    with empty_database.connect() as connection:
        upgrade(connection, "0007")
        reports = write_old_ledger(connection, random.Random(12))
        upgrade(connection, "0008")
        stored = stored_day_rows(connection)
        report_counts = stored_report_counts(connection)
    assert stored == expected_day_rows(reports)
    assert report_counts == expected_report_counts(reports, report_counts)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_the_backfill_gives_the_same_rows_in_batches_of_any_size(empty_database, seed):
    """A batch holds whole keys: however small, the rows are those of a replay."""
    migration = load_migration()
    batches = []
    with empty_database.connect() as connection:
        upgrade(connection, "0008")
        reports = write_old_ledger(connection, random.Random(seed))
        migration.backfill(connection, batch=1 + seed * 10, on_batch=batches.append)
        connection.commit()
        stored = stored_day_rows(connection)
        report_counts = stored_report_counts(connection)
    assert stored == expected_day_rows(reports)
    assert report_counts == expected_report_counts(reports, report_counts)
    if connection.dialect.name == "postgresql":
        assert len(batches) > 3 and sum(batches) == len(reports)


def write_like_0007(engine, report: dict) -> None:
    """A report as the code of revision 0007 writes it: tally locked, report appended, no day figure."""
    with engine.connect() as connection:
        connection.execute(text("SET lock_timeout = '5s'"))
        key = {"o": report["o"], "c": report["c"], "ch": report["ch"]}
        connection.execute(text(
            "SELECT figure FROM signature_tallies WHERE campaign_id = 'c1' AND organization_id = :o "
            "AND country = :c AND channel = :ch FOR UPDATE"), key)
        connection.execute(text(
            "INSERT INTO signature_reports (campaign_id, id, organization_id, country, channel, mode, count, figure, "
            "as_of, created_date) VALUES ('c1', :id, :o, :c, :ch, :mode, :count, 0, :as_of, :as_of)"),
            {**key, "id": report["id"], "mode": report["mode"], "count": report["count"], "as_of": report["as_of"]})
        connection.execute(text(
            "UPDATE signature_tallies SET modified_date = now() WHERE campaign_id = 'c1' AND organization_id = :o "
            "AND country = :c AND channel = :ch"), key)
        connection.commit()


@pytest.mark.postgres_only
@pytest.mark.parametrize("heal_passes", [5, 0])
def test_reports_written_during_the_backfill_neither_wait_for_it_nor_go_missing(empty_database, backend,
                                                                                 monkeypatch, heal_passes):
    """Right after the first batch commits, the old code writes reports for a key already built
    and for keys still to come; each write must finish within seconds, not wait for the end.
    Without heal passes, the last pass (under the lock) finds them."""
    migration = load_migration()
    monkeypatch.setattr(migration, "HEAL_PASSES", heal_passes)
    written = []
    finished = []

    def write_during_the_backfill(reports_replayed: int) -> None:
        if written:
            return
        moment = datetime(2026, 6, 12, 15, tzinfo=UTC)
        for key, mode, count in ((("o1", "DE", "online"), "delta", 17), (("o2", "FR", "paper"), "total", 9000),
                                 (("o1", "FR", "online"), "delta", 3)):
            report = {"id": str(uuid.uuid4()), "o": key[0], "c": key[1], "ch": key[2], "mode": mode,
                      "count": count, "as_of": moment}
            written.append(report)
            writer = threading.Thread(target=lambda r=report: (write_like_0007(empty_database, r),
                                                               finished.append(r["id"])))
            writer.start()
            writer.join(timeout=10)
        assert len(finished) == len(written), "a report waited for the backfill"

    with empty_database.connect() as connection:
        upgrade(connection, "0008")
        reports = write_old_ledger(connection, random.Random(9))
        migration.backfill(connection, batch=20, on_batch=write_during_the_backfill)
        connection.commit()
        stored = stored_day_rows(connection)
        report_counts = stored_report_counts(connection)
    assert len(finished) == 3
    assert stored == expected_day_rows(reports + written)
    assert report_counts == expected_report_counts(reports + written, report_counts)
