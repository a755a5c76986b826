"""The people pages: a coordinator invites, changes and removes people from a browser, with the
API's rules, the API's messages and the API's audit entries."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from coalition.audit.models import AuditEntry
from coalition.people.models import Person
from tests import factories
from tests.conftest import form_token, sign_in_client


@pytest.fixture
def coordinator_person(db_session):
    organization = factories.make_organization(role="coordinator")
    return factories.person(organization, role="coordinator", display_name="Ada Coordinator")


@pytest.fixture
def member_organization(db_session):
    return factories.make_organization(slug="edri-at")


def invite(client, slug: str, **fields):
    page = client.get(f"/organizations/{slug}/people")
    return client.post(f"/organizations/{slug}/people", data={"csrf_token": form_token(page.text), **fields})


def invitation_path(page: str) -> str:
    return urlsplit(re.search(r'id="invitation-url" value="([^"]+)"', page).group(1)).path


def test_a_coordinator_invites_a_translator_who_then_sets_a_password_and_signs_in(
        app, client, sign_in, coordinator_person, member_organization, db_session):
    sign_in(client, coordinator_person)
    answer = invite(client, "edri-at", display_name="Lena Huber", email="Lena@Example.org", role="translator",
                    locales="de, pt-BR", locale="de")
    assert answer.status_code == 201 and "It is shown only now." in answer.text
    assert "lena@example.org" in answer.text and "Translator" in answer.text and "German" in answer.text
    lena = db_session.scalars(select(Person).filter_by(email="lena@example.org")).one()
    assert (lena.organization.slug, lena.role, lena.locales, lena.locale) == ("edri-at", "translator", ["de", "pt-BR"], "de")
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.object_id == lena.id)).one()
    assert (entry.organization, entry.client_id, entry.method) == (
        coordinator_person.organization.slug, f"person:{coordinator_person.id}", "POST")
    # The invitee opens the link in their own browser, chooses a password and is signed in.
    invitee = app.test_client()
    link = invitation_path(answer.text)
    opened = invitee.get(link)
    assert opened.status_code == 200 and "Lena Huber" in opened.text
    accepted = invitee.post(link, data={"csrf_token": form_token(opened.text), "password": "correct horse battery",
                                        "confirmation": "correct horse battery"})
    assert accepted.status_code == 303
    account = invitee.get("/account")
    assert account.status_code == 200 and 'lang="de"' in account.text
    listed = client.get("/organizations/edri-at/people")
    assert "signs in" in listed.text and "invited" not in listed.text.split("<tbody>")[1].split("</tbody>")[0]


def test_the_page_refuses_what_the_api_refuses_in_the_persons_language_and_keeps_the_form(
        client, sign_in, coordinator_person, member_organization, db_session):
    factories.person(member_organization, email="taken@example.org")
    sign_in(client, coordinator_person)
    refused = invite(client, "edri-at", display_name="Somebody", email="not an address", role="member")
    assert refused.status_code == 422 and "Nobody was invited." in refused.text
    assert 'id="email-error"' in refused.text and 'value="Somebody"' in refused.text
    taken = invite(client, "edri-at", display_name="Twice", email="taken@example.org")
    assert taken.status_code == 409 and "A person with this e-mail address already exists." in taken.text
    # Only coordinator organizations have coordinators, and the form does not even offer it.
    assert '<option value="coordinator"' not in client.get("/organizations/edri-at/people").text
    forged = invite(client, "edri-at", display_name="Boss", email="boss@example.org", role="coordinator")
    assert forged.status_code == 422 and "Only coordinator organizations have coordinators." in forged.text
    german = client.post("/organizations/edri-at/people?locale=de", data={
        "csrf_token": form_token(client.get("/organizations/edri-at/people").text),
        "display_name": "", "email": "x@example.org"})
    assert german.status_code == 422 and '<html lang="de">' in german.text
    assert db_session.scalar(select(Person).filter_by(email="x@example.org")) is None
    assert db_session.scalar(select(Person).filter_by(email="boss@example.org")) is None


def test_a_coordinator_changes_a_role_and_locales_and_the_persons_access_follows(
        client, sign_in, coordinator_person, member_organization, db_session):
    reviewer = factories.person(member_organization, role="translator", locales=["de"], display_name="Jonas")
    sign_in(client, coordinator_person)
    page = client.get(f"/organizations/edri-at/people/{reviewer.id}")
    assert page.status_code == 200 and 'value="de"' in page.text
    changed = client.post(f"/organizations/edri-at/people/{reviewer.id}", data={
        "csrf_token": form_token(page.text), "display_name": "Jonas Berger", "role": "reviewer",
        "locales": "de; fr", "locale": ""})
    assert changed.status_code == 303 and changed.headers["Location"].endswith("/organizations/edri-at/people?notice=changed")
    db_session.refresh(reviewer)
    assert (reviewer.display_name, reviewer.role, reviewer.locales, reviewer.locale) == ("Jonas Berger", "reviewer", ["de", "fr"], None)
    refused = client.post(f"/organizations/edri-at/people/{reviewer.id}", data={
        "csrf_token": form_token(page.text), "display_name": "Jonas", "role": "owner", "locales": "", "locale": ""})
    assert refused.status_code == 422 and 'id="role-error"' in refused.text and "Nothing was changed." in refused.text
    db_session.refresh(reviewer)
    assert reviewer.display_name == "Jonas Berger"


def test_a_new_link_replaces_the_old_one_and_removal_ends_the_persons_sessions(
        app, client, sign_in, coordinator_person, member_organization, db_session):
    sign_in(client, coordinator_person)
    first = invitation_path(invite(client, "edri-at", display_name="Mia", email="mia@example.org").text)
    mia = db_session.scalars(select(Person).filter_by(email="mia@example.org")).one()
    page = client.get(f"/organizations/edri-at/people/{mia.id}")
    again = client.post(f"/organizations/edri-at/people/{mia.id}/invitation", data={"csrf_token": form_token(page.text)})
    assert again.status_code == 201 and invitation_path(again.text) != first
    assert app.test_client().get(first).status_code == 410
    signed_in = factories.person(member_organization, display_name="Noor")
    theirs = app.test_client()
    sign_in(theirs, signed_in)
    confirm = client.get(f"/organizations/edri-at/people/{signed_in.id}/remove")
    assert confirm.status_code == 200 and "Noor" in confirm.text
    removed = client.post(f"/organizations/edri-at/people/{signed_in.id}/remove",
                          data={"csrf_token": form_token(confirm.text)})
    assert removed.status_code == 303
    assert theirs.get("/account").status_code == 302
    assert "Noor" not in client.get("/organizations/edri-at/people").text


def test_only_coordinators_manage_people_and_forms_need_their_token(
        app, client, sign_in, coordinator_person, member_organization, db_session):
    member = factories.person(member_organization, display_name="Pia")
    sign_in(client, member)
    assert client.get("/organizations/edri-at/people").status_code == 403
    assert client.get("/people").status_code == 403
    stranger = app.test_client()
    assert stranger.get("/organizations/edri-at/people").status_code == 302
    coordinator = app.test_client()
    sign_in_client(coordinator, coordinator_person)
    forged = coordinator.post("/organizations/edri-at/people", data={"display_name": "X", "email": "x@example.org"})
    assert forged.status_code == 400
    assert coordinator.get("/organizations/nobody-here/people").status_code == 404
    assert coordinator.get("/people?organization=edri-at").headers["Location"].endswith("/organizations/edri-at/people")
    assert coordinator.get("/people").headers["Location"].endswith(
        f"/organizations/{coordinator_person.organization.slug}/people")
    assert coordinator.get(f"/organizations/edri-at/people/{member.id}x").status_code == 404
