"""The worker's sweep: one push job per due upstream, and the next sweep a minute later."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rq.registry import ScheduledJobRegistry

from coalition.federation.pushing import push_upstream
from coalition.federation.tasks import schedule_sweep, sweep_upstreams
from coalition.jobs import queue
from tests import factories
from tests.federation.test_pushing import EU, add_upstream, report

pytestmark = pytest.mark.redis


@pytest.fixture
def registry(app):
    scheduled = ScheduledJobRegistry(queue=queue())

    def empty():
        queue().empty()
        for job_id in scheduled.get_job_ids():
            scheduled.remove(job_id, delete_job=True)

    empty()
    yield scheduled
    empty()


def test_the_sweep_queues_one_push_per_due_upstream_and_plans_the_next(
        client, auth_headers, coordinator, registry, instances, federating):
    europe = instances("eu")
    europe.setup_campaign(EU)
    campaign = factories.make_campaign()
    admin = auth_headers(coordinator, "admin")
    upstream = add_upstream(client, campaign, admin, europe.url, *europe.hub_credentials("hub-at"))
    paused = add_upstream(client, campaign, admin, europe.url, "other", "secret", upstream_campaign="other")
    client.patch(f"/api/v1/campaigns/{campaign.slug}/upstreams/{paused['id']}", headers=admin,
                 json={"status": "paused"})
    report(client, campaign, auth_headers(factories.make_organization(), "signatures:write"), count=42)

    assert sweep_upstreams() == {"queued": 1}

    [job] = queue().get_jobs()
    assert (job.func, job.args) == (push_upstream, (upstream["id"],))
    [planned] = registry.get_job_ids()
    assert planned.startswith("coalition-federation-")
    assert job.func(*job.args) == "pushed"
    reader = europe.token(*europe.credentials("lead", "campaigns:read", role="coordinator"))
    assert europe.progress(EU, reader)["total"] == 42


def test_one_sweep_is_planned_per_minute(registry):
    now = datetime(2026, 5, 1, 10, 20, 5, tzinfo=UTC)

    first = schedule_sweep(queue(), now=now)
    assert schedule_sweep(queue(), now=now.replace(second=40)) == first
    assert registry.get_scheduled_time(first) == datetime(2026, 5, 1, 10, 21, tzinfo=UTC)
