"""The demo people sign in with the passwords `coalition demo` prints."""

from __future__ import annotations

from coalition.demo import load_demo
from coalition.people.demo import DEMO_PEOPLE
from coalition.people.operations import get_person_by_email
from tests.conftest import sign_in_client


def test_the_demo_people_sign_in_with_the_printed_passwords(client, db_session):
    lines = load_demo()
    assert load_demo() == lines  # idempotent
    db_session.commit()
    for email, password, *_rest in DEMO_PEOPLE:
        assert any(email in line and password in line for line in lines)
        person = get_person_by_email(email)
        assert sign_in_client(client, person, password).status_code == 303
    translator = get_person_by_email("translator-de@demo.example")
    assert translator.role == "translator" and translator.locales == ["de"]
    assert '<html lang="de">' in client.get("/account").text
