"""A dataset's rows as CSV text cells written by PostgreSQL, read by COPY.

A CSV export of a large dataset spends most of its time making Python values of every cell and
text of them again. On PostgreSQL the dataset's own select, with each column formatted in SQL
as the export engine formats it in Python (RFC 3339 times, `true`/`false`, a leading apostrophe
before a formula), streams by `COPY ... TO STDOUT`: each row arrives as the text cells of the
file, in the export's transaction and snapshot, and the csv module writes the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import String, case, func, literal, or_
from sqlalchemy.sql import Select

from coalition.extensions import db
from coalition.metrics.datasets import Column
from coalition.metrics.formats import FORMULA_STARTS


def _rfc3339(value):
    """As `validation.rfc3339`: UTC, microseconds only when there are any, then `Z`."""
    utc = func.timezone("UTC", value)
    whole = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS', type_=String)
    micro = func.to_char(utc, "US", type_=String)
    return case((value.is_(None), None), (micro == "000000", whole + "Z"), else_=whole + "." + micro + "Z")


def _neutralised(value):
    """As `formats.csv_cell`: text that a spreadsheet would run as a formula gets an apostrophe."""
    first = func.substr(value, 1, 1)
    return case((or_(*[first == start for start in FORMULA_STARTS]), literal("'") + value), else_=value)


_FORMATS = {
    "string": _neutralised,
    "integer": lambda value: value,
    "date": lambda value: func.to_char(value, "YYYY-MM-DD", type_=String),
    "datetime": _rfc3339,
    "boolean": lambda value: case((value.is_(True), "true"), (value.is_(False), "false")),
}


def copies_as_text(columns: Sequence[Column]) -> bool:
    """Whether the database can write these columns' cells (decimals it writes otherwise than Python)."""
    return db.session.get_bind().dialect.name == "postgresql" and all(c.type in _FORMATS for c in columns)


def text_rows(statement: Select, columns: Sequence[Column]) -> Iterator[tuple[str | None, ...]]:
    """The rows of `statement` (one selected column per export column) as CSV text cells, None for NULL."""
    formatted = statement.with_only_columns(
        *[_FORMATS[column.type](value) for column, value in zip(columns, statement.selected_columns)],
        maintain_column_froms=True)
    compiled = formatted.compile(dialect=db.session.get_bind().dialect)
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor, \
            cursor.copy(f"COPY ({compiled}) TO STDOUT", compiled.params) as copy:
        yield from copy.rows()
