"""Every kind of bad answer makes the source `failing` with a clear, translated error and
changes no figure; the outage is announced once, and the next good answer ends it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from coalition.extensions import db
from coalition.outbox import OutboxEvent
from coalition.sources.models import CounterSource
from coalition.sources.polling import BACKOFF_CAP, next_delay, poll
from tests.receivers import Answer
from tests.sources.conftest import connect, eci_map, figures_of

pytestmark = pytest.mark.usefixtures("db_session")


def _json(document) -> Answer:
    return Answer(200, json.dumps(document).encode(), {"Content-Type": "application/json"})


ECI_FAILURES = [
    ("not json", Answer(200, b"<html>maintenance</html>"), "The answer is not JSON."),
    ("NaN is not json", Answer(200, b'{"signatureCountryCount": [{"countryCode": "fr", "count": NaN}]}'),
     "The answer is not JSON."),
    ("too large", Answer(200, b'{"x": "' + b"a" * 300_000 + b'"}'), "The answer is larger than 262144 bytes."),
    ("server error", Answer(503, b"{}"), "The source answered HTTP 503."),
    ("redirect", Answer(302, b"", {"Location": "http://127.0.0.1:1/elsewhere"}),
     "The source answered with a redirect (HTTP 302); redirects are not followed."),
    ("wrong shape", _json({"signatureCount": 5}), "The answer does not have the shape of report/map."),
    ("negative", _json(eci_map({"fr": -3})), "The value at signatureCountryCount.0.count is negative."),
    ("fractional", _json(eci_map({"fr": 2.5})),
     "The value at signatureCountryCount.0.count is not a whole number."),
    ("a string", _json({"signatureCountryCount": [{"countryCode": "fr", "count": "12"}]}),
     "The value at signatureCountryCount.0.count is not a whole number."),
    ("above the limit", _json(eci_map({"fr": 1_000_000_001})),
     "The value at signatureCountryCount.0.count is above 1000000000, the largest figure taken."),
    ("unknown country", _json(eci_map({"fr": 5, "xx": 3})), "The answer names xx, which is not a member state."),
    ("not a member state", _json(eci_map({"gb": 3})), "The answer names gb, which is not a member state."),
    ("duplicated country", _json({"signatureCountryCount": [{"countryCode": "el", "count": 1},
                                                            {"countryCode": "gr", "count": 2}]}),
     "The answer names gr more than once."),
    ("slow", Answer(200, json.dumps(eci_map({"fr": 5})).encode(), delay=3.0), "The source did not answer in time."),
]


@pytest.mark.parametrize(("name", "answer", "message"), ECI_FAILURES, ids=[f[0] for f in ECI_FAILURES])
def test_a_bad_answer_fails_the_source_and_changes_no_figure(client, writer, member, campaign, systems,
                                                             name, answer, message):
    systems.documents["/eci/report/map"] = eci_map({"fr": 100})
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    systems.documents["/eci/report/map"] = answer
    poll(source_id)
    poll(source_id)
    assert figures_of(campaign, member) == {"FR": 100}
    shown = client.get(f"/api/v1/sources/{source_id}", headers=writer).get_json()
    assert shown["status"] == "failing" and shown["last_error"] == message
    assert shown["last_values"] == {"FR": 100}
    assert [e.payload for e in _events("source.failed")] == [{"campaign": campaign.slug, "organization": member.slug, "source": source_id,
                       "kind": "eci_online"}]


def _events(kind: str) -> list:
    return list(db.session.scalars(select(OutboxEvent).filter_by(kind=kind)))


@pytest.mark.parametrize(("options", "document", "message"), [
    ({"path": "data.total"}, {"data": {}}, "The answer has no value at data.total."),
    ({"path": "items.3"}, {"items": [1, 2]}, "The answer has no value at items.3."),
    ({"path": "total"}, {"total": True}, "The value at total is not a whole number."),
    ({"path": "total"}, [1, 2], "The answer has no value at total."),
])
def test_json_answers_without_a_usable_figure(client, writer, member, campaign, systems, options, document, message):
    systems.documents["/doc.json"] = document
    source_id = connect(client, writer, campaign, kind="json", url=systems.url("/doc.json"), country="DE",
                        options=options)["id"]
    shown = client.get(f"/api/v1/sources/{source_id}", headers=writer).get_json()
    assert shown["status"] == "failing" and shown["last_error"] == message
    assert figures_of(campaign, member) == {}


def test_subtracting_more_than_the_figure_fails(client, writer, member, campaign, systems):
    systems.documents["/doc.json"] = {"total": 10}
    systems.documents["/partner.json"] = {"total": 11}
    source_id = connect(client, writer, campaign, kind="json", url=systems.url("/doc.json"), country="DE",
                        options={"path": "total", "subtract": [{"url": systems.url("/partner.json"),
                                                                 "path": "total"}]})["id"]
    shown = client.get(f"/api/v1/sources/{source_id}", headers=writer).get_json()
    assert shown["last_error"] == "The figures to subtract (11) are more than the figure (10)."


def test_proca_graphql_errors_fail_the_source(client, writer, campaign, systems):
    systems.documents["/graphql"] = {"errors": [{"message": "Cannot query field"}], "data": None}
    source_id = connect(client, writer, campaign, kind="proca", url=systems.url("/graphql"), country="DE",
                        options={"action_page": 1})["id"]
    shown = client.get(f"/api/v1/sources/{source_id}", headers=writer).get_json()
    assert shown["last_error"] == "The GraphQL endpoint answered with errors."


def test_a_refused_address_fails_the_source_when_private_addresses_are_not_allowed(
        client, writer, member, campaign, systems, configure):
    systems.documents["/eci/report/map"] = eci_map({"fr": 100})
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    configure(outbound_allow_private=False, jobs_inline=True)
    poll(source_id)
    shown = client.get(f"/api/v1/sources/{source_id}", headers=writer).get_json()
    assert shown["status"] == "failing"
    assert shown["last_error"] == "The source's address is not an https:// address with a host name."
    assert figures_of(campaign, member) == {"FR": 100}


def test_a_connection_refused(client, writer, campaign, local_systems):
    source_id = connect(client, writer, campaign, kind="eci_online", url="http://127.0.0.1:9/eci")["id"]
    shown = client.get(f"/api/v1/sources/{source_id}", headers=writer).get_json()
    assert shown["last_error"] == "Could not connect to the source."


def test_the_error_is_in_the_language_of_the_request(client, writer, campaign, systems, app):
    systems.documents["/eci/report/map"] = Answer(200, b"nope")
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    # Each request in its own app context, as in production (flask-babel keeps the locale there).
    with app.app_context():
        german = client.get(f"/api/v1/sources/{source_id}", headers={**writer, "Accept-Language": "de"})
    assert german.headers["Content-Language"] == "de"
    assert german.get_json()["last_error"] == "Die Antwort ist kein JSON."
    with app.app_context():
        runs = client.get(f"/api/v1/sources/{source_id}/runs", headers={**writer, "Accept-Language": "fr"})
    assert runs.headers["Content-Language"] == "fr"
    assert [(run["outcome"], run["error"]) for run in runs.get_json()["items"]] == [
        ("failed", "La réponse n'est pas du JSON.")]


def test_recovery_after_an_outage(client, writer, member, campaign, systems, db_session):
    systems.documents["/eci/report/map"] = Answer(500, b"")
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    poll(source_id)
    assert db_session.get(CounterSource, source_id).failures == 2
    systems.documents["/eci/report/map"] = eci_map({"fr": 70})
    assert poll(source_id) == 300
    shown = client.get(f"/api/v1/sources/{source_id}", headers=writer).get_json()
    assert shown["status"] == "active" and shown["last_error"] is None
    assert figures_of(campaign, member) == {"FR": 70}
    systems.documents["/eci/report/map"] = Answer(500, b"")
    poll(source_id)
    assert len(_events("source.failed")) == 2  # a new outage, announced again


def test_backoff_doubles_while_failing_up_to_an_hour():
    source = CounterSource(interval=60, failures=0)
    delays = []
    for failures in range(8):
        source.failures = failures
        delays.append(next_delay(source))
    assert delays == [60, 120, 240, 480, 960, 1920, BACKOFF_CAP, BACKOFF_CAP]
    assert next_delay(CounterSource(interval=7200, failures=3)) == 7200
