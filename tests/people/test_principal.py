"""A signed-in person acts as a Principal: scopes from their role, capped like a client's."""

from __future__ import annotations

import pytest

from coalition.auth.scopes import allowed_scopes
from coalition.errors import ValidationFailed
from coalition.people.sessions import page_principal, principal_of
from tests import factories
from tests.conftest import sign_in_client


@pytest.mark.parametrize(("role", "expected"), [
    ("translator", {"materials:read", "translations:write"}),
    ("reviewer", {"materials:read", "translations:write", "translations:review"}),
    ("member", set(allowed_scopes("member"))),
    ("coordinator", set(allowed_scopes("coordinator"))),
])
def test_a_person_s_scopes_follow_from_their_role(db_session, coordinator, role, expected):
    principal = principal_of(factories.person(coordinator, role=role, locales=None), expires_at=0)
    assert principal.scopes == expected
    assert principal.is_coordinator == (role == "coordinator")
    assert principal.person_id and principal.organization_slug == coordinator.slug


def test_a_translator_is_limited_to_their_locales(db_session, member):
    translator = factories.person(member, role="translator", locales=["de", "pt_br"])
    principal = principal_of(translator, expires_at=0)
    assert principal.locales == ("de", "pt-BR")
    assert principal.may_write_locale("de") and not principal.may_write_locale("fr")


def test_only_coordinator_organizations_have_coordinators(db_session, member):
    with pytest.raises(ValidationFailed) as refused:
        factories.person(member, role="coordinator")
    assert "role" in refused.value.errors


def test_a_coordinator_of_a_demoted_organization_acts_as_a_member(db_session, coordinator):
    person = factories.person(coordinator, role="coordinator")
    coordinator.role = "member"
    principal = principal_of(person, expires_at=0)
    assert not principal.is_coordinator and "admin" not in principal.scopes


def test_page_principal_is_the_signed_in_person(app, client, db_session, member):
    person = factories.person(member, role="reviewer", locales=["fr"])
    db_session.commit()
    sign_in_client(client, person)
    cookie = client.get_cookie("coalition_session")
    with app.test_request_context("/", headers={"Cookie": f"{cookie.key}={cookie.value}"}):
        principal = page_principal()
        assert principal.person_id == person.id and principal.locales == ("fr",)
        assert "translations:review" in principal.scopes
    with app.test_request_context("/"):
        assert page_principal() is None
