"""Benchmark: migration 0008's batched backfill of the day figures on a ledger written the old way.

It upgrades an empty schema to revision 0007, loads a ledger of SIZE reports by COPY (200
organizations, 27 countries, both channels; a delta a day per key, a total one day in four) with
its tallies, then times `alembic upgrade 0008` (the index, built concurrently, and the backfill
in batches) against the baseline: one bare read of the same ledger in the order the backfill
replays it, streamed through Python. While the upgrade runs, a writer sends a report the old way
(tally locked, report appended) every 50 ms and records how long each waits.

    DATABASE_URL=postgresql://.../bench .venv/bin/python scripts/bench/backfill.py [--size 1000000]

It works in a schema of its own (backfill_bench), dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SCHEMA = "backfill_bench"
COUNTRIES = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
             "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"]
KEYS = [(f"org-{o:03d}", c, ch) for o in range(200) for c in COUNTRIES for ch in ("paper", "online")]
NOW = datetime(2026, 6, 30, tzinfo=UTC)


def upgrade(engine, revision: str) -> None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def copy(cursor, table: str, columns: str, rows) -> None:
    buffer = io.StringIO("".join("\t".join(map(str, row)) + "\n" for row in rows))
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as load:
        load.write(buffer.getvalue())


def load(engine, size: int) -> None:
    randomness = random.Random(size)
    days = max(1, round(size / len(KEYS)))
    first = NOW - timedelta(days=days)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        copy(cursor, "campaigns", "id, slug, title, kind, status, signature_goal, source_locale, locales, "
             "expected_validity_rate, starts_on, ends_on, created_date, modified_date",
             [("c1", "bench", "Bench", "eci", "live", 1, "en", "[]", 0.85, first.date(), NOW.date(), NOW, NOW)])
        copy(cursor, "organizations", "id, slug, name, country, role, status, created_date, modified_date",
             [(o, o, o, "DE", "member", "active", NOW, NOW) for o in sorted({key[0] for key in KEYS})])
        copy(cursor, "signature_tallies", "campaign_id, organization_id, country, channel, delta_sum, figure, "
             "modified_date", [("c1", *key, 0, 0, NOW) for key in KEYS])

        def reports():
            for number in range(size):
                key = KEYS[number % len(KEYS)]
                day = number // len(KEYS)
                as_of = first + timedelta(days=day, seconds=randomness.randrange(86400))
                mode = "total" if day % 4 == 3 and randomness.random() < 0.5 else "delta"
                yield ("c1", uuid.uuid4(), *key, mode, randomness.randrange(500), 0, as_of, as_of)

        copy(cursor, "signature_reports", "campaign_id, id, organization_id, country, channel, mode, count, "
             "figure, as_of, created_date", reports())
        connection.commit()
    finally:
        connection.close()


def bare_read(engine) -> float:
    started = time.perf_counter()
    with engine.connect() as connection:
        for _ in connection.execute(text(
                "SELECT organization_id, country, channel, mode, count, as_of FROM signature_reports "
                "WHERE campaign_id = 'c1' ORDER BY organization_id, country, channel, as_of, id"),
                execution_options={"stream_results": True, "yield_per": 10_000}):
            pass
    return time.perf_counter() - started


def write_meanwhile(engine, stop: threading.Event, waits: list[float]) -> None:
    with engine.connect() as connection:
        while not stop.is_set():
            key = random.choice(KEYS)
            started = time.perf_counter()
            params = {"o": key[0], "c": key[1], "ch": key[2], "id": str(uuid.uuid4()), "now": NOW}
            connection.execute(text("SELECT figure FROM signature_tallies WHERE campaign_id = 'c1' "
                                    "AND organization_id = :o AND country = :c AND channel = :ch FOR UPDATE"), params)
            connection.execute(text(
                "INSERT INTO signature_reports (campaign_id, id, organization_id, country, channel, mode, count, "
                "figure, as_of, created_date) VALUES ('c1', :id, :o, :c, :ch, 'delta', 1, 0, :now, :now)"), params)
            connection.commit()
            waits.append(time.perf_counter() - started)
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    size = parser.parse_args().size
    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql+psycopg://", 1)
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, connect_args={"options": f"-csearch_path={SCHEMA}"})
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    try:
        upgrade(engine, "0007")
        load(engine, size)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        baseline = bare_read(engine)
        stop, waits = threading.Event(), []
        writer = threading.Thread(target=write_meanwhile, args=(engine, stop, waits))
        writer.start()
        started = time.perf_counter()
        upgrade(engine, "0008")
        elapsed = time.perf_counter() - started
        stop.set()
        writer.join()
        print(f"ledger of {size:,} reports, {len(KEYS):,} keys")
        print(f"bare sorted read (baseline): {baseline:.1f} s, {size / baseline:,.0f} reports/s")
        print(f"upgrade 0007 -> 0008: {elapsed:.1f} s, {size / elapsed:,.0f} reports/s "
              f"({elapsed / baseline:.1f}x the bare read)")
        print(f"reports written meanwhile: {len(waits)}, longest wait {max(waits) * 1000:.0f} ms, "
              f"median {sorted(waits)[len(waits) // 2] * 1000:.0f} ms")
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        engine.dispose()


if __name__ == "__main__":
    main()
