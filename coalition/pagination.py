"""Keyset pagination for lists that grow without bound (the ledger, outreach actions, the audit log).

A page's `Link: rel="next"` carries `after`, an opaque cursor holding the sort key of the page's
last item: the next page starts right after it, so a page costs what it holds however deep it
is, and rows added meanwhile are neither repeated nor skipped. `?page=N` still reaches any page
by offset (and `first`, `prev`, `last` use it).
"""

from __future__ import annotations

import base64
from datetime import date, datetime

import marshmallow as ma
import orjson
from sqlalchemy import and_, or_

from coalition.db import MAX_PER_PAGE, UTCDateTime
from coalition.errors import ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.schemas import PageArgsSchema

# Up to this many rows a list's total is counted exactly; beyond, PostgreSQL's estimate is given.
EXACT_TOTAL_UP_TO = 10_000


class KeysetPageArgsSchema(PageArgsSchema):
    after = ma.fields.String(load_default=None, validate=ma.validate.Length(max=1000), metadata={
        "description": "Where the next page starts: follow the Link header's rel=\"next\" (`page` is then ignored)."})


def _encode(value):
    """A sort key value as JSON; times and days tagged, so they come back as they were."""
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _decode(value, column):
    if isinstance(value, dict):
        ((tag, text),) = value.items()
        value = {"t": datetime.fromisoformat, "d": date.fromisoformat}[tag](text)
    # A forged cursor must not reach the database with a value of another type.
    expected = datetime if isinstance(column.type, UTCDateTime) else column.type.python_type
    if type(value) is not expected or (expected is datetime and value.tzinfo is None):
        raise TypeError(value)
    return value


def _cursor(page: int, item, order) -> str:
    values = [_encode(getattr(item, column.key)) for column, _descending in order]
    return base64.urlsafe_b64encode(orjson.dumps([page, values])).decode().rstrip("=")


def _read_cursor(cursor: str, order) -> tuple[int, list]:
    try:
        page, values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(page, int) or not 1 < page <= 10**9 or len(values) != len(order):
            raise ValueError(cursor)
        return page, [_decode(value, column) for value, (column, _descending) in zip(values, order)]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ValidationFailed(errors={"after": [_("Not a cursor of this list: follow the Link header.")]}) from None


def _after(order, values):
    """Rows after the given sort key: beyond it on the first column, or equal there and beyond on the next…"""
    clauses = []
    for index, (column, descending) in enumerate(order):
        beyond = column < values[index] if descending else column > values[index]
        clauses.append(and_(*[order[i][0] == values[i] for i in range(index)], beyond))
    return or_(*clauses)


def cheap_total(statement) -> int:
    """The rows of a select: counted exactly up to EXACT_TOTAL_UP_TO; beyond, on PostgreSQL, the
    planner's estimate (never below that bound), elsewhere counted."""
    from coalition.metrics.datasets import count_at_most

    counted = count_at_most(statement, EXACT_TOTAL_UP_TO)
    if counted <= EXACT_TOTAL_UP_TO:
        return counted
    if db.session.get_bind().dialect.name != "postgresql":
        return count_at_most(statement)
    compiled = statement.order_by(None).compile(dialect=db.session.get_bind().dialect)
    # The session's own connection, as the statement runs in the request's transaction.
    with db.session.connection().connection.driver_connection.cursor() as cursor:
        plan = cursor.execute("EXPLAIN (FORMAT JSON) " + compiled.string, compiled.params).fetchone()[0]
    return max(EXACT_TOTAL_UP_TO + 1, int(plan[0]["Plan"]["Plan Rows"]))


def keyset_paginate(statement, order: list[tuple], args: dict, total: int) -> dict:
    """One page of `statement` in `order` ([(column, descending), ...], unique as a whole).

    The answer is `paginate`'s, and `next`: the cursor of the next page, None on the last one.
    """
    per_page = max(1, min(args["per_page"], MAX_PER_PAGE))
    page = args["page"]
    if args.get("after"):
        page, values = _read_cursor(args["after"], order)
        statement = statement.where(_after(order, values))
    else:
        statement = statement.offset((page - 1) * per_page)
    statement = statement.order_by(None).order_by(
        *[column.desc() if descending else column.asc() for column, descending in order])
    items = list(db.session.scalars(statement.limit(per_page + 1)))
    more = len(items) > per_page
    items = items[:per_page]
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "next": _cursor(page + 1, items[-1], order) if more else None}
