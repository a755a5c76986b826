"""Benchmark: export one million outreach actions as CSV and XLSX through the real export engine.

Loads N actions of one campaign into `outreach_actions` (with COPY; skipped when the campaign
already holds N of them), then measures, each in a fresh process so that peak memory is per
export: a baseline (a bare `csv.writer` over a server-side cursor of the same SELECT), and the
registered `actions` dataset written by the engine as CSV and as XLSX. Prints rows per second,
the ratio to the baseline and the process's peak RSS against the 200 MB limit.

    DATABASE_URL=postgresql://.../coalition_bench_exports \
        .venv/bin/python scripts/bench/exports.py [--rows 1000000] [--reload]

Use a database of its own: the script migrates it and keeps the data for the next run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from alembic import command
from sqlalchemy import delete, func, select

from coalition import create_app
from coalition.campaigns.models import Campaign
from coalition.cli import alembic_config
from coalition.config import Config
from coalition.extensions import db
from coalition.metrics.datasets import ExportScope, get_dataset
from coalition.metrics.formats import FORMATS
from coalition.metrics.operations import export_content
from coalition.organizations.models import Organization
from coalition.outreach.models import KINDS, OutreachAction

CAMPAIGN = "bench-exports"
LIMIT_MB = 200
LOCALITIES = {
    "DE": ["Berlin", "München", "Köln", "Leipzig", "Freiburg im Breisgau"],
    "FR": ["Paris", "Lyon", "Marseille", "Saint-Étienne", "Aix-en-Provence"],
    "IT": ["Milano", "Roma", "Napoli", "Reggio nell'Emilia"], "ES": ["Madrid", "Barcelona", "A Coruña"],
    "PL": ["Kraków", "Łódź", "Gdańsk", "Wrocław"], "NL": ["Amsterdam", "'s-Hertogenbosch", "Utrecht"],
    "BE": ["Bruxelles / Brussel", "Liège", "Gent"], "AT": ["Wien", "Graz", "Linz"],
    "CZ": ["Praha", "Brno", "Ústí nad Labem"], "GR": ["Αθήνα", "Θεσσαλονίκη", "Πάτρα"],
    "PT": ["Lisboa", "Porto", "Coimbra"], "SE": ["Stockholm", "Göteborg", "Malmö"],
    "HU": ["Budapest", "Szeged", "Pécs"], "RO": ["București", "Cluj-Napoca", "Iași"],
}
TAGS = ["youth", "climate", "students", "weekend", "market", "university", "partners", "press", "rural"]
NOTES = ["Rain all day, stand moved under the arcade.", 'Joint stall with "Friends of the Earth".',
         "Local radio interview, 5 min.\nFollow-up meeting planned.", "Leaflets ran out by noon; order more."]
BASELINE_SQL = """SELECT a.id, o.slug, a.kind, a.action_date, a.end_date, a.country, a.locality, a.reach,
       a.signatures_collected, a.tags, a.origin_system, a.external_id, a.created_date, a.modified_date
  FROM outreach_actions a JOIN organizations o ON o.id = a.organization_id
 WHERE a.campaign_id = %s ORDER BY a.action_date, a.id"""


def make_app():
    return create_app(Config.from_env(ratelimit_enabled=False))


def prepare(rows: int, reload: bool) -> None:
    """Migrate, create the campaign and its organizations, and load the actions unless present."""
    command.upgrade(alembic_config(), "heads")
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == CAMPAIGN))
    if campaign is None:
        campaign = Campaign(slug=CAMPAIGN, title="Export benchmark", starts_on=date(2025, 5, 1),
                            ends_on=date(2026, 4, 30))
        db.session.add(campaign)
    organizations = db.session.scalars(select(Organization).where(Organization.slug.like("bench-org-%"))).all()
    if not organizations:
        countries = sorted(LOCALITIES)
        organizations = [Organization(slug=f"bench-org-{n:02d}", name=f"Benchmark NGO {n}",
                                      country=countries[n % len(countries)]) for n in range(50)]
        db.session.add_all(organizations)
    db.commit()
    existing = db.session.scalar(select(func.count()).where(OutreachAction.campaign_id == campaign.id))
    if existing == rows and not reload:
        print(f"{rows:,} actions already loaded (--reload to load them again)")
        return
    started = time.perf_counter()
    db.session.execute(delete(OutreachAction).where(OutreachAction.campaign_id == campaign.id))
    copy_actions(campaign, organizations, rows)
    db.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE outreach_actions")
    print(f"loaded {rows:,} actions with COPY in {time.perf_counter() - started:.1f} s")


def copy_actions(campaign: Campaign, organizations: list[Organization], rows: int) -> None:
    randomness = random.Random(7)
    first_day, days = campaign.starts_on, (campaign.ends_on - campaign.starts_on).days
    columns = ("id", "campaign_id", "organization_id", "kind", "action_date", "end_date", "country",
               "locality", "reach", "signatures_collected", "materials", "notes", "tags",
               "origin_system", "external_id", "created_date", "modified_date")
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY outreach_actions ({', '.join(columns)}) FROM STDIN") as copy:
        for number in range(rows):
            organization = organizations[number % len(organizations)]
            country = organization.country if randomness.random() < 0.8 else randomness.choice(list(LOCALITIES))
            kind = randomness.choice(KINDS)
            day = first_day + timedelta(days=randomness.randrange(days))
            created = datetime.combine(day, clock(18), UTC) + timedelta(minutes=randomness.randrange(4000))
            imported = number % 4 == 0
            copy.write_row((
                str(uuid.UUID(int=randomness.getrandbits(128), version=4)), campaign.id, organization.id,
                kind, day, day + timedelta(days=2) if kind == "event" and number % 5 == 0 else None,
                country, randomness.choice(LOCALITIES[country]) if kind not in ("online_ad", "email") else None,
                randomness.randint(5, 5000), randomness.randint(0, 300) if kind == "street_stall" else None,
                "[]", randomness.choice(NOTES) if number % 6 == 0 else None,
                json.dumps(randomness.sample(TAGS, randomness.randint(0, 3)), ensure_ascii=False),
                "actionnetwork" if imported else None, f"an-{number:07d}" if imported else None,
                created, created + timedelta(hours=randomness.randrange(0, 72)) if number % 3 == 0 else created,
            ))
    cursor.close()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def baseline(campaign: Campaign) -> int:
    """A bare csv.writer over a psycopg server-side cursor: the floor any export engine pays."""
    connection = db.session.connection().connection.driver_connection
    count = 0
    with open(os.devnull, "w", newline="", encoding="utf-8") as sink, \
            connection.cursor(name="bench_baseline") as cursor:
        cursor.itersize = 2000
        cursor.execute(BASELINE_SQL, (campaign.id,))
        writer = csv.writer(sink)
        writer.writerow(get_dataset("actions").column_names)
        for row in cursor:
            writer.writerow((*row[:9], ";".join(row[9]), *row[10:]))
            count += 1
    return count


def engine(format_name: str, campaign: Campaign) -> int:
    count = 0

    def counted(rows):
        nonlocal count
        for row in rows:
            count += 1
            yield row

    dataset = get_dataset("actions")
    scope = ExportScope(organization_id=None)
    content = export_content(dataset, campaign, scope, None)
    content = replace(content, rows=counted(content.rows))
    with open(os.devnull, "wb") as sink:
        for chunk in FORMATS[format_name].write(content):
            sink.write(chunk)
    return count


def measure(which: str) -> None:
    """Run one export in this (fresh) process and print its figures as JSON."""
    with make_app().app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == CAMPAIGN))
        started = time.perf_counter()
        count = baseline(campaign) if which == "baseline" else engine(which, campaign)
        elapsed = time.perf_counter() - started
    print(json.dumps({"rows": count, "seconds": elapsed, "peak_mb": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reload", action="store_true", help="load the actions again even if present")
    parser.add_argument("--measure", choices=["baseline", "csv", "xlsx"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of its own.")
    if options.measure:
        return measure(options.measure)
    with make_app().app_context():
        prepare(options.rows, options.reload)
    speeds = {}
    for which in ("baseline", "csv", "xlsx"):
        output = subprocess.run([sys.executable, __file__, "--measure", which],
                                check=True, capture_output=True, text=True).stdout
        figures = json.loads(output.splitlines()[-1])
        if figures["rows"] != options.rows:
            raise SystemExit(f"{which}: exported {figures['rows']:,} rows, expected {options.rows:,}")
        speeds[which] = figures["rows"] / figures["seconds"]
        verdict = "PASS" if figures["peak_mb"] < LIMIT_MB else "FAIL"
        print(f"{which:<8} {speeds[which]:9,.0f} rows/s  {figures['seconds']:6.1f} s  "
              f"ratio {speeds[which] / speeds['baseline']:.2f}  peak RSS {figures['peak_mb']:4.0f} MB  "
              f"{verdict} (< {LIMIT_MB} MB)")


if __name__ == "__main__":
    main()
