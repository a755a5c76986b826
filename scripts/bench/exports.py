"""Benchmark: export one million action-like rows from PostgreSQL as CSV and XLSX.

Measures rows per second and the process's peak resident memory through the real export engine,
against a baseline measured in the same run: a bare `csv.writer` over the same server-side cursor.

    DATABASE_URL=postgresql://... .venv/bin/python scripts/bench/exports.py [--rows 1000000]

Creates and finally drops the table `bench_export_actions` in that database.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import random
import resource
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import column, select, table, text  # noqa: E402

from coalition import create_app  # noqa: E402
from coalition.campaigns.models import Campaign  # noqa: E402
from coalition.config import Config  # noqa: E402
from coalition.extensions import db  # noqa: E402
from coalition.metrics.datasets import Column, ExportScope, register_dataset, stream_rows  # noqa: E402
from coalition.metrics.formats import FORMATS  # noqa: E402
from coalition.metrics.operations import export_content  # noqa: E402

TABLE = "bench_export_actions"
COLUMNS = [
    ("id", "text", "string"), ("organization", "text", "string"), ("country", "char(2)", "string"),
    ("kind", "text", "string"), ("city", "text", "string"), ("action_date", "date", "date"),
    ("participants", "integer", "integer"), ("materials_handed", "integer", "integer"),
    ("signatures_collected", "integer", "integer"), ("hours", "numeric(6,2)", "number"),
    ("online", "boolean", "boolean"), ("note", "text", "string"),
    ("created_date", "timestamptz", "datetime"),
]
COUNTRIES = ["DE", "FR", "IT", "ES", "PL", "NL", "BE", "AT", "CZ", "GR", "PT", "SE", "HU", "RO"]
KINDS = ["stand", "door_to_door", "event", "online_campaign", "press", "leafleting"]
CITIES = ["Berlin", "Paris", "Milano", "Kraków", "Łódź", "Thessaloníki", "Bruxelles / Brussel", "Wien"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def create_rows(count: int) -> None:
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} ({', '.join(f'{n} {t}' for n, t, _ in COLUMNS)})")
        randomness = random.Random(7)
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        with cursor.copy(f"COPY {TABLE} FROM STDIN") as copy:
            for number in range(count):
                moment = start + timedelta(seconds=number * 29)
                copy.write_row((
                    f"{number:08d}-4e1c-4d7a-9c1b-{number:012d}", f"org-{number % 180}",
                    randomness.choice(COUNTRIES), randomness.choice(KINDS), randomness.choice(CITIES),
                    moment.date(), randomness.randint(1, 40), randomness.randint(0, 500),
                    randomness.randint(0, 120), round(randomness.uniform(0.5, 8), 2), number % 3 == 0,
                    'stand at the "Markt", rain' if number % 7 == 0 else None, moment,
                ))
    db.session.commit()


def action_rows(campaign, scope):
    return stream_rows(select(*[column(name) for name, _, _ in COLUMNS]).select_from(table(TABLE))
                       .order_by(column("id")))


def baseline_csv(sink) -> int:
    """A bare csv.writer over a psycopg server-side cursor: the floor any export engine pays."""
    connection = db.session.connection().connection.driver_connection
    count = 0
    with connection.cursor(name="bench_baseline") as cursor:
        cursor.itersize = 2000
        cursor.execute(f"SELECT {', '.join(n for n, _, _ in COLUMNS)} FROM {TABLE} ORDER BY id")
        writer = csv.writer(sink)
        writer.writerow([n for n, _, _ in COLUMNS])
        for row in cursor:
            writer.writerow(row)
            count += 1
    db.session.commit()
    return count


def engine_export(format_name: str, dataset, campaign) -> tuple[int, int]:
    content = export_content(dataset, campaign, ExportScope(organization_id=None), None)
    rows, size = 0, 0

    def counted(source):
        nonlocal rows
        for row in source:
            rows += 1
            yield row

    content = dataclasses.replace(content, rows=counted(content.rows))
    with open(os.devnull, "wb") as sink:
        for chunk in FORMATS[format_name].write(content):
            size += len(chunk)
            sink.write(chunk)
    db.session.commit()
    return rows, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the table for another run")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database.")
    app = create_app(Config.from_env(ratelimit_enabled=False))
    with app.app_context():
        existing = db.session.execute(text(
            f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{TABLE}'")).scalar()
        if not existing or db.session.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar() != options.rows:
            started = time.perf_counter()
            create_rows(options.rows)
            print(f"inserted {options.rows:,} rows with COPY in {time.perf_counter() - started:.1f} s")
        print(f"peak RSS after setup: {peak_rss_mb():.0f} MB")
        dataset = register_dataset("bench_actions", "Outreach actions (synthetic)",
                                   [Column(n, n.replace("_", " ").capitalize(), t) for n, _, t in COLUMNS],
                                   action_rows)
        campaign = Campaign(slug="bench", title="Benchmark campaign")

        started = time.perf_counter()
        with open(os.devnull, "w", newline="", encoding="utf-8") as sink:
            count = baseline_csv(sink)
        baseline = count / (time.perf_counter() - started)
        print(f"baseline csv.writer : {baseline:10,.0f} rows/s   peak RSS {peak_rss_mb():6.0f} MB")

        for format_name in ("csv", "xlsx"):
            started = time.perf_counter()
            count, size = engine_export(format_name, dataset, campaign)
            elapsed = time.perf_counter() - started
            assert count == options.rows, count
            speed = count / elapsed
            print(f"engine {format_name:<13}: {speed:10,.0f} rows/s   peak RSS {peak_rss_mb():6.0f} MB   "
                  f"{size / 1e6:7.1f} MB in {elapsed:5.1f} s   ratio to baseline {speed / baseline:.2f}")
        if not options.keep:
            db.session.execute(text(f"DROP TABLE {TABLE}"))
            db.session.commit()


if __name__ == "__main__":
    main()
