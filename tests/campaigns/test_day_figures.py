"""Series and past figures from the day figures equal a straightforward replay of the ledger.

Randomized ledgers, sent through the API as single reports and batches: totals and deltas in
any order of time, late totals, corrections that lower a figure, ties on `as_of`, reports at
midnight, several organizations, countries and channels.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from coalition.campaigns.models import SignatureReport
from coalition.campaigns.progress import figures_at
from coalition.extensions import db
from coalition.organizations.models import Organization
from tests import factories

COUNTRIES = ("DE", "FR", "MT")
CHANNELS = ("paper", "online")


def rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def replay(reports: list, instant: datetime) -> int:
    """The figure of one key at `instant`: the newest total at or before it plus the later deltas."""
    figure, total_as_of = 0, None
    for report in sorted(reports, key=lambda r: (r.as_of, r.id)):
        if report.as_of > instant:
            break
        if report.mode == "total":
            figure, total_as_of = report.count, report.as_of
        elif total_as_of is None or report.as_of > total_as_of:
            figure += report.count
    return figure


def ledger_by_key(campaign) -> dict[tuple, list]:
    by_key = defaultdict(list)
    for report in db.session.execute(
            select(Organization.slug, SignatureReport.country, SignatureReport.channel, SignatureReport.mode,
                   SignatureReport.count, SignatureReport.as_of, SignatureReport.id)
            .join(Organization, Organization.id == SignatureReport.organization_id)
            .where(SignatureReport.campaign_id == campaign.id)):
        by_key[(report.slug, report.country, report.channel)].append(report)
    return by_key


def expected_series(campaign, by_key: dict, granularity: str, group_by: str) -> list[dict]:
    part = {"organization": 0, "country": 1, "channel": 2}[group_by]
    days = [report.as_of.date() for reports in by_key.values() for report in reports]

    def period_start(day: date) -> date:
        return day - timedelta(days=day.weekday()) if granularity == "week" else day

    step = timedelta(days=7 if granularity == "week" else 1)
    periods, start = [], period_start(max(campaign.starts_on, min(days)))
    while start <= period_start(max(days)):
        periods.append(start)
        start += step
    ends = [datetime.combine(period + step, time.min, tzinfo=UTC) - timedelta(microseconds=1) for period in periods]
    groups = defaultdict(lambda: [0] * len(periods))
    for key, reports in by_key.items():
        for index, end in enumerate(ends):
            groups[key[part]][index] += replay(reports, end)
    series = []
    for group in sorted(groups):
        points, previous = [], 0
        for period, figure in zip(periods, groups[group]):
            points.append({"period_start": period.isoformat(), "figure": figure, "increment": figure - previous})
            previous = figure
        series.append({"group": group, "points": points})
    return series


def random_report(rng: random.Random, moments: list[datetime]) -> dict:
    return {"country": rng.choice(COUNTRIES), "channel": rng.choice(CHANNELS),
            "mode": "total" if rng.random() < 0.35 else "delta", "count": rng.randrange(0, 400),
            "as_of": rfc3339(rng.choice(moments)), "reason": "recount"}


def send_random_ledger(client, campaign, headers_of: list[dict], rng: random.Random, requests: int) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    midnights = [datetime.combine(now.date() - timedelta(days=d), time.min, tzinfo=UTC) for d in range(12)]
    # A small pool of moments, so that totals and deltas share an `as_of`; midnights start days.
    moments = midnights + [now - timedelta(seconds=rng.randrange(0, 12 * 86400)) for _ in range(30)]
    url = f"/api/v1/campaigns/{campaign.slug}/signatures"
    for _ in range(requests):
        headers = rng.choice(headers_of)
        if rng.random() < 0.5:
            body = random_report(rng, moments)
        else:
            body = {"reports": [random_report(rng, moments) for _ in range(rng.randrange(1, 12))]}
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_series_and_past_figures_equal_a_replay_of_the_ledger(client, db_session, auth_headers, seed):
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    campaign = factories.make_campaign(starts_on=today - timedelta(days=14), ends_on=today + timedelta(days=30))
    organizations = [factories.make_organization() for _ in range(3)]
    coordinator = factories.make_organization(role="coordinator")
    headers_of = [auth_headers(organization, "campaigns:read signatures:write") for organization in organizations]
    reader = auth_headers(coordinator, "campaigns:read metrics:read")
    send_random_ledger(client, campaign, headers_of, rng, requests=40)

    by_key = ledger_by_key(campaign)
    for granularity in ("day", "week"):
        for group_by in ("country", "organization", "channel"):
            answer = client.get(f"/api/v1/campaigns/{campaign.slug}/signatures/series"
                                f"?granularity={granularity}&group_by={group_by}", headers=reader)
            assert answer.status_code == 200
            assert answer.get_json()["series"] == expected_series(campaign, by_key, granularity, group_by), (
                granularity, group_by)

    now = datetime.now(UTC)
    instants = sorted({now - timedelta(seconds=rng.randrange(0, 13 * 86400)) for _ in range(5)}
                      | {datetime.combine(today - timedelta(days=3), time.min, tzinfo=UTC)})
    answered = dict(figures_at(campaign, instants))
    assert {key: answered.get(key, [0] * len(instants)) for key in by_key} == {
        key: [replay(reports, instant) for instant in instants] for key, reports in by_key.items()}
    one = organizations[0]
    assert dict(figures_at(campaign, instants, one.id)) == {
        key: [replay(reports, instant) for instant in instants]
        for key, reports in by_key.items() if key[0] == one.slug}
