"""Writing reports and tallies: many rows per statement, and one statement for a single delta.

On PostgreSQL a batch of reports goes into the ledger by binary COPY (twice as fast as any
INSERT for 1000 rows) and the tallies are updated from one JSON document, whatever the batch
size; SQLite takes the same rows through executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

import orjson
from psycopg import RawCursor
from psycopg.rows import namedtuple_row
from sqlalchemy import and_, bindparam, func, select, text, update

from coalition.campaigns.day_figures import DAY, WRITE_DAYS_CTE, write_days_elsewhere
from coalition.campaigns.models import MAX_FIGURE, Campaign, SignatureReport
from coalition.campaigns.operations import CAMPAIGN_RULE_COLUMNS
from coalition.campaigns.tallies import TALLY, TallyState
from coalition.db import new_uuid
from coalition.extensions import db
from coalition.outbox import OutboxEvent

REPORT_COLUMNS = ("id", "campaign_id", "organization_id", "country", "channel", "mode", "count", "as_of",
                  "reason", "client_id", "figure", "created_date", "source_id")
REPORT_TYPES = ("varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "int4", "timestamptz",
                "varchar", "varchar", "int4", "timestamptz", "varchar")
TALLY_COLUMNS = ("organization_id", "country", "channel", "total_count", "total_as_of", "delta_sum",
                 "last_delta_as_of", "figure", "added_reports")
TALLY_TYPES = ("varchar", "varchar", "varchar", "integer", "timestamptz", "bigint", "timestamptz", "bigint",
               "integer")


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


COPY_REPORTS = f"COPY signature_reports ({', '.join(REPORT_COLUMNS)}) FROM STDIN (FORMAT BINARY)"

# Writes the tallies and answers the figure of each country of the campaign after the write: the
# outer query still sees the rows as they were, so it counts the written ones from RETURNING.
# The tallies travel as one JSON document (psycopg dumps lists element by element in Python).
WRITE_TALLIES = text(
    f"WITH {WRITE_DAYS_CTE}, v AS (SELECT * FROM json_to_recordset(CAST(:tallies AS json)) AS v("
    f"{', '.join(f'{name} {kind}' for name, kind in zip(TALLY_COLUMNS, TALLY_TYPES))})), "
    "written AS (UPDATE signature_tallies AS t SET total_count = v.total_count, total_as_of = v.total_as_of, "
    "delta_sum = v.delta_sum, last_delta_as_of = v.last_delta_as_of, figure = v.figure, "
    "report_count = t.report_count + v.added_reports, modified_date = :now "
    "FROM v WHERE t.campaign_id = :campaign_id AND t.organization_id = v.organization_id "
    "AND t.country = v.country AND t.channel = v.channel RETURNING t.country, t.figure) "
    "SELECT country, sum(figure) FROM (SELECT t.country, t.figure FROM signature_tallies AS t "
    "WHERE t.campaign_id = :campaign_id AND NOT EXISTS (SELECT FROM v WHERE v.organization_id = t.organization_id "
    "AND v.country = t.country AND v.channel = t.channel) UNION ALL SELECT country, figure FROM written) AS f "
    "GROUP BY country"
)


@contextmanager
def ledger_writer() -> Iterator[Callable[[tuple], None]]:
    """`write(row)` adds a report to the ledger: a tuple of REPORT_COLUMNS' values, in that order.

    On PostgreSQL the rows stream by binary COPY while the caller works out the next ones; an
    exception in the block abandons the COPY (the caller rolls the transaction back). SQLite
    takes the rows at the end of the block.
    """
    if _postgresql():
        # The session's own connection, so the rows belong to the request's transaction.
        connection = db.session.connection().connection.driver_connection
        with connection.cursor() as cursor, cursor.copy(COPY_REPORTS) as copy:
            copy.set_types(REPORT_TYPES)
            yield copy.write_row
        return
    rows: list[tuple] = []
    yield rows.append
    db.session.execute(SignatureReport.__table__.insert(), [dict(zip(REPORT_COLUMNS, row)) for row in rows])


def write_tallies(campaign_id: str, states: list[TallyState], now, day_rows: list[dict]) -> dict[str, int] | None:
    """Store the tallies a request changed (their rows are locked by `lock_tallies`), and the
    day figures it changed (`day_figures.changed_rows`).

    On PostgreSQL the same statement answers the figure of every country after the write (for
    milestones); elsewhere None.
    """
    values = [{
        "organization_id": s.key[0], "country": s.key[1], "channel": s.key[2], "total_count": s.total_count,
        "total_as_of": s.total_as_of, "delta_sum": s.delta_sum, "last_delta_as_of": s.last_delta_as_of,
        "figure": s.figure, "added_reports": s.added_reports,
    } for s in states]
    if _postgresql():
        rows = db.session.execute(WRITE_TALLIES, {"now": now, "campaign_id": campaign_id,
                                                  "tallies": orjson.dumps(values).decode(),
                                                  "days": orjson.dumps(day_rows).decode()})
        return {country: int(figure) for country, figure in rows}
    write_days_elsewhere(campaign_id, day_rows)
    if not values:
        return None
    statement = update(TALLY).where(
        TALLY.c.campaign_id == campaign_id,
        TALLY.c.organization_id == bindparam("b_organization_id"),
        TALLY.c.country == bindparam("b_country"),
        TALLY.c.channel == bindparam("b_channel"),
    ).values(modified_date=now, report_count=TALLY.c.report_count + bindparam("b_added_reports"))
    db.session.execute(statement, [
        {**{k: v for k, v in value.items() if k not in ("organization_id", "country", "channel", "added_reports")},
         "b_added_reports": value["added_reports"],
         "b_organization_id": value["organization_id"], "b_country": value["country"], "b_channel": value["channel"]}
        for value in values
    ])
    return None


@lru_cache(maxsize=1)
def _one_delta_sql() -> tuple[bytes, tuple[str, ...], dict]:
    """The statement as PostgreSQL's own SQL (`$1` placeholders), the names of its parameters in
    their order, and the values of its constants, built once: building it per request costs more
    than running it. It runs on the driver's connection, where psycopg prepares it on the server,
    without the ORM's per-statement work, and through a raw cursor, which sends it as it is:
    psycopg parses a query's `%(name)s` placeholders only into a cache of queries under 4 KB,
    and this one is longer (parsing it took 0.1 ms a report)."""
    from sqlalchemy.dialects import postgresql

    compiled = _one_delta_statement().compile(dialect=postgresql.psycopg.dialect(paramstyle="numeric_dollar"))
    return compiled.string.encode(), tuple(compiled.positiontup), dict(compiled.params)


def _one_delta_statement():
    from sqlalchemy import (
        Boolean,
        Date,
        String,
        Text,
        case,
        cast,
        literal,
        literal_column,
        not_,
        or_,
        true,
    )
    from sqlalchemy.dialects.postgresql import insert

    campaigns = Campaign.__table__
    campaign = select(*[campaigns.c[name] for name in CAMPAIGN_RULE_COLUMNS]).where(
        campaigns.c.slug == bindparam("slug")).cte("campaign")
    campaign_id = select(campaign.c.id).scalar_subquery()
    p = {name: bindparam(name, type_=column.type) for name, column in SignatureReport.__table__.c.items()
         if name not in ("campaign_id", "figure")}
    day = bindparam("as_of_day", type_=Date())
    takes_it = and_(campaign.c.status == "live", campaign.c.starts_on <= day, campaign.c.ends_on >= day,
                    or_(campaign.c.kind != "eci", bindparam("member_state", type_=Boolean())))
    applies = or_(TALLY.c.total_as_of.is_(None), TALLY.c.total_as_of < p["as_of"])
    delta_sum = case((applies, TALLY.c.delta_sum + p["count"]), else_=TALLY.c.delta_sum)
    # Only a report at or after everything its tally holds ends its day as the tally's figure;
    # one further back in time, or one beyond MAX_FIGURE, goes to `record_reports`.
    moves_forward = and_(
        or_(TALLY.c.total_as_of.is_(None), TALLY.c.total_as_of <= p["as_of"]),
        or_(TALLY.c.last_delta_as_of.is_(None), TALLY.c.last_delta_as_of <= p["as_of"]),
        func.coalesce(TALLY.c.total_count, 0) + delta_sum <= MAX_FIGURE,
    )
    upsert = insert(TALLY).from_select(
        ["campaign_id", "organization_id", "country", "channel", "delta_sum", "last_delta_as_of", "figure",
         "report_count", "modified_date"],
        select(campaign.c.id, p["organization_id"], p["country"], p["channel"], p["count"], p["as_of"],
               p["count"], literal_column("1"), p["created_date"]).where(takes_it),
    ).on_conflict_do_update(
        index_elements=[TALLY.c.campaign_id, TALLY.c.organization_id, TALLY.c.country, TALLY.c.channel],
        set_={
            "delta_sum": delta_sum,
            "figure": func.coalesce(TALLY.c.total_count, 0) + delta_sum,
            "last_delta_as_of": case(
                (or_(TALLY.c.last_delta_as_of.is_(None), TALLY.c.last_delta_as_of < p["as_of"]), p["as_of"]),
                else_=TALLY.c.last_delta_as_of),
            "report_count": TALLY.c.report_count + 1,
            "modified_date": p["created_date"],
        },
        where=moves_forward,
    )
    other = TALLY.alias("other")
    mine = and_(other.c.organization_id == p["organization_id"], other.c.channel == p["channel"])
    in_country = select(func.coalesce(func.sum(other.c.figure), 0)).where(
        other.c.campaign_id == campaign_id, other.c.country == p["country"], not_(mine)).scalar_subquery()
    in_campaign = select(func.coalesce(func.sum(other.c.figure), 0)).where(
        other.c.campaign_id == campaign_id, not_(and_(mine, other.c.country == p["country"]))).scalar_subquery()
    up = upsert.returning(TALLY.c.figure, TALLY.c.total_as_of, in_country.label("in_country"),
                          in_campaign.label("in_campaign")).cte("up")
    day_insert = insert(DAY).from_select(
        ["campaign_id", "organization_id", "country", "channel", "day", "figure", "increment"],
        select(campaign.c.id, p["organization_id"], p["country"], p["channel"], day, up.c.figure,
               case((or_(up.c.total_as_of.is_(None), up.c.total_as_of < p["as_of"]), p["count"]), else_=0))
        .select_from(up.join(campaign, true())),
    )
    day_upsert = day_insert.on_conflict_do_update(
        index_elements=[DAY.c.campaign_id, DAY.c.organization_id, DAY.c.country, DAY.c.channel, DAY.c.day],
        set_={"figure": day_insert.excluded.figure, "increment": DAY.c.increment + day_insert.excluded.increment},
    ).returning(literal_column("1")).cte("day_figure")
    names = ["id", "organization_id", "country", "channel", "mode", "count", "as_of", "reason", "client_id",
             "created_date"]
    ledger = SignatureReport.__table__.insert().from_select(
        [*names, "campaign_id", "figure"],
        select(*[p[name] for name in names], campaign.c.id, up.c.figure).select_from(up.join(campaign, true())),
    ).returning(literal_column("1")).cte("ledger")
    # Its `signatures.reported` event, as `announce_figures` writes it, in the same statement: a
    # round trip of its own would cost a report a fifth more.
    text_of = {name: cast(bindparam(name, type_=String()), Text()) for name in ("slug", "organization_slug")}
    figures = func.json_build_array(func.json_build_object(
        literal("country"), cast(p["country"], Text()), literal("channel"), cast(p["channel"], Text()),
        literal("count"), up.c.figure))
    event = OutboxEvent.__table__.insert().from_select(
        ["id", "kind", "payload", "created_date"],
        select(bindparam("event_id", type_=String()), literal("signatures.reported"),
               func.json_build_object(literal("campaign"), text_of["slug"], literal("organization"),
                                      text_of["organization_slug"], literal("figures"), figures),
               p["created_date"]).select_from(up),
    ).returning(literal_column("1")).cte("event")
    return select(campaign, up.c.figure, up.c.in_country, up.c.in_campaign).select_from(
        campaign.outerjoin(up, true()).outerjoin(ledger, true()).outerjoin(day_upsert, true())
        .outerjoin(event, true()))


def add_delta_in_one_statement(slug: str, row: dict, member_state: bool, organization_slug: str):
    """PostgreSQL: one delta report as a single statement (the hot path of member scripts).

    It reads the campaign and, if the campaign takes the report as it stands (live, `as_of`
    within its dates, a member state for an ECI), upserts the tally, which takes its row lock;
    if the report is at or after everything the tally holds and keeps the figure within
    MAX_FIGURE, it appends the report with the new figure and writes that figure as the end of
    its day, and adds its `signatures.reported` event to the outbox (the caller has it
    dispatched after the commit). The rule is the one `signatures._apply` follows for deltas. Answers None when no
    campaign has the slug, else the campaign's columns and, when the report was taken, (figure,
    others in the country, others in the campaign): the other tallies' sums, for milestones.
    """
    sql, names, constants = _one_delta_sql()
    params = {**constants, **row, "slug": slug, "as_of_day": row["as_of"].date(), "member_state": member_state,
              "event_id": new_uuid(), "organization_slug": organization_slug}
    # The session's own connection, so the statement belongs to the request's transaction.
    connection = db.session.connection().connection.driver_connection
    with RawCursor(connection, row_factory=namedtuple_row) as cursor:
        result = cursor.execute(sql, [params[name] for name in names], prepare=True).fetchone()
    if result is None:
        return None
    taken = None
    if result.figure is not None:
        taken = int(result.figure), int(result.in_country), int(result.in_campaign)
    return result, taken
