"""The demo coalition's outreach: a few hundred actions, loaded once however often it runs."""

from sqlalchemy import func, select

from coalition.demo import load_demo
from coalition.extensions import db
from coalition.outreach.models import OutreachAction


def test_demo_actions_load_idempotently(app, db_session):
    with app.test_request_context():
        load_demo()
        count = db.session.scalar(select(func.count()).select_from(OutreachAction))
        load_demo()
        assert db.session.scalar(select(func.count()).select_from(OutreachAction)) == count
    assert 200 <= count <= 500
    countries = db.session.scalar(select(func.count(func.distinct(OutreachAction.country))))
    organizations = db.session.scalar(select(func.count(func.distinct(OutreachAction.organization_id))))
    assert countries >= 8 and organizations >= 8
    slugs = set(db.session.scalars(select(OutreachAction.campaign_id).distinct()))
    assert len(slugs) == 1


def test_demo_actions_are_readable_through_the_api(client, db_session):
    from tests.conftest import obtain_token

    with client.application.test_request_context():
        load_demo()
    db_session.commit()
    token = obtain_token(client, "demo-member", "demo-member-secret", "actions:read")
    response = client.get("/api/v1/campaigns/reclaim-your-face/actions/summary",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["totals"]["actions"] == db_session.scalar(
        select(func.count()).select_from(OutreachAction))
