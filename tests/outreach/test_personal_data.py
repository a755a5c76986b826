"""The personal-data guard: contact details are refused, dates and counts are not mistaken for them."""

import pytest

from coalition.privacy import personal_data_problem
from tests import factories
from tests.conftest import table_counts

WRITE = "actions:read actions:write"

EMAILS = ["anna@example.org", "Write to anna.schmidt+ngo@mail.example.co.uk today",
          "anna [at] example [dot] org", "mail anna(at)example.org", "ANNA@EXAMPLE.ORG"]
PHONES = ["+49 30 1234567", "0049 30 1234567", "030 1234567", "Tel.: 030/1234567", "(030) 123-4567",
          "+49 (0)30 1234567", "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "+33 6 12 34 56 78",
          "612 345 678", "+48512345678", "call 0301234567 now", "+43 1 234567", "347 123 4567"]
# The same details hidden the ways people hide them from scrapers, or as keyboards and word
# processors write them.
OBFUSCATED_EMAILS = ["anna\uff20example.org", "\uff41\uff4e\uff4e\uff41\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff4f\uff52\uff47",
                     "anna @ example.org", "anna@ example.org", "anna at example dot org", "anna(at)example(dot)org",
                     "an\u200bna@exam\u200dple.org", "anna\u00ad@example.org", "anna {at} example {dot} org"]
OBFUSCATED_PHONES = ["030 \u2013 1234567", "030\u20141234567", "O151 2345 6789", "+49 30 12\u200b34 567",
                     "\uff10\uff13\uff10 \uff11\uff12\uff13\uff14\uff15\uff16\uff17", "030 / 123 45 67",
                     "OO49 30 1234567", "+33 6 12 34 56 78\u2060"]
IBANS = ["DE89 3704 0044 0532 0130 00", "FR1420041010050500013M02606", "nl91 abna 0417 1643 00",
         "pay to IT60X0542811101000000123456 please"]
ID_NUMBERS = ["DNI 12345678Z", "NIE X1234567L", "RSSMRA85T10A562S", "12345678-Z"]
# Long national personal numbers are caught by the digit rule: PESEL, BSN, NIR, personnummer.
NUMERIC_IDS = ["44051401359", "111222333", "1 85 05 78 006 084 36", "19900101-1234"]
NOT_PERSONAL = ["Stand at Alexanderplatz", "We met at the station at 10:00", "2026-03-01 \u2013 2026-03-05",
                "10:00 \u2013 18:00", "between 1200 \u2013 1500 people", "12345678 flyers", "DE 120 signatures",
                "code DE89 was used", "Bus 100 to Radio1", "bring your ID card", "DE89370400440532013001",
"1200 people", "2026-03-01", "01.03.2026", "1/3/2026 14:30", "from 2026-03-01 to 2026-03-05",
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


@pytest.mark.parametrize("text", OBFUSCATED_EMAILS)
def test_obfuscated_email_addresses_are_recognised(app, text):
    with app.test_request_context():
        assert "e-mail address" in personal_data_problem(text)


@pytest.mark.parametrize("text", OBFUSCATED_PHONES + NUMERIC_IDS)
def test_obfuscated_phone_numbers_and_numeric_ids_are_recognised(app, text):
    with app.test_request_context():
        assert "phone number or an ID number" in personal_data_problem(text)


@pytest.mark.parametrize("text", IBANS)
def test_ibans_are_recognised_by_their_check_digits(app, text):
    with app.test_request_context():
        assert "IBAN" in personal_data_problem(text)


@pytest.mark.parametrize("text", ID_NUMBERS)
def test_spanish_and_italian_id_numbers_are_recognised(app, text):
    with app.test_request_context():
        assert "ID number" in personal_data_problem(text)


def test_id_numbers_with_a_wrong_check_letter_are_not_mistaken(app):
    with app.test_request_context():
        assert personal_data_problem("DNI 12345678A") is None


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

