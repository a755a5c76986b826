"""Three levels (regional → national → European), counted once at the top; loops refused."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from coalition.extensions import db
from coalition.federation.models import Upstream
from coalition.federation.pushing import push_upstream
from coalition.federation.upstreams import create_upstream
from coalition.organizations.operations import get_organization
from tests import factories
from tests.federation.conftest import OWN_URL
from tests.federation.test_pushing import add_upstream, report


def register_upstream(instance, campaign_slug: str, upstream, upstream_campaign: str, credentials) -> str:
    """On `instance`, push `campaign_slug` to `upstream`'s `upstream_campaign`."""
    from coalition.campaigns.operations import get_campaign_or_404

    def create():
        created = create_upstream(get_campaign_or_404(campaign_slug), url=upstream.url,
                                  campaign_slug=upstream_campaign, client_id=credentials[0],
                                  client_secret=credentials[1])
        db.commit()
        return created.id

    return instance.call(create)


def member_reports(instance, campaign_slug: str, slug: str, country: str, count: int) -> None:
    headers = instance.token(*instance.credentials(slug, "signatures:write", country=country))
    answer = instance.http.post(f"/api/v1/campaigns/{campaign_slug}/signatures", headers=headers, json={
        "country": country, "channel": "online", "mode": "total", "count": count, "as_of": "2026-03-01T10:00:00Z"})
    assert answer.status_code == 201, answer.text


def test_regional_national_european_each_counted_once_at_the_top(
        client, auth_headers, coordinator, instances, federating):
    """This instance is Bavaria's; Germany's and Europe's are instances of their own."""
    bavaria = factories.make_campaign(slug="ryf-by", starts_on=date(2026, 1, 1))
    admin = auth_headers(coordinator, "admin campaigns:read")
    reporter = auth_headers(factories.make_organization("bund-naturschutz", country="DE"), "signatures:write")
    germany, europe = instances("de"), instances("eu")
    germany.setup_campaign("ryf-de")
    europe.setup_campaign("ryf-eu")
    reader = europe.token(*europe.credentials("lead", "campaigns:read metrics:read admin", role="coordinator"))
    bavaria_on_germany = germany.hub_credentials("hub-by", country="DE")
    germany_on_europe = europe.hub_credentials("hub-de", country="DE")

    report(client, bavaria, reporter, country="DE", channel="paper", count=700)
    to_germany = add_upstream(client, bavaria, admin, germany.url, *bavaria_on_germany, upstream_campaign="ryf-de")
    assert push_upstream(to_germany["id"]) == "pushed"
    member_reports(germany, "ryf-de", "digitalcourage", "DE", 2000)
    germany_up = register_upstream(germany, "ryf-de", europe, "ryf-eu", germany_on_europe)
    assert germany.call(lambda: push_upstream(germany_up)) == "pushed"
    member_reports(europe, "ryf-eu", "la-quadrature", "FR", 5000)

    top = europe.progress("ryf-eu", reader)
    assert top["total"] == 7700
    assert top["countries"]["DE"] == 2700
    assert top["organizations"] == {"la-quadrature": 5000, "hub-de": 2700}
    [hub] = europe.http.get("/api/v1/campaigns/ryf-eu/federation", headers=reader).json()["hubs"]
    assert (hub["organization"], hub["instance"], hub["origin"]) == ("hub-de", germany.url, [OWN_URL])
    assert sorted(row["count"] for row in hub["organizations"]) == [700, 2000]

    # Bavaria now also pushing straight to Europe would count its 700 twice.
    bavaria_on_europe = europe.hub_credentials("hub-by", country="DE")
    direct = add_upstream(client, bavaria, admin, europe.url, *bavaria_on_europe, upstream_campaign="ryf-eu")
    assert push_upstream(direct["id"]) == "failed"
    refused = db.session.get(Upstream, direct["id"])
    assert refused.last_status_code == 409 and "twice" in refused.last_error
    assert europe.progress("ryf-eu", reader)["total"] == 7700
    # Three databases: nothing of the other instances is in this one's.
    assert get_organization("la-quadrature") is None and get_organization("hub-by") is None


def test_a_loop_between_two_instances_is_refused(instances):
    one, two = instances("one"), instances("two")
    for instance in (one, two):
        instance.setup_campaign("ryf")
    one_up = register_upstream(one, "ryf", two, "ryf", two.hub_credentials("hub-one"))
    two_up = register_upstream(two, "ryf", one, "ryf", one.hub_credentials("hub-two"))
    member_reports(one, "ryf", "member-one", "DE", 10)

    assert one.call(lambda: push_upstream(one_up)) == "pushed"
    assert two.call(lambda: push_upstream(two_up)) == "failed"

    status, error = two.call(lambda: db.session.execute(
        select(Upstream.last_status_code, Upstream.last_error).where(Upstream.id == two_up)).one())
    assert status == 409 and "loop" in error
    reader = one.token(*one.credentials("lead", "campaigns:read", role="coordinator"))
    assert one.progress("ryf", reader)["total"] == 10
