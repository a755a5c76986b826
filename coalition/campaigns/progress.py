"""Progress against the ECI thresholds, time series and past figures from the day figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import and_, case, func, literal, select, text, union_all

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


def _within_days(campaign: Campaign, instants: list[datetime], organization_id: str | None):
    """Per key and instant, what the instant's own day adds up to it: the newest total of that day
    up to the instant (None without one) and the deltas after that total (or all day's deltas).

    Totals and deltas count in the order (as_of, id), so a delta at the newest total's own as_of
    or before it counts in that total, not after it.
    """
    report = SignatureReport
    parts = []
    for position, instant in enumerate(instants):
        part = (select(report.organization_id, report.country, report.channel, report.mode, report.count,
                       report.as_of, report.id, literal(position).label("position"))
                .where(report.campaign_id == campaign.id,
                       report.as_of >= datetime.combine(instant.date(), time.min, tzinfo=UTC),
                       report.as_of <= instant))
        if organization_id is not None:
            part = part.where(report.organization_id == organization_id)
        parts.append(part)
    reports = union_all(*parts).cte("own_day_reports")
    is_total = reports.c.mode == "total"

    def key_of(table) -> tuple:
        return table.c.organization_id, table.c.country, table.c.channel, table.c.position

    # Summed without any order (most keys have no total in a day): the newest total's as_of, all deltas.
    sums = (select(*key_of(reports), func.max(case((is_total, reports.c.as_of))).label("total_as_of"),
                   func.sum(case((is_total, 0), else_=reports.c.count)).label("deltas"))
            .group_by(*key_of(reports)).cte("own_day_sums"))
    # Only where there is a total, its reports from the newest total on, ranked: the total of the
    # greatest id first (it counts last among totals of the same as_of).
    totals = select(sums).where(sums.c.total_as_of.is_not(None)).cte("own_day_totals")
    from_total = (select(*key_of(reports), reports.c.mode, reports.c.count, reports.c.as_of, totals.c.total_as_of,
                         func.row_number().over(partition_by=key_of(reports), order_by=(
                             case((is_total, 0), else_=1), reports.c.id.desc())).label("rank"))
                  .join_from(reports, totals, and_(*[mine == theirs for mine, theirs in zip(key_of(reports), key_of(totals))],
                                                   reports.c.as_of >= totals.c.total_as_of))
                  .subquery())
    after_total = (select(*key_of(from_total),
                          func.max(case((and_(from_total.c.rank == 1, from_total.c.mode == "total"),
                                         from_total.c.count))).label("total"),
                          func.sum(case((and_(from_total.c.mode == "delta", from_total.c.as_of > from_total.c.total_as_of),
                                         from_total.c.count), else_=0)).label("deltas"))
                   .group_by(*key_of(from_total)).subquery())
    by_instant = (select(*key_of(sums), after_total.c.total,
                         case((sums.c.total_as_of.is_(None), sums.c.deltas), else_=after_total.c.deltas).label("deltas"))
                  .outerjoin_from(sums, after_total,
                                  and_(*[mine == theirs for mine, theirs in zip(key_of(sums), key_of(after_total))]))
                  .subquery())
    # One row per key, a total and deltas column per instant, so that the tallies join it once.
    return (select(by_instant.c.organization_id, by_instant.c.country, by_instant.c.channel,
                   *[func.max(case((by_instant.c.position == position, by_instant.c.total))).label(f"total_{position}")
                     for position in range(len(instants))],
                   *[func.max(case((by_instant.c.position == position, by_instant.c.deltas))).label(f"deltas_{position}")
                     for position in range(len(instants))])
            .group_by(by_instant.c.organization_id, by_instant.c.country, by_instant.c.channel)
            .subquery("within_days"))


def _without_jit() -> None:
    """For the rest of the transaction: PostgreSQL would spend seconds compiling the past figures'
    statement, which its estimates of the reports of three days (a BRIN index) make look large,
    for a run of a fraction of a second."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def figures_at(campaign: Campaign, instants: list[datetime], organization_id: str | None = None) -> list[tuple]:
    """Per (organization slug, country, channel), the figure at each instant, in one statement.

    The figure at the end of the day before an instant is the key's day figure of that day, read
    with every key's by the index on campaign and day (a day's rows lie together, whatever the
    history), or for a key without a report that day its latest day figure before (one probe of
    the primary key); then the instant's own day adds its reports up to the instant.
    """
    if not instants:
        return []
    _without_jit()
    tally = SignatureTally
    within = _within_days(campaign, instants, organization_id)
    days = [instant.date() - timedelta(days=1) for instant in instants]
    days_before = (select(DAY.organization_id, DAY.country, DAY.channel,
                          *[func.max(case((DAY.day == day, DAY.figure))).label(f"figure_{position}")
                            for position, day in enumerate(days)])
                   .where(DAY.campaign_id == campaign.id, DAY.day.in_(set(days)))
                   .group_by(DAY.organization_id, DAY.country, DAY.channel)
                   .subquery("days_before"))

    def of_the_tally(table):
        return and_(table.c.organization_id == tally.organization_id, table.c.country == tally.country,
                    table.c.channel == tally.channel)

    statement = (select(Organization.slug, tally.country, tally.channel)
                 .join(Organization, Organization.id == tally.organization_id)
                 .outerjoin(days_before, of_the_tally(days_before))
                 .outerjoin(within, of_the_tally(within))
                 .where(tally.campaign_id == campaign.id))
    for position, instant in enumerate(instants):
        latest_before = (select(DAY.figure)
                         .where(DAY.campaign_id == tally.campaign_id, DAY.organization_id == tally.organization_id,
                                DAY.country == tally.country, DAY.channel == tally.channel,
                                DAY.day < instant.date())
                         .order_by(DAY.day.desc()).limit(1).scalar_subquery())
        statement = statement.add_columns(
            func.coalesce(within.c[f"total_{position}"], days_before.c[f"figure_{position}"], latest_before, 0)
            + func.coalesce(within.c[f"deltas_{position}"], 0))
    if organization_id is not None:
        statement = statement.where(tally.organization_id == organization_id)
    return sorted(((slug, country, channel), [int(figure) for figure in figures])
                  for slug, country, channel, *figures in db.session.execute(statement))


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
