"""Benchmark: every read as the ledger grows (10 k, 100 k, 1 M and 5 M reports), under gunicorn.

A campaign per size, in the shape of a real one: 200 organizations report for 27 member states
and both channels, every day a delta and, one day in four, a nightly total, for as many days as
the size needs (10 k reports: one day; 5 M: a year). The bulk is loaded by COPY together with
the tallies and day figures the app would have written; the last reports go through the API,
and the series' last figures must equal the tallies' total. Then it
times, per size, under gunicorn (2 sync workers): the series (day, country), the metrics, the
first and a deep ledger page, p95 of progress and of the public counter, and the streamed CSV
and XLSX exports (complete, or refused before the first byte). At the largest size it builds a
background CSV export of the whole ledger against a bare `COPY ... TO STDOUT` through Python's
csv module (rows/s, peak RSS), and a background XLSX export at 1 M. Each export runs in a fresh
process, as a worker would.

    DATABASE_URL=postgresql://.../bench_scale REDIS_URL=redis://... \
        .venv/bin/python scripts/bench/scale.py [--sizes 10000,100000,1000000,5000000]

Use a database of its own: it keeps the loaded campaigns for the next run.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PORT = 18321
COUNTRIES = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
             "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"]
CHANNELS = ["paper", "online"]
ORGANIZATIONS = 200
LEDGER_COLUMNS = ("campaign_id", "id", "organization_id", "country", "channel", "mode", "count", "as_of",
                  "figure", "created_date")
BASELINE_SQL = ("COPY (SELECT r.id, o.slug, r.country, r.channel, r.mode, r.count, r.as_of, r.figure, r.reason, "
                "r.created_date FROM signature_reports r JOIN organizations o ON o.id = r.organization_id "
                "WHERE r.campaign_id = '{campaign}' ORDER BY r.id) TO STDOUT")


def make_app():
    from coalition import create_app
    from coalition.config import Config

    return create_app(Config.from_env(ratelimit_enabled=False))


def time_ordered_id(moment: datetime, sequence: int, randomness: random.Random) -> str:
    """A version 7 UUID of `moment`, as the app gives a report made then."""
    milliseconds = int(moment.timestamp() * 1000)
    value = (milliseconds << 80) | (7 << 76) | ((sequence & 0xFFF) << 64) | (2 << 62) | randomness.getrandbits(62)
    return str(uuid.UUID(int=value))


def load(campaign, organization_ids: list[str], size: int) -> None:
    """The ledger, tallies and day figures of `size` reports, by COPY, as the app writes them."""
    from coalition.extensions import db

    randomness = random.Random(size)
    keys = [(o, c, ch) for o in organization_ids for c in COUNTRIES for ch in CHANNELS]
    days = max(1, round(size / (len(keys) * 1.25)))
    first = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days + 1)
    state = {key: [0, None, 0, None, 0] for key in keys}  # figure, total_as_of, deltas, last delta, reports
    connection = db.session.connection().connection.driver_connection
    written = 0
    with connection.cursor() as cursor:
        for day in range(days):
            if written >= size:
                break
            noon = first + timedelta(days=day, hours=12)
            reports, day_rows = [], []
            for key in keys[:size - written]:
                figures = state[key]
                count = randomness.randrange(0, 60)
                previous = figures[0]
                figures[0] += count
                figures[2] += count
                figures[3] = noon
                figures[4] += 1
                created = noon + timedelta(minutes=1)
                reports.append((campaign.id, time_ordered_id(created, written, randomness), *key, "delta", count,
                                noon, figures[0], created))
                written += 1
                total_as_of = None
                if written < size and randomness.random() < 0.25:
                    # A nightly total that corrects the day's deltas a little.
                    total_as_of = noon + timedelta(hours=11, minutes=59)
                    total = max(0, figures[0] + randomness.randrange(-5, 6))
                    figures[0], figures[1], figures[2] = total, total_as_of, 0
                    figures[4] += 1
                    created = total_as_of + timedelta(hours=8)
                    reports.append((campaign.id, time_ordered_id(created, written, randomness), *key, "total",
                                    total, total_as_of, total, created))
                    written += 1
                day_rows.append((campaign.id, *key, noon.date(), figures[0], figures[0] - previous, total_as_of))
            reports.sort(key=lambda row: row[1])
            with cursor.copy(f"COPY signature_reports ({', '.join(LEDGER_COLUMNS)}) FROM STDIN") as copy:
                for row in reports:
                    copy.write_row(row)
            with cursor.copy("COPY signature_day_figures (campaign_id, organization_id, country, channel, day, "
                             "figure, increment, total_as_of) FROM STDIN") as copy:
                for row in day_rows:
                    copy.write_row(row)
        with cursor.copy("COPY signature_tallies (campaign_id, organization_id, country, channel, total_count, "
                         "total_as_of, delta_sum, last_delta_as_of, figure, report_count, modified_date) "
                         "FROM STDIN") as tallies:
            now = datetime.now(UTC)
            for key, (figure, total_as_of, deltas, last_delta, reports_made) in state.items():
                if reports_made:
                    tallies.write_row((campaign.id, *key, figure - deltas if total_as_of else None, total_as_of,
                                       deltas, last_delta, figure, reports_made, now))
    db.session.commit()


def prepare(sizes: list[int]) -> dict:
    """Migrate; create the organizations, clients and one loaded campaign per size (kept between runs)."""
    from alembic import command
    from sqlalchemy import func, select

    from coalition.auth.operations import create_client
    from coalition.campaigns.models import Campaign, SignatureTally
    from coalition.campaigns.operations import create_campaign
    from coalition.cli import alembic_config
    from coalition.extensions import db
    from coalition.organizations.models import Organization
    from coalition.organizations.operations import create_organization

    command.upgrade(alembic_config(), "heads")
    organizations = db.session.scalars(select(Organization).where(Organization.slug.like("scale-org-%"))
                                       .order_by(Organization.slug)).all()
    if not organizations:
        organizations = [create_organization(f"scale-org-{n:03d}", f"Scale NGO {n}", country=COUNTRIES[n % 27])
                         for n in range(ORGANIZATIONS)]
    coordinator = db.session.scalar(select(Organization).where(Organization.slug == "scale-coordinator"))
    if coordinator is None:
        coordinator = create_organization("scale-coordinator", "Scale coordinator", country="BE", role="coordinator")
    reader, reader_secret = create_client(coordinator, "scale reader", ["metrics:read", "campaigns:read"])
    writer, writer_secret = create_client(organizations[0], "scale writer", ["campaigns:read", "signatures:write"])
    db.commit()
    campaigns = {}
    for size in sizes:
        slug = f"scale-{size}"
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        loaded = campaign is not None and db.session.scalar(
            select(func.sum(SignatureTally.report_count)).where(SignatureTally.campaign_id == campaign.id)) or 0
        if campaign is None:
            today = datetime.now(UTC).date()
            campaign = create_campaign(slug, f"Scale {size:,}", today - timedelta(days=400), today + timedelta(days=30),
                                       kind="eci", status="live", eci_registered_on=today - timedelta(days=400))
            db.commit()
        if not loaded:
            started = time.perf_counter()
            load(campaign, [o.id for o in organizations], size)
            print(f"loaded {size:,} reports by COPY in {time.perf_counter() - started:.0f} s", flush=True)
        campaigns[size] = campaign.slug
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE signature_reports, signature_day_figures, signature_tallies")
    return {"campaigns": campaigns, "reader": (reader.client_id, reader_secret),
            "writer": (writer.client_id, writer_secret)}


def request(method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read(), dict(response.getheaders())


def token(client: tuple[str, str]) -> dict:
    import base64

    basic = base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()
    status, body, _headers = request("POST", "/oauth/token", b"grant_type=client_credentials", {
        "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, body
    return {"Authorization": f"Bearer {json.loads(body)['access_token']}"}


def timed(method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[float, int, bytes, dict]:
    started = time.perf_counter()
    status, answer, answer_headers = request(method, path, body, headers)
    return time.perf_counter() - started, status, answer, answer_headers


def median_of(runs: int, path: str, headers: dict) -> float:
    times = []
    for _ in range(runs):
        seconds, status, body, _h = timed("GET", path, headers)
        assert status == 200, (path, status, body[:300])
        times.append(seconds)
    return statistics.median(times)


def p95_of(runs: int, path: str, headers: dict) -> float:
    times = sorted(median_of(1, path, headers) for _ in range(runs))
    return times[int(0.95 * (len(times) - 1))]


def report_through_the_api(slug: str, writer: dict) -> None:
    """The last reports of each campaign come through the API: a batch, then single deltas."""
    now = datetime.now(UTC).replace(microsecond=0)
    reports = [{"country": COUNTRIES[i % 27], "channel": CHANNELS[i // 27 % 2], "mode": "delta", "count": 3,
                "as_of": (now - timedelta(seconds=i)).isoformat().replace("+00:00", "Z")} for i in range(54)]
    status, body, _h = request("POST", f"/api/v1/campaigns/{slug}/signatures",
                               json.dumps({"reports": reports}).encode(),
                               {**writer, "Content-Type": "application/json"})
    assert status == 201, body
    for _ in range(10):
        single = {**reports[0], "count": 1, "as_of": now.isoformat().replace("+00:00", "Z")}
        status, body, _h = request("POST", f"/api/v1/campaigns/{slug}/signatures", json.dumps(single).encode(),
                                   {**writer, "Content-Type": "application/json"})
        assert status == 201, body


def reads(slug: str, reader: dict) -> dict:
    base = f"/api/v1/campaigns/{slug}"
    figures = {
        "series": median_of(3, f"{base}/signatures/series?granularity=day&group_by=country", reader),
        "metrics": median_of(3, f"{base}/metrics", reader),
        "ledger page 1": median_of(5, f"{base}/signatures?per_page=50", reader),
    }
    path = f"{base}/signatures?per_page=100"
    for _ in range(30):  # 3,000 reports deep
        _seconds, status, body, headers = timed("GET", path, reader)
        following = [part.split(";")[0].strip("<> ") for part in headers["Link"].split(",") if 'rel="next"' in part]
        path = following[0]
    figures["ledger page 31"] = median_of(5, path, reader)
    figures["progress p95"] = p95_of(40, f"{base}/progress", reader)
    _s, _status, series, _h = timed("GET", f"{base}/signatures/series?granularity=week&group_by=channel", reader)
    _s, _status, progress, _h = timed("GET", f"{base}/progress", reader)
    last_figures = sum(group["points"][-1]["figure"] for group in json.loads(series)["series"])
    assert last_figures == json.loads(progress)["total"], ("series and tallies disagree", last_figures, progress[:200])
    figures["counter p95"] = p95_of(40, f"{base}/counter", {})
    for export_format in ("csv", "xlsx"):
        seconds, status, body, _h = timed("GET", f"{base}/exports/signatures.{export_format}", reader)
        figures[f"stream {export_format}"] = (seconds, status, len(body))
    return figures


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure_export(slug: str, export_format: str) -> None:
    """In this fresh process: a background export built as the worker builds it (or the baseline)."""
    from sqlalchemy import select

    from coalition.campaigns.models import Campaign
    from coalition.extensions import db
    from coalition.metrics.models import ExportJob
    from coalition.metrics.tasks import build_export
    from coalition.organizations.models import Organization

    with make_app().app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        started = time.perf_counter()
        if export_format == "baseline":
            rows = 0
            connection = db.session.connection().connection.driver_connection
            with open(os.devnull, "w", newline="") as sink, connection.cursor() as cursor, \
                    cursor.copy(BASELINE_SQL.format(campaign=campaign.id)) as copy:
                writer = csv.writer(sink)
                for row in copy.rows():
                    writer.writerow(row)
                    rows += 1
            print(json.dumps({"rows": rows, "expected": rows, "status": "finished",
                              "seconds": time.perf_counter() - started, "peak_mb": peak_rss_mb()}))
            return
        coordinator = db.session.scalar(select(Organization).where(Organization.slug == "scale-coordinator"))
        job = ExportJob(organization_id=coordinator.id, client_id="scale", campaign_id=campaign.id,
                        dataset="signatures", format=export_format, all_organizations=True)
        db.session.add(job)
        db.commit()
        build_export(job.id)
        job = db.session.get(ExportJob, job.id, populate_existing=True)
        print(json.dumps({"rows": job.rows, "status": job.status.value, "seconds": time.perf_counter() - started,
                          "peak_mb": peak_rss_mb(), "error": job.error}))


def background(slug: str, export_format: str) -> dict:
    output = subprocess.run([sys.executable, __file__, "--measure", slug, export_format],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.splitlines()[-1])


def start_gunicorn() -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--no-control-socket", "--workers", "2", "--worker-class", "sync",
         "--timeout", "30", "--bind", f"127.0.0.1:{PORT}", "--chdir", str(ROOT), "--log-level", "warning",
         "coalition.wsgi:app"], env={**os.environ, "RATELIMIT_ENABLED": "false"})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            request("GET", "/healthz")
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def print_table(sizes: list[int], results: dict) -> None:
    first, last = sizes[0], sizes[-1]
    print(f"\n| read | {' | '.join(f'{size:,} reports' for size in sizes)} | {last:,} ÷ {first:,} |")
    print(f"|---|{'---|' * len(sizes)}---|")
    for name in results[first]:
        if name.startswith("stream"):
            cells = [f"{status} in {seconds:.2f} s ({size / 1e6:.1f} MB)" if status == 200 else
                     f"{status} in {seconds * 1000:.0f} ms" for seconds, status, size in
                     (results[s][name] for s in sizes)]
            print(f"| {name} | {' | '.join(cells)} | |")
            continue
        cells = [f"{results[s][name] * 1000:.0f} ms" for s in sizes]
        print(f"| {name} | {' | '.join(cells)} | {results[last][name] / results[first][name]:.2f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,5000000")
    parser.add_argument("--reads-only", action="store_true", help="skip the background exports")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        return measure_export(*options.measure)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of its own.")
    sizes = [int(size) for size in options.sizes.split(",")]
    with make_app().app_context():
        setup = prepare(sizes)
    server = start_gunicorn()
    try:
        reader, writer = token(setup["reader"]), token(setup["writer"])
        results = {}
        for size in sizes:
            slug = setup["campaigns"][size]
            report_through_the_api(slug, writer)
            results[size] = reads(slug, reader)
            print(f"{size:,}: {results[size]}", flush=True)
    finally:
        server.terminate()
        server.wait()
    print_table(sizes, results)
    if options.reads_only:
        return
    largest = setup["campaigns"][sizes[-1]]
    baseline, engine = background(largest, "baseline"), background(largest, "csv")
    print(f"\nbackground CSV of {engine['rows']:,} reports: {engine['status']} in {engine['seconds']:.0f} s, "
          f"{engine['rows'] / engine['seconds']:,.0f} rows/s, peak RSS {engine['peak_mb']:.0f} MB; bare COPY "
          f"through csv: {baseline['rows'] / baseline['seconds']:,.0f} rows/s; ratio "
          f"{engine['rows'] / engine['seconds'] / (baseline['rows'] / baseline['seconds']):.2f} (goal >= 0.8); "
          f"rows equal the ledger: {engine['rows'] == baseline['rows']}")
    million = setup["campaigns"].get(1_000_000)
    if million:
        xlsx = background(million, "xlsx")
        print(f"background XLSX of {xlsx['rows']:,} reports: {xlsx['status']} in {xlsx['seconds']:.0f} s, "
              f"peak RSS {xlsx['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
