"""Progress against the ECI thresholds, time series and past figures from the day figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import and_, func, or_, select

from coalition.campaigns import eci
from coalition.campaigns.counter import country_figures
from coalition.campaigns.models import Campaign, SignatureDayFigure, SignatureReport, SignatureTally
from coalition.campaigns.operations import campaign_thresholds, list_verifications
from coalition.extensions import db
from coalition.organizations.models import Organization

DAY = SignatureDayFigure


def projected(count: int, rate: float) -> int:
    """count × rate, rounded down, without binary floating-point surprises (1000 × 0.85 = 850)."""
    return int((Decimal(count) * Decimal(str(rate))).to_integral_value(rounding=ROUND_FLOOR))


def campaign_progress(campaign: Campaign) -> dict:
    figures, _updated = country_figures(campaign.id)
    thresholds = campaign_thresholds(campaign)
    verified = {v.country: v.valid for v in list_verifications(campaign)}
    if campaign.kind == "eci":
        countries = list(eci.member_states())
    else:
        countries = sorted(set(figures) | set(thresholds) | set(verified))
    rows = []
    for country in countries:
        count = figures.get(country, 0)
        threshold = thresholds.get(country)
        valid = verified.get(country)
        rows.append({
            "country": country,
            "count": count,
            "verified": valid,
            "projected_valid": valid if valid is not None else projected(count, campaign.expected_validity_rate),
            "threshold": threshold,
            "ratio": round(count / threshold, 4) if threshold else None,
            "met": count >= threshold if threshold else None,
        })
    organizations = db.session.execute(
        select(Organization.slug, func.sum(SignatureTally.figure))
        .join(Organization, Organization.id == SignatureTally.organization_id)
        .where(SignatureTally.campaign_id == campaign.id)
        .group_by(Organization.slug)
        .order_by(func.sum(SignatureTally.figure).desc(), Organization.slug)
    ).all()
    total = sum(figures.values())
    result = {
        "campaign": campaign.slug,
        "total": total,
        "countries_over_threshold": sum(1 for row in rows if row["met"]),
        "countries": rows,
        "organizations": [{"organization": slug, "count": int(count or 0)} for slug, count in organizations],
        "eci": None,
    }
    if campaign.kind == "eci":
        projected_by_country = {row["country"]: row["projected_valid"] for row in rows}
        result["eci"] = {
            "required_total": eci.REQUIRED_TOTAL,
            "required_states": eci.REQUIRED_STATES,
            "met_reported": eci.is_successful(total, figures, thresholds),
            "met_projected": eci.is_successful(sum(projected_by_country.values()), projected_by_country, thresholds),
        }
    return result


def _period_start(day: date, granularity: str) -> date:
    return day - timedelta(days=day.weekday()) if granularity == "week" else day


def _of_campaign(statement, campaign: Campaign, organization_id: str | None):
    statement = statement.where(DAY.campaign_id == campaign.id)
    return statement if organization_id is None else statement.where(DAY.organization_id == organization_id)


def _reports_within_days(campaign: Campaign, instants: list[datetime], organization_id: str | None) -> dict:
    """Per (organization slug, country, channel), the reports of each instant's day up to it, in
    the order they count."""
    report = SignatureReport
    within = or_(*[and_(report.as_of >= datetime.combine(instant.date(), time.min, tzinfo=UTC),
                        report.as_of <= instant) for instant in instants])
    statement = (
        select(Organization.slug, report.country, report.channel, report.mode, report.count, report.as_of)
        .join(Organization, Organization.id == report.organization_id)
        .where(report.campaign_id == campaign.id, within)
        .order_by(report.as_of, report.id)
    )
    if organization_id is not None:
        statement = statement.where(report.organization_id == organization_id)
    by_key: dict[tuple, list] = defaultdict(list)
    for row in db.session.execute(statement):
        by_key[(row.slug, row.country, row.channel)].append(row)
    return by_key


def _figure_within_day(figure: int, reports: list, instant: datetime) -> int:
    """The figure at `instant` from the figure at the end of the day before and that day's reports."""
    total_as_of = None
    for report in reports:
        if report.as_of > instant or report.as_of.date() != instant.date():
            continue
        if report.mode == "total":
            # Sorted by as_of, so every delta seen so far is at or before this total.
            figure, total_as_of = report.count, report.as_of
        elif total_as_of is None or report.as_of > total_as_of:
            figure += report.count
    return figure


def figures_at(campaign: Campaign, instants: list[datetime], organization_id: str | None = None) -> list[tuple]:
    """Per (organization slug, country, channel), the figure at each instant.

    The figure at the end of the day before an instant is the key's latest day figure before
    that day: one probe of the day figures' primary key per key and instant, however long the
    history; then that day's reports up to the instant.
    """
    if not instants:
        return []
    tally = SignatureTally

    def latest_before(instant: datetime):
        return (select(DAY.figure)
                .where(DAY.campaign_id == tally.campaign_id, DAY.organization_id == tally.organization_id,
                       DAY.country == tally.country, DAY.channel == tally.channel, DAY.day < instant.date())
                .order_by(DAY.day.desc()).limit(1).scalar_subquery())

    statement = (select(Organization.slug, tally.country, tally.channel, *[latest_before(i) for i in instants])
                 .join(Organization, Organization.id == tally.organization_id)
                 .where(tally.campaign_id == campaign.id))
    if organization_id is not None:
        statement = statement.where(tally.organization_id == organization_id)
    within = _reports_within_days(campaign, instants, organization_id)
    answer = []
    for slug, country, channel, *before in db.session.execute(statement):
        key = (slug, country, channel)
        answer.append((key, [_figure_within_day(int(value or 0), within.get(key, []), instant)
                             for value, instant in zip(before, instants)]))
    return sorted(answer)


def signature_series(campaign: Campaign, granularity: str, group_by: str, organization_id: str | None = None) -> dict:
    """Per group and period: the figure at the period's end and its increment over the previous one.

    The sums of the day figures' increments, per group and day: a figure at a period's end is
    the sum of every increment up to it.
    """
    group = {"organization": Organization.slug, "country": DAY.country, "channel": DAY.channel}[group_by]
    statement = select(group, DAY.day, func.sum(DAY.increment)).group_by(group, DAY.day)
    if group_by == "organization":
        statement = statement.join(Organization, Organization.id == DAY.organization_id)
    rows = db.session.execute(_of_campaign(statement, campaign, organization_id)).all()
    periods: list[date] = []
    if rows:
        step = timedelta(days=7 if granularity == "week" else 1)
        start = _period_start(max(campaign.starts_on, min(row[1] for row in rows)), granularity)
        last = _period_start(max(row[1] for row in rows), granularity)
        while start <= last:
            periods.append(start)
            start += step
    position = {period: index for index, period in enumerate(periods)}
    increments: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    for name, day, increment in rows:
        # Days before the first period (a start moved later) count in its figure.
        increments[name][position.get(_period_start(day, granularity), 0)] += int(increment)
    series = []
    for name in sorted(increments):
        points, previous = [], 0
        for period, increment in zip(periods, increments[name]):
            figure = previous + increment
            points.append({"period_start": period, "figure": figure, "increment": increment})
            previous = figure
        series.append({"group": name, "points": points})
    return {"campaign": campaign.slug, "granularity": granularity, "group_by": group_by, "series": series}
