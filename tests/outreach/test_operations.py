"""The outreach rules, called directly as the demo loader and other domains do."""

from datetime import date

import pytest

from coalition.errors import Conflict, Forbidden, ValidationFailed
from coalition.outreach import operations
from tests import factories

VALUES = {"kind": "press", "action_date": date(2026, 5, 4), "country": "PL", "reach": 10}


@pytest.fixture
def campaign(db_session):
    return factories.make_campaign()


def test_operations_refuse_personal_data_and_reversed_dates(app, campaign, member):
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        operations.log_action(campaign, member, {**VALUES, "notes": "jan@example.org",
                                                 "end_date": date(2026, 5, 1)})
    assert set(refused.value.errors) == {"notes", "end_date"}


def test_operations_refuse_unknown_kind_and_missing_fields(app, campaign, member):
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        operations.log_actions(campaign, member, [VALUES, {"kind": "flashmob", "action_date": date(2026, 5, 4)}])
    assert set(refused.value.errors["actions"]["1"]) == {"kind", "country"}


def test_upsert_keeps_one_action_per_origin_and_external_id(app, campaign, member):
    with app.test_request_context():
        first, created = operations.log_action(campaign, member, {**VALUES, "origin_system": "cms",
                                                                  "external_id": "7"})
        second, created_again = operations.log_action(campaign, member, {**VALUES, "reach": 99,
                                                                         "origin_system": "cms", "external_id": "7"})
    assert (created, created_again) == (True, False)
    assert second.id == first.id and second.reach == 99


def test_update_and_delete_are_for_the_owner_only(app, campaign, member):
    action = factories.make_action(campaign, member)
    stranger = factories.make_organization(role="coordinator")
    with app.test_request_context():
        with pytest.raises(Forbidden):
            operations.update_action(action, stranger, {"reach": 1})
        with pytest.raises(Forbidden):
            operations.delete_action(action, stranger)
    assert action.reach == 100


def test_closed_campaign_refuses_member_changes(app, campaign, member):
    action = factories.make_action(campaign, member)
    campaign.status = "closed"
    with app.test_request_context(), pytest.raises(Conflict):
        operations.update_action(action, member, {"reach": 1})


def test_a_concurrent_duplicate_external_id_is_a_conflict_not_a_crash(app, campaign, member, monkeypatch):
    factories.make_action(campaign, member, origin_system="cms", external_id="race")
    # As if another request inserted it between our lookup and our insert.
    monkeypatch.setattr(operations, "_existing_by_origin", lambda organization, items: {})
    with app.test_request_context(), pytest.raises(Conflict):
        operations.log_action(campaign, member, {**VALUES, "origin_system": "cms", "external_id": "race"})
    assert len(factories.list_actions(campaign)) == 1


def test_patch_may_set_origin_system_alone_when_the_action_has_an_external_id(app, campaign, member):
    action = factories.make_action(campaign, member, origin_system="cms", external_id="9")
    with app.test_request_context():
        operations.update_action(action, member, {"origin_system": "portal"})
        with pytest.raises(ValidationFailed):
            operations.update_action(action, member, {"external_id": None})
    assert action.identifiers[1] == "portal:9"
