"""Benchmark the pages against their API baselines, in one run (see README "Performance").

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL; use a database of your own: it adds the
demo campaign and a benchmark campaign) and wrk. Measures:

- the partner widget's req/s ÷ the bare Flask JSON route's req/s (scripts/bench/baseline_app.py),
  both under gunicorn (2 sync workers), alternating runs (goal ≥ 0.8 at 32 connections), with
  and without the member states (`?countries=1`);
- the dashboard's server time ÷ the server time of `GET …/progress` on the same campaign, both in
  the process through the test client, medians of interleaved runs (goal ≤ 3);
- each page's HTML + CSS + JS in bytes (goal < 100 KB).

    DATABASE_URL=postgresql://... REDIS_URL=redis://... python scripts/bench/pages.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from signatures import APP_PORT, BASE_PORT, start, wrk  # noqa: E402

SLUG = "reclaim-your-face"


PASSWORD = "benchmark pages password"
PEOPLE = {"coordinator": ("edri", "coordinator", None), "member": ("digitalcourage", "member", None),
          "translator": ("digitalcourage", "translator", ["de"])}


def prepare():
    """Migrate, load the demo coalition (idempotent) and a person per role; answer the app."""
    from alembic import command
    from sqlalchemy import select

    from coalition import create_app
    from coalition.cli import alembic_config
    from coalition.demo import load_demo
    from coalition.extensions import db
    from coalition.organizations.operations import get_organization
    from coalition.people.models import Person
    from coalition.people.operations import add_person, set_password

    app = create_app()
    with app.app_context():
        command.upgrade(alembic_config(), "heads")
        load_demo()
        for name, (organization, role, locales) in PEOPLE.items():
            email = f"bench-{name}@example.org"
            if db.session.scalars(select(Person).filter_by(email=email)).first() is None:
                person = add_person(get_organization(organization), email=email, display_name=f"Bench {name}",
                                    role=role, locales=locales)
                set_password(person, PASSWORD)
        db.commit()
    return app


def signed_in(app, name: str):
    """A test client signed in as the benchmark's person of this role, through the login form."""
    import re

    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post("/login", data={"csrf_token": token, "email": f"bench-{name}@example.org",
                                         "password": PASSWORD})
    assert answer.status_code == 303, answer.status_code
    return client


def bearer(app, organization: str, scopes: str) -> dict:
    """Headers with a token of a new client of the organization, from the token endpoint."""
    import base64

    from coalition.auth.operations import create_client
    from coalition.extensions import db
    from coalition.organizations.operations import get_organization

    with app.app_context():
        client, secret = create_client(get_organization(organization), "bench pages", scopes.split())
        db.commit()
        client_id = client.client_id
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    answer = app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                    headers={"Authorization": f"Basic {basic}"})
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


def server_times(app, rounds: int) -> dict[str, float]:
    """Median seconds of the dashboard and of the progress route, measured in turns."""
    pages = signed_in(app, "coordinator")
    api = app.test_client()
    headers = bearer(app, "edri", "campaigns:read metrics:read")
    calls = {"dashboard": lambda: pages.get(f"/campaigns/{SLUG}"),
             "progress": lambda: api.get(f"/api/v1/campaigns/{SLUG}/progress", headers=headers)}
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            answer = call()
            times[name].append(time.perf_counter() - started)
            assert answer.status_code == 200, (name, answer.status_code)
    return {name: statistics.median(values) for name, values in times.items()}


def page_sizes(app) -> dict[str, int]:
    """HTML plus the stylesheet and scripts each page loads, in bytes."""
    import re

    pages = {"dashboard": (f"/campaigns/{SLUG}", "coordinator"), "report": (f"/campaigns/{SLUG}/report", "member"),
             "actions": (f"/campaigns/{SLUG}/actions", "member"),
             "workspace": (f"/campaigns/{SLUG}/translate/de", "translator"),
             "people": ("/organizations/digitalcourage/people", "coordinator"),
             "widget": (f"/embed/{SLUG}/counter", None),
             "widget, states": (f"/embed/{SLUG}/counter?countries=1", None)}
    sizes = {}
    for name, (path, person) in pages.items():
        client = signed_in(app, person) if person else app.test_client()
        html = client.get(path).data
        assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
        sizes[name] = len(html) + sum(len(client.get(asset.decode()).data) for asset in assets)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="alternating wrk runs of widget and baseline")
    parser.add_argument("--requests", type=int, default=50, help="timed requests of each page and route")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")) or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL.")

    app = prepare()
    times = server_times(app, args.requests)
    sizes = page_sizes(app)
    servers = [start("coalition.wsgi:app", APP_PORT, ROOT), start("baseline_app:app", BASE_PORT, Path(__file__).parent)]
    try:
        urls = {"widget": f"http://127.0.0.1:{APP_PORT}/embed/{SLUG}/counter?locale=de",
                "widget, states": f"http://127.0.0.1:{APP_PORT}/embed/{SLUG}/counter?locale=de&countries=1",
                "bare_json": f"http://127.0.0.1:{BASE_PORT}/json"}
        for url in urls.values():
            wrk(url, 2, args.connections)
        rounds = {name: [] for name in urls}
        for _ in range(args.rounds):
            for name, url in urls.items():
                rounds[name].append(wrk(url, args.duration, args.connections))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)

    print(f"{args.rounds} rounds of {args.duration} s, {args.connections} connections; {args.requests} timed requests:")
    for name in ("widget", "widget, states"):
        ratio = statistics.median(a["rps"] / b["rps"] for a, b in zip(rounds[name], rounds["bare_json"]))
        print(f"{name:14} {statistics.median(r['rps'] for r in rounds[name]):9.0f} req/s   bare JSON "
              f"{statistics.median(r['rps'] for r in rounds['bare_json']):9.0f} req/s   ratio {ratio:.2f} (goal >= 0.8)")
    print(f"dashboard      {times['dashboard'] * 1000:9.1f} ms      progress  {times['progress'] * 1000:9.1f} ms      "
          f"ratio {times['dashboard'] / times['progress']:.2f} (goal <= 3)")
    for name, size in sizes.items():
        print(f"{name:14} {size / 1024:9.1f} KB HTML + CSS + JS (goal < 100 KB)")


if __name__ == "__main__":
    main()
