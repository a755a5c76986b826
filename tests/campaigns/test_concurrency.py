"""Concurrent reports on real PostgreSQL commits: no update is lost, a key is used once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from coalition.extensions import db
from tests import factories
from tests.campaigns.conftest import report
from tests.conftest import obtain_token

pytestmark = pytest.mark.postgres_only


def _tokens(app, organizations: int) -> tuple[str, list[str]]:
    campaign = factories.make_campaign()
    credentials = []
    for _ in range(organizations):
        client, secret = factories.make_client(factories.make_organization(), "campaigns:read signatures:write")
        credentials.append((client.client_id, secret))
    slug = campaign.slug
    db.commit()
    test_client = app.test_client()
    return slug, [obtain_token(test_client, cid, secret) for cid, secret in credentials]


def test_32_threads_of_50_deltas_give_the_exact_sum(app, committed_db):
    slug, tokens = _tokens(app, 4)
    countries = ["DE", "FR", "IT"]

    def worker(thread: int) -> list[int]:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[thread % len(tokens)]}"}
        statuses = []
        for number in range(50):
            body = report(country=countries[number % 3], count=thread + 1,
                          as_of=f"2026-03-01T{number % 24:02d}:00:00Z")
            statuses.append(client.post(f"/api/v1/campaigns/{slug}/signatures", json=body, headers=headers).status_code)
        return statuses

    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(worker, range(32)))
    assert all(status == 201 for statuses in results for status in statuses)
    expected = sum((thread + 1) * 50 for thread in range(32))
    progress = app.test_client().get(f"/api/v1/campaigns/{slug}/progress",
                                     headers={"Authorization": f"Bearer {tokens[0]}"}).get_json()
    assert progress["total"] == expected
    # A member sees its own organization's figure: the threads that used the first token.
    own = sum((thread + 1) * 50 for thread in range(0, 32, len(tokens)))
    assert [o["count"] for o in progress["organizations"]] == [own]
    ledger = app.test_client().get(f"/api/v1/campaigns/{slug}/signatures",
                                   headers={"Authorization": f"Bearer {tokens[0]}"}).get_json()
    assert ledger["total"] == 32 * 50 // len(tokens)


def test_concurrent_retries_with_one_key_count_once(app, committed_db):
    slug, tokens = _tokens(app, 1)
    headers = {"Authorization": f"Bearer {tokens[0]}", "Idempotency-Key": "nightly-2026-03-01"}
    body = report(count=250)

    def send(_):
        response = app.test_client().post(f"/api/v1/campaigns/{slug}/signatures", json=body, headers=headers)
        return response.status_code, response.get_data()

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(send, range(16)))
    assert {status for status, _body in answers} == {201}
    assert len({data for _status, data in answers}) == 1
    counter = app.test_client().get(f"/api/v1/campaigns/{slug}/counter").get_json()
    assert counter["total"] == 250


def test_concurrent_totals_keep_the_newest(app, committed_db):
    slug, tokens = _tokens(app, 1)
    headers = {"Authorization": f"Bearer {tokens[0]}"}

    def send(hour: int):
        body = report(mode="total", count=1000 + hour, as_of=f"2026-03-01T{hour:02d}:00:00Z", reason="recount")
        return app.test_client().post(f"/api/v1/campaigns/{slug}/signatures", json=body, headers=headers).status_code

    with ThreadPoolExecutor(12) as pool:
        assert set(pool.map(send, range(24))) == {201}
    progress = app.test_client().get(f"/api/v1/campaigns/{slug}/progress", headers=headers).get_json()
    assert progress["total"] == 1023


def test_concurrent_batches_over_the_same_figures_lose_nothing(app, committed_db):
    slug, tokens = _tokens(app, 2)
    keys = [(country, channel) for country in ("DE", "FR", "IT", "ES", "PL") for channel in ("paper", "online")]

    def worker(thread: int) -> set[int]:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[thread % 2]}"}
        statuses = set()
        for batch in range(10):
            # Each batch names the figures in another order: locks are still taken in one order.
            order = keys[batch % len(keys):] + keys[:batch % len(keys)]
            if thread % 2:
                order.reverse()
            body = {"reports": [report(country=c, channel=ch, count=1, as_of=f"2026-03-01T{batch:02d}:00:00Z")
                                for c, ch in order * 2]}
            statuses.add(client.post(f"/api/v1/campaigns/{slug}/signatures", json=body, headers=headers).status_code)
        return statuses

    with ThreadPoolExecutor(8) as pool:
        assert set().union(*pool.map(worker, range(8))) == {201}
    counter = app.test_client().get(f"/api/v1/campaigns/{slug}/progress",
                                    headers={"Authorization": f"Bearer {tokens[0]}"}).get_json()
    assert counter["total"] == 8 * 10 * 20
