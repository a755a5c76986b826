"""The personal-data guard: contact details are refused, dates and counts are not mistaken for them."""

import pytest

from coalition.outreach.privacy import personal_data_problem
from tests import factories
from tests.conftest import table_counts

WRITE = "actions:read actions:write"

EMAILS = ["anna@example.org", "Write to anna.schmidt+ngo@mail.example.co.uk today",
          "anna [at] example [dot] org", "mail anna(at)example.org", "ANNA@EXAMPLE.ORG"]
PHONES = ["+49 30 1234567", "0049 30 1234567", "030 1234567", "Tel.: 030/1234567", "(030) 123-4567",
          "+49 (0)30 1234567", "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "+33 6 12 34 56 78",
          "612 345 678", "+48512345678", "call 0301234567 now", "+43 1 234567", "347 123 4567"]
NOT_PERSONAL = ["1200 people", "2026-03-01", "01.03.2026", "1/3/2026 14:30", "from 2026-03-01 to 2026-03-05",
                "2026-03-01–2026-03-05", "12.03.-14.03.2026", "10:00-18:00", "1.200.000 signatures",
                "1,200,000", "1 200 000 people", "in 2024 2025 2026", "between 10000-15000 visitors",
                "postcode 10115 Berlin", "https://example.org/events/123456789", "Room 101, stand 12",
                "3 stalls, 1200 flyers, 45 posters", "follow @edri", "KW 10/2026",
                "1200 people on 2026-03-01 between 10:00 and 18:00", "", None]


@pytest.mark.parametrize("text", EMAILS)
def test_email_addresses_are_recognised(app, text):
    with app.test_request_context():
        assert "e-mail address" in personal_data_problem(text)


@pytest.mark.parametrize("text", PHONES)
def test_phone_numbers_are_recognised(app, text):
    with app.test_request_context():
        assert "phone number" in personal_data_problem(text)


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_dates_times_years_and_counts_are_not_personal_data(app, text):
    with app.test_request_context():
        assert personal_data_problem(text) is None


@pytest.fixture
def campaign(db_session):
    return factories.make_campaign()


@pytest.mark.parametrize("field, value, word", [
    ("notes", "Volunteer lead: Anna, 0151 2345 6789", "phone number"),
    ("notes", "Ask jan@example.org for the forms", "e-mail address"),
    ("locality", "Kiosk, ring +49 30 1234567", "phone number"),
    ("tags", ["volunteers", "anna@example.org"], "e-mail address"),
])
def test_personal_data_is_refused_with_the_reason(client, member, campaign, auth_headers, field, value, word):
    action = {"kind": "event", "action_date": "2026-03-02", "country": "DE", field: value}
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/actions", json=action,
                           headers=auth_headers(member, WRITE))
    assert response.status_code == 422
    message = str(response.get_json()["errors"][field])
    assert word in message and "stores no personal data" in message
    assert table_counts("outreach_actions") == {"outreach_actions": 0}


def test_patch_refuses_personal_data_too(client, member, campaign, auth_headers):
    action = factories.make_action(campaign, member)
    response = client.patch(f"/api/v1/actions/{action.id}", json={"notes": "Call +33 6 12 34 56 78"},
                            headers=auth_headers(member, WRITE))
    assert response.status_code == 422
    assert "phone number" in response.get_json()["errors"]["notes"][0]


def test_numbers_in_notes_are_stored(client, member, campaign, auth_headers):
    notes = "1200 people on 2026-03-01 between 10:00 and 18:00; 1.200.000 signatures so far."
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/actions",
                           json={"kind": "event", "action_date": "2026-03-01", "country": "DE", "notes": notes},
                           headers=auth_headers(member, WRITE))
    assert response.status_code == 201
    assert response.get_json()["notes"] == notes

