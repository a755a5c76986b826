"""The worker survives a terminated database connection, and a worker killed mid-export is noticed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from rq.job import Job
from rq.registry import StartedJobRegistry

from coalition import jobs
from coalition.extensions import cache, db
from coalition.metrics.models import ExportJob
from coalition.metrics.operations import exports_folder
from tests import factories
from tests.conftest import obtain_token
from tests.faults.conftest import APPLICATION_NAME

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def exports(fault_app, monkeypatch):
    """`ask()` an export as a coordinator, `status(id)` of one."""
    # Retries right away, so that a burst worker runs them within the test.
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", [0, 0, 0])
    coordinator = factories.make_organization(role="coordinator")
    campaign = factories.make_campaign()
    oauth_client, secret = factories.make_client(coordinator, "metrics:read")
    db.session.commit()
    http = fault_app.test_client()
    headers = {"Authorization": f"Bearer {obtain_token(http, oauth_client.client_id, secret)}"}

    class Exports:
        @staticmethod
        def ask() -> str:
            response = http.post("/api/v1/exports", headers=headers, json={
                "campaign": campaign.slug, "dataset": "organizations", "format": "csv"})
            assert response.status_code == 202, response.get_json()
            return response.get_json()["id"]

        @staticmethod
        def status(export_id: str) -> str:
            return http.get(f"/api/v1/exports/{export_id}", headers=headers).get_json()["status"]

    return Exports


def _terminate_fault_app_connections() -> int:
    with psycopg.connect(os.environ["TEST_DATABASE_URL"], autocommit=True) as admin:
        return len(admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s", (APPLICATION_NAME,)).fetchall())


def test_jobs_after_a_terminated_database_connection_run_and_the_failed_one_is_retried(fault_app, exports):
    worker = jobs.make_worker(fault_app)
    warm_up = exports.ask()
    worker.work(burst=True)  # also runs the maintenance, which is then not due for a minute
    assert exports.status(warm_up) == "finished"

    hit, later = exports.ask(), exports.ask()
    db.session.remove()
    # The pooled connections, idle for less than the pool's ping interval, are what the jobs take next.
    assert _terminate_fault_app_connections() >= 1
    worker.work(burst=True)

    assert exports.status(hit) == "finished"
    assert exports.status(later) == "finished"
    assert Job.fetch(hit, connection=cache.redis).retries_left == len(jobs.RETRY_INTERVALS) - 1


def test_a_worker_killed_mid_export_is_noticed_within_minutes_and_the_export_retried(fault_app, own_redis, exports):
    export_id = exports.ask()
    config = fault_app.extensions["coalition.config"]
    env = {**os.environ, "DATABASE_URL": config.database_url, "REDIS_URL": own_redis.url,
           "INSTANCE_PATH": str(config.instance_path)}
    stalling = subprocess.Popen([sys.executable, "-m", "tests.faults.stalling_worker"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = exports_folder() / f"{export_id}.csv.partial"
    try:
        deadline = time.monotonic() + 30
        while not (partial.exists() and exports.status(export_id) == "running"):
            assert time.monotonic() < deadline, "the worker never started the export"
            assert stalling.poll() is None, "the worker stopped by itself"
            time.sleep(0.2)
    finally:
        stalling.send_signal(signal.SIGKILL)
        stalling.wait(timeout=10)

    started = StartedJobRegistry(jobs.QUEUE_NAME, connection=cache.redis)
    [(entry, expires)] = cache.redis.zrange(started.key, 0, -1, withscores=True)
    assert entry.decode().startswith(export_id)
    # Without heartbeats the lease ends at HEARTBEAT_TTL: minutes, not the job's hour-long timeout.
    assert expires <= time.time() + jobs.HEARTBEAT_TTL + 5

    # A minute later a worker's maintenance finds the lease expired; RQ retries the job.
    started.cleanup(timestamp=expires + 1)
    jobs.make_worker(fault_app).work(burst=True)

    assert exports.status(export_id) == "finished"
    assert not partial.exists()
    assert (exports_folder() / f"{export_id}.csv").exists()
    db.session.expire_all()
    assert db.session.get(ExportJob, export_id).rows == 1
