"""`source.failed` and `source.held` reach only those who may read the source's organization."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coalition.extensions import db
from coalition.outbox import OutboxEvent
from coalition.sources.polling import poll
from coalition.webhooks.dispatch import receives
from coalition.webhooks.operations import create_subscription
from tests import factories
from tests.receivers import Answer
from tests.sources.conftest import connect, eci_map

pytestmark = pytest.mark.usefixtures("db_session")


def test_source_events_reach_the_organization_and_coordinators_only(client, auth_headers, member, coordinator,
                                                                    systems):
    campaign = factories.make_campaign()
    stranger = factories.make_organization()
    subscriptions = {name: create_subscription(organization.id, url="http://127.0.0.1:9/hook", events=["*"])[0]
                     for name, organization in (("own", member), ("lead", coordinator), ("stranger", stranger))}
    db.session.commit()
    systems.documents["/eci/report/map"] = eci_map({"fr": 100})
    source_id = connect(client, auth_headers(member, "signatures:write"), campaign, kind="eci_online",
                        url=systems.url("/eci"))["id"]
    systems.documents["/eci/report/map"] = eci_map({"fr": 50})
    poll(source_id)
    systems.documents["/eci/report/map"] = Answer(500, b"")
    poll(source_id)
    events = {event.kind: event for event in db.session.scalars(select(OutboxEvent).where(
        OutboxEvent.kind.in_(["source.held", "source.failed"])))}
    assert set(events) == {"source.held", "source.failed"}
    for event in events.values():
        assert event.payload["source"] == source_id and event.payload["organization"] == member.slug
        heard = {name for name, subscription in subscriptions.items() if receives(subscription, event)}
        assert heard == {"own", "lead"}
