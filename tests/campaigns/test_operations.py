"""The report rules, called directly: figures, corrections, who may report what."""

from datetime import UTC, datetime

import pytest

from coalition.auth.guard import Principal
from coalition.campaigns import operations
from coalition.campaigns.signatures import record_reports
from coalition.errors import Conflict, Forbidden, ValidationFailed
from tests import factories
from tests.conftest import table_counts


@pytest.fixture(autouse=True)
def request_context(app):
    """Messages are rendered in the request's language, so rules run inside a request."""
    with app.test_request_context():
        yield


def principal(organization) -> Principal:
    return Principal(client_id="test", organization_id=organization.id, organization_slug=organization.slug,
                     role=organization.role, scopes=frozenset({"signatures:write"}), locales=None, expires_at=0)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def item(mode="delta", count=10, when=None, **extra):
    return {"country": "DE", "channel": "paper", "mode": mode, "count": count, "as_of": when or at(1), **extra}


def figure_after(campaign, who, *items) -> int:
    outcome = None
    for one in items:
        outcome = record_reports(campaign, who, [one], single=True)
    return outcome["figures"][0]["count"]


def test_totals_and_deltas_follow_the_ledger_semantics(db_session):
    campaign, member = factories.make_campaign(), factories.make_organization()
    who = principal(member)
    assert figure_after(campaign, who, item(count=5, when=at(1)), item(count=7, when=at(3))) == 12
    # A total between the deltas absorbs the first and keeps the later one.
    assert figure_after(campaign, who, item("total", 100, at(2))) == 107
    # An older total changes nothing; a tie with the newest total takes the later report.
    assert figure_after(campaign, who, item("total", 50, at(1))) == 107
    assert figure_after(campaign, who, item("total", 120, at(2))) == 127
    # A delta at the total's time is already in it.
    assert figure_after(campaign, who, item(count=9, when=at(2))) == 127


def test_a_total_in_a_batch_sees_the_batch_deltas_after_it(db_session):
    campaign, member = factories.make_campaign(), factories.make_organization()
    outcome = record_reports(campaign, principal(member), [
        item(count=4, when=at(5)), item(count=6, when=at(1)), item("total", 30, at(3)),
    ])
    assert outcome["figures"][0]["count"] == 34
    assert [report["figure"] for report in outcome["reports"]] == [4, 10, 34]


def test_lowering_needs_a_reason_and_nothing_is_written_without_it(db_session):
    campaign, member = factories.make_campaign(), factories.make_organization()
    who = principal(member)
    record_reports(campaign, who, [item(count=50)])
    db_session.commit()
    with pytest.raises(ValidationFailed) as error:
        record_reports(campaign, who, [item(count=1, when=at(2)), item("total", 20, at(3))])
    assert list(error.value.errors["reports"]) == ["1"]
    db_session.rollback()
    assert table_counts("signature_reports")["signature_reports"] == 1
    fixed = record_reports(campaign, who, [item("total", 20, at(3), reason="duplicates")], single=True)
    assert fixed["figures"][0]["count"] == 20


def test_members_report_only_for_themselves_and_only_to_live_campaigns(db_session):
    campaign, member, other = factories.make_campaign(), factories.make_organization(), factories.make_organization()
    with pytest.raises(Forbidden):
        record_reports(campaign, principal(member), [item(organization=other.slug)])
    draft = factories.make_campaign(status="draft")
    with pytest.raises(Conflict):
        record_reports(draft, principal(member), [item()])


def test_coordinators_report_for_others_and_correct_closed_campaigns_with_a_reason(db_session):
    campaign = factories.make_campaign(status="closed")
    coordinator, member = factories.make_organization(role="coordinator"), factories.make_organization()
    with pytest.raises(ValidationFailed):
        record_reports(campaign, principal(coordinator), [item(organization=member.slug)])
    outcome = record_reports(campaign, principal(coordinator), [item(organization=member.slug, reason="late forms")])
    assert outcome["figures"][0]["organization"] == member.slug


def test_status_moves_forward_and_closing_freezes_the_counter(db_session):
    campaign = factories.make_campaign(status="draft")
    operations.update_campaign(campaign, status="live")
    record_reports(campaign, principal(factories.make_organization()), [item(count=42)])
    operations.update_campaign(campaign, status="closed")
    assert campaign.frozen_counter["total"] == 42
    with pytest.raises(Conflict):
        operations.update_campaign(campaign, status="live")


def test_petition_targets_are_its_thresholds(db_session):
    petition = factories.make_campaign(kind="petition", eci_registered_on=None, country_targets={"US": 100})
    assert operations.campaign_thresholds(petition) == {"US": 100}
    outcome = record_reports(petition, principal(factories.make_organization()), [item(country="US", count=100)])
    assert outcome["figures"][0]["count"] == 100
