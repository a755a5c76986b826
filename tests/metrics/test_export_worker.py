"""Background exports through a real RQ worker on Redis, and the periodic purge it schedules."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from coalition import housekeeping
from coalition.extensions import cache, db
from coalition.jobs import queue
from coalition.metrics.models import ExportJob
from tests import factories
from tests.conftest import obtain_token

pytestmark = pytest.mark.redis


@pytest.fixture
def registry(app):
    """The queue's scheduled jobs, empty before and after the test."""
    scheduled = ScheduledJobRegistry(queue=queue())

    def empty():
        for job_id in scheduled.get_job_ids():
            scheduled.remove(job_id, delete_job=True)

    empty()
    yield scheduled
    empty()


def test_export_is_built_by_a_real_worker(app, committed_db):
    target = queue()
    target.empty()
    coordinator = factories.make_organization(role="coordinator")
    member = factories.make_organization()
    campaign = factories.make_campaign()
    oauth_client, secret = factories.make_client(member, "campaigns:read")
    db.session.commit()
    http = app.test_client()
    headers = {"Authorization": f"Bearer {obtain_token(http, oauth_client.client_id, secret)}"}

    response = http.post("/api/v1/exports", headers=headers,
                         json={"campaign": campaign.slug, "dataset": "organizations", "format": "csv"})
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued"
    assert http.get(body["links"]["download"], headers=headers).status_code == 409
    assert target.count == 1

    SimpleWorker([target], connection=cache.redis).work(burst=True)

    status = http.get(body["links"]["self"], headers=headers).get_json()
    assert status["status"] == "finished", status
    assert status["rows"] == 1
    download = http.get(body["links"]["download"], headers=headers)
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.data.decode())))
    assert [row[0] for row in rows[1:]] == [member.slug]
    assert coordinator.slug not in download.data.decode()


def test_worker_start_schedules_one_housekeeping_run_per_interval(registry):
    target = queue()
    now = datetime(2026, 5, 1, 10, 20, tzinfo=UTC)

    first = housekeeping.schedule_housekeeping(target, now=now)
    second = housekeeping.schedule_housekeeping(target, now=now + timedelta(minutes=5))
    assert first == second
    assert registry.get_job_ids() == [first]
    due = registry.get_scheduled_time(first)
    assert due == datetime(2026, 5, 1, 11, 0, tzinfo=UTC)

    later = housekeeping.schedule_housekeeping(target, now=due)
    assert later != first
    assert registry.get_scheduled_time(later) == due + timedelta(seconds=housekeeping.INTERVAL)


def test_housekeeping_removes_expired_files_and_reschedules_itself(committed_db, registry):
    from coalition.metrics.operations import exports_folder

    organization = factories.make_organization(role="coordinator")
    campaign = factories.make_campaign()

    path = exports_folder() / "expired.csv"
    path.write_text("slug\r\n")
    db.session.add(ExportJob(
        organization_id=organization.id, client_id="c", campaign_id=campaign.id, dataset="organizations",
        format="csv", file_name=path.name, expires_at=datetime(2026, 1, 1, tzinfo=UTC),
    ))
    db.session.commit()

    assert housekeeping.run_housekeeping()["export_files"] == 1
    assert not path.exists()
    # Itself, and the federation sweep planted again (coalition/federation/tasks.py).
    scheduled = sorted(registry.get_job_ids())
    assert [job_id.rsplit("-", 1)[0] for job_id in scheduled] == ["coalition-federation", "coalition-housekeeping"]


def test_starting_the_worker_schedules_housekeeping(app, registry):
    from coalition.jobs import run_worker

    run_worker(app, burst=True)
    scheduled = sorted(registry.get_job_ids())
    # Beside housekeeping, the drained outbox plans its next sweep (coalition/webhooks/tasks.py),
    # and so does the federation sweep (coalition/federation/tasks.py).
    assert [job_id.rsplit("-", 1)[0] for job_id in scheduled] == [
        "coalition-federation", "coalition-housekeeping", "coalition-webhooks"]
    assert all(registry.get_scheduled_time(job_id) > datetime.now(UTC) for job_id in scheduled)
