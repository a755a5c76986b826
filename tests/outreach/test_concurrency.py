"""Portals retrying at once: the same external id sent concurrently never makes two actions."""

import threading

import pytest
from sqlalchemy import func, select

from coalition.extensions import db
from coalition.outreach.models import OutreachAction
from tests import factories
from tests.conftest import obtain_token


@pytest.mark.postgres_only
def test_concurrent_upserts_of_one_external_id_keep_one_action(app, committed_db):
    member = factories.make_organization()
    campaign = factories.make_campaign()
    oauth_client, secret = factories.make_client(member, "actions:write")
    committed_db.commit()
    token = obtain_token(app.test_client(), oauth_client.client_id, secret)
    body = {"kind": "event", "action_date": "2026-03-02", "country": "DE",
            "origin_system": "portal", "external_id": "same"}
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def post():
        barrier.wait()
        response = app.test_client().post(f"/api/v1/campaigns/{campaign.slug}/actions", json=body,
                                          headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) == 1
    assert set(statuses) <= {200, 201, 409}
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(OutreachAction)) == 1
