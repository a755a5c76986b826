"""Local fake systems speaking each documented shape, and helpers to poll as the worker does."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from coalition.campaigns.models import SignatureTally
from coalition.extensions import db
from tests import factories
from tests.receivers import Answer, Receiver


def eci_map(counts: dict[str, int]) -> dict:
    """The Commission's `report/map`: lower-case codes, `el` for Greece, `treshold` spelt so."""
    return {"signatureCountryCount": [{"countryCode": code, "count": count, "treshold": 14400,
                                       "percentage": round(count / 144, 2)} for code, count in counts.items()]}


def proca_stats(total: int, by_org: dict[str, int] | None = None) -> dict:
    return {"data": {"actionPage": {"campaign": {"stats": {
        "supporterCount": total,
        "supporterCountByOrg": [{"org": {"name": name}, "count": count} for name, count in (by_org or {}).items()]}}}}}


def petition(total: int) -> dict:
    """An Action Network petition (OSDI, HAL)."""
    return {"identifiers": ["action_network:1efc3644-af25-4253-90b8-a0baf12dbd1e"], "title": "Ban biometric mass "
            "surveillance", "total_signatures": total, "_links": {"self": {"href": "https://actionnetwork.org/api/"
                                                                              "v2/petitions/1efc3644"}}}


class FakeSystems(Receiver):
    """One local server; `documents[path]` is what GET path answers (a dict becomes JSON, an
    Answer is sent as it is); the Commission's progression is derived from its map."""

    def __init__(self) -> None:
        self.documents: dict[str, object] = {}
        super().__init__(self._answer)

    def _answer(self, request):
        path = urlsplit(request.path).path
        if path.endswith("/report/progression") and path.replace("progression", "map") in self.documents:
            entries = self.documents[path.replace("progression", "map")]["signatureCountryCount"]
            return Answer(200, json.dumps({"signatureCount": sum(e["count"] for e in entries),
                                           "goal": 1000000}).encode(), {"Content-Type": "application/json"})
        document = self.documents.get(path)
        if document is None:
            return Answer(404, b'{"error": "not found"}')
        if isinstance(document, Answer):
            return document
        return Answer(200, json.dumps(document).encode(), {"Content-Type": "application/json"})

    def requests_to(self, path: str):
        return [r for r in self.received if urlsplit(r.path).path == path]

    @staticmethod
    def query(request) -> dict:
        return {name: values[0] for name, values in parse_qs(urlsplit(request.path).query).items()}


@pytest.fixture
def local_systems(configure):
    """Local http:// systems may be reached (as OUTBOUND_ALLOW_PRIVATE=true allows)."""
    configure(outbound_allow_private=True, outbound_timeout=2.0, jobs_inline=True)


@pytest.fixture
def systems(local_systems):
    with FakeSystems() as running:
        yield running


def figures_of(campaign, organization, channel: str = "online") -> dict[str, int]:
    return {country: int(figure) for country, figure in db.session.execute(
        select(SignatureTally.country, SignatureTally.figure).filter_by(
            campaign_id=campaign.id, organization_id=organization.id, channel=channel))}


def connect(client, headers, campaign, **body) -> dict:
    """Connect a source through the API (polled at once: jobs run inline in these tests)."""
    answer = client.post(f"/api/v1/campaigns/{campaign.slug}/sources", headers=headers, json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


@pytest.fixture
def campaign(db_session):
    campaign = factories.make_campaign()
    db_session.commit()
    return campaign


@pytest.fixture
def writer(auth_headers, member):
    return auth_headers(member, "signatures:write")
