"""A batch is loaded with shortcuts (remembered values, one read of randomness for its ids); these
check the shortcuts answer exactly what loading each report on its own would."""

from __future__ import annotations

import time
import uuid

from coalition.db import new_time_ordered_uuid, new_time_ordered_uuids
from tests.campaigns.conftest import report
from tests.campaigns.test_signatures import post, url
from tests.conftest import table_counts


def test_a_value_accepted_once_in_a_batch_does_not_let_a_lookalike_through(client, campaign, member_headers):
    body = {"reports": [report(count=1), report(count=True), report(count=1.0), report(count="1"),
                        report(country="de"), report(country="DE "), report(country=["DE"])]}
    response = post(client, campaign, member_headers, body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["reports"]
    assert errors == {"1": {"count": ["Not a valid integer."]}, "3": {"count": ["Not a valid integer."]},
                      "6": {"country": ["Not a valid string."]}}
    assert table_counts("signature_reports")["signature_reports"] == 0


def test_a_batch_reports_each_broken_rule_of_each_report(client, campaign, member_headers):
    body = {"reports": [report(count=-1), report(count=-1), report(channel="fax", as_of="yesterday"), report()]}
    response = post(client, campaign, member_headers, body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["reports"]
    assert errors["0"] == errors["1"] == {"count": ["Must be between 0 and 10000000."]}
    assert set(errors["2"]) == {"channel", "as_of"}
    assert "3" not in errors


def test_numbers_beyond_64_bits_are_refused_as_out_of_range_not_as_bad_json(client, campaign, member_headers):
    body = '{"reports": [{"country": "DE", "channel": "online", "mode": "delta", "count": 100000000000000000000000,' \
           ' "as_of": "2026-03-01T12:00:00Z"}]}'
    response = client.post(url(campaign), data=body, headers={**member_headers, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["reports"]["0"]["count"] == ["Must be between 0 and 10000000."]


def test_report_ids_are_distinct_uuids_in_the_order_of_the_batch(client, campaign, member_headers):
    response = post(client, campaign, member_headers, {"reports": [report(count=n) for n in range(1, 201)]})
    assert response.status_code == 201, response.get_json()
    ids = [r["id"] for r in response.get_json()["reports"]]
    assert len(set(ids)) == 200
    assert all(uuid.UUID(i).version == 7 and uuid.UUID(i).variant == uuid.RFC_4122 and str(uuid.UUID(i)) == i
               for i in ids)
    assert ids == sorted(ids)


def test_time_ordered_uuids_carry_the_time_and_sort_by_it():
    before = time.time_ns() // 1_000_000
    first = [uuid.UUID(i) for i in new_time_ordered_uuids(5000)]
    after = time.time_ns() // 1_000_000
    singles = [new_time_ordered_uuid() for _ in range(100)]
    assert {(u.version, u.variant) for u in first} == {(7, uuid.RFC_4122)}
    assert before <= first[0].int >> 80 <= after
    # The variant's free bit and the random digits vary: they come from the randomness.
    assert {str(u)[19] for u in first} == set("89ab")
    # 5000 ids need more than one millisecond's 4096 counter values, and still sort in order.
    ordered = [str(u) for u in first] + singles
    assert ordered == sorted(ordered) and len(set(ordered)) == 5100
