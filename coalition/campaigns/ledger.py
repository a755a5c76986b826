"""Writing reports and tallies: many rows per statement, and one statement for a single delta.

On PostgreSQL a batch of reports goes into the ledger by binary COPY (twice as fast as any
INSERT for 1000 rows) and the tallies are updated from arrays expanded by `unnest`, whatever the
batch size; SQLite takes the same rows through executemany.
"""

from __future__ import annotations

from functools import lru_cache

from psycopg.rows import namedtuple_row

from sqlalchemy import and_, bindparam, func, select, text, update

from coalition.campaigns.models import Campaign, SignatureReport
from coalition.campaigns.operations import CAMPAIGN_RULE_COLUMNS
from coalition.campaigns.tallies import TALLY, TallyState
from coalition.extensions import db

REPORT_COLUMNS = ("id", "campaign_id", "organization_id", "country", "channel", "mode", "count", "as_of",
                  "reason", "client_id", "figure", "created_date")
REPORT_TYPES = ("varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "int4", "timestamptz",
                "varchar", "varchar", "int4", "timestamptz")
TALLY_COLUMNS = ("organization_id", "country", "channel", "total_count", "total_as_of", "delta_sum",
                 "last_delta_as_of", "figure")
TALLY_TYPES = ("varchar", "varchar", "varchar", "integer", "timestamptz", "bigint", "timestamptz", "bigint")


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _arrays(columns, types) -> str:
    return ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in zip(columns, types))


COPY_REPORTS = f"COPY signature_reports ({', '.join(REPORT_COLUMNS)}) FROM STDIN (FORMAT BINARY)"

WRITE_TALLIES = text(
    "UPDATE signature_tallies AS t SET total_count = v.total_count, total_as_of = v.total_as_of, "
    "delta_sum = v.delta_sum, last_delta_as_of = v.last_delta_as_of, figure = v.figure, modified_date = :now "
    f"FROM unnest({_arrays(TALLY_COLUMNS, TALLY_TYPES)}) AS v({', '.join(TALLY_COLUMNS)}) "
    "WHERE t.campaign_id = :campaign_id AND t.organization_id = v.organization_id "
    "AND t.country = v.country AND t.channel = v.channel"
)


def append_reports(rows: list[tuple]) -> None:
    """Add reports to the ledger: each a tuple of REPORT_COLUMNS' values, in that order."""
    if _postgresql():
        # The session's own connection, so the rows belong to the request's transaction.
        connection = db.session.connection().connection.driver_connection
        with connection.cursor() as cursor, cursor.copy(COPY_REPORTS) as copy:
            copy.set_types(REPORT_TYPES)
            for row in rows:
                copy.write_row(row)
    else:
        db.session.execute(SignatureReport.__table__.insert(), [dict(zip(REPORT_COLUMNS, row)) for row in rows])


def write_tallies(campaign_id: str, states: list[TallyState], now) -> None:
    """Store the tallies a request changed (their rows are locked by `lock_tallies`)."""
    if not states:
        return
    values = [{
        "organization_id": s.key[0], "country": s.key[1], "channel": s.key[2], "total_count": s.total_count,
        "total_as_of": s.total_as_of, "delta_sum": s.delta_sum, "last_delta_as_of": s.last_delta_as_of,
        "figure": s.figure,
    } for s in states]
    if _postgresql():
        db.session.execute(WRITE_TALLIES, {"now": now, "campaign_id": campaign_id,
                                           **{name: [v[name] for v in values] for name in TALLY_COLUMNS}})
        return
    statement = update(TALLY).where(
        TALLY.c.campaign_id == campaign_id,
        TALLY.c.organization_id == bindparam("b_organization_id"),
        TALLY.c.country == bindparam("b_country"),
        TALLY.c.channel == bindparam("b_channel"),
    ).values(modified_date=now)
    db.session.execute(statement, [
        {**{k: v for k, v in value.items() if k not in ("organization_id", "country", "channel")},
         "b_organization_id": value["organization_id"], "b_country": value["country"], "b_channel": value["channel"]}
        for value in values
    ])


@lru_cache(maxsize=1)
def _one_delta_sql() -> tuple[str, dict]:
    """The statement as psycopg SQL with the values of its constants, built once: building it
    per request costs more than running it. It runs on the driver's connection, where psycopg
    prepares it on the server, without the ORM's per-statement work."""
    from sqlalchemy.dialects import postgresql

    compiled = _one_delta_statement().compile(dialect=postgresql.psycopg.dialect())
    return compiled.string, dict(compiled.params)


def _one_delta_statement():
    from sqlalchemy import Boolean, Date, case, literal_column, not_, or_, true
    from sqlalchemy.dialects.postgresql import insert

    campaigns = Campaign.__table__
    campaign = select(*[campaigns.c[name] for name in CAMPAIGN_RULE_COLUMNS]).where(
        campaigns.c.slug == bindparam("slug")).cte("campaign")
    campaign_id = select(campaign.c.id).scalar_subquery()
    p = {name: bindparam(name, type_=column.type) for name, column in SignatureReport.__table__.c.items()
         if name not in ("seq", "campaign_id", "figure")}
    day = bindparam("as_of_day", type_=Date())
    takes_it = and_(campaign.c.status == "live", campaign.c.starts_on <= day, campaign.c.ends_on >= day,
                    or_(campaign.c.kind != "eci", bindparam("member_state", type_=Boolean())))
    applies = or_(TALLY.c.total_as_of.is_(None), TALLY.c.total_as_of < p["as_of"])
    delta_sum = case((applies, TALLY.c.delta_sum + p["count"]), else_=TALLY.c.delta_sum)
    upsert = insert(TALLY).from_select(
        ["campaign_id", "organization_id", "country", "channel", "delta_sum", "last_delta_as_of", "figure",
         "modified_date"],
        select(campaign.c.id, p["organization_id"], p["country"], p["channel"], p["count"], p["as_of"],
               p["count"], p["created_date"]).where(takes_it),
    ).on_conflict_do_update(
        index_elements=[TALLY.c.campaign_id, TALLY.c.organization_id, TALLY.c.country, TALLY.c.channel],
        set_={
            "delta_sum": delta_sum,
            "figure": func.coalesce(TALLY.c.total_count, 0) + delta_sum,
            "last_delta_as_of": case(
                (or_(TALLY.c.last_delta_as_of.is_(None), TALLY.c.last_delta_as_of < p["as_of"]), p["as_of"]),
                else_=TALLY.c.last_delta_as_of),
            "modified_date": p["created_date"],
        },
    )
    other = TALLY.alias("other")
    mine = and_(other.c.organization_id == p["organization_id"], other.c.channel == p["channel"])
    in_country = select(func.coalesce(func.sum(other.c.figure), 0)).where(
        other.c.campaign_id == campaign_id, other.c.country == p["country"], not_(mine)).scalar_subquery()
    in_campaign = select(func.coalesce(func.sum(other.c.figure), 0)).where(
        other.c.campaign_id == campaign_id, not_(and_(mine, other.c.country == p["country"]))).scalar_subquery()
    up = upsert.returning(TALLY.c.figure, in_country.label("in_country"), in_campaign.label("in_campaign")).cte("up")
    names = ["id", "organization_id", "country", "channel", "mode", "count", "as_of", "reason", "client_id",
             "created_date"]
    ledger = SignatureReport.__table__.insert().from_select(
        [*names, "campaign_id", "figure"],
        select(*[p[name] for name in names], campaign.c.id, up.c.figure).select_from(up.join(campaign, true())),
    ).returning(literal_column("1")).cte("ledger")
    return select(campaign, up.c.figure, up.c.in_country, up.c.in_campaign).select_from(
        campaign.outerjoin(up, true()).outerjoin(ledger, true()))


def add_delta_in_one_statement(slug: str, row: dict, member_state: bool):
    """PostgreSQL: one delta report as a single statement (the hot path of member scripts).

    It reads the campaign and, if the campaign takes the report as it stands (live, `as_of`
    within its dates, a member state for an ECI), upserts the tally, which takes its row lock,
    and appends the report with the new figure. The rule is the one `signatures._apply` follows
    for deltas. Answers None when no campaign has the slug, else the campaign's columns and,
    when the report was taken, (figure, others in the country, others in the campaign): the
    other tallies' sums, for milestones.
    """
    sql, constants = _one_delta_sql()
    params = {**constants, **row, "slug": slug, "as_of_day": row["as_of"].date(), "member_state": member_state}
    # The session's own connection, so the statement belongs to the request's transaction.
    connection = db.session.connection().connection.driver_connection
    with connection.cursor(row_factory=namedtuple_row) as cursor:
        result = cursor.execute(sql, params, prepare=True).fetchone()
    if result is None:
        return None
    taken = None
    if result.figure is not None:
        taken = int(result.figure), int(result.in_country), int(result.in_campaign)
    return result, taken
