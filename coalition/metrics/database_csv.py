"""A dataset's rows as lines of CSV written by PostgreSQL, read by COPY.

A CSV export of a large dataset spent most of its time making Python values of every cell and
text of them again. On PostgreSQL the dataset's own select writes each row as the line the
engine writes in Python: cells formatted as `formats` formats them in the dialect asked for
(times, `true` and `false`, a leading apostrophe before a formula), quoted as the csv module
quotes them (cells with the delimiter, a double quote, CR or LF), joined by the delimiter and
ended by CR. `COPY ... TO STDOUT`
streams these lines in the export's transaction and snapshot, adding LF, and wraps each in
COPY_QUOTE (it quotes any value holding CR), which `formats` takes off: Python only copies bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import String, case, cast, func, literal, or_
from sqlalchemy.sql import Select

from coalition.extensions import db
from coalition.metrics.cells import FORMULA_STARTS, CsvDialect
from coalition.metrics.datasets import Column
from coalition.metrics.formats import COPY_QUOTE

# Besides its delimiter, what makes the csv module quote a cell: its quote and line breaks.
_QUOTED_FOR = ('"', "\n", "\r")


def _datetime(value, dialect: CsvDialect):
    """As `formats` writes times: UTC, microseconds only when there are any; RFC 3339 with `T`
    and `Z`, or for spreadsheets a space and no zone (the header says UTC).

    Each expression here is evaluated once per cell (PostgreSQL evaluates a CASE's condition
    and one branch), as the lines of millions of rows are made on the database's one core.
    """
    shape = "YYYY-MM-DD HH24:MI:SS{}" if dialect.spreadsheet_datetimes else 'YYYY-MM-DD"T"HH24:MI:SS{}"Z"'
    utc = func.timezone("UTC", value)
    return case((func.date_trunc("second", value) == value, func.to_char(utc, shape.format(""), type_=String)),
                else_=func.to_char(utc, shape.format(".US"), type_=String))


def _text(value, dialect: CsvDialect):
    """As `cells.csv_cell`, then as the csv module: a formula gets an apostrophe, then quotes if
    needed (the apostrophe is no reason to quote, so the stored text tells)."""
    apostrophe = case((func.ascii(value).in_([ord(start) for start in FORMULA_STARTS]), "'"), else_="")
    quoted_for = (dialect.delimiter, *_QUOTED_FOR)
    return case((or_(*[func.strpos(value, special) > 0 for special in quoted_for]),
                 literal('"') + apostrophe + func.replace(value, '"', '""') + '"'), else_=apostrophe + value)


_CELLS = {
    "string": _text,
    "integer": lambda value, dialect: cast(value, String),
    "date": lambda value, dialect: func.to_char(value, "YYYY-MM-DD", type_=String),
    "datetime": _datetime,
    "boolean": lambda value, dialect: case((value.is_(True), "true"), (value.is_(False), "false")),
}


def copies_as_csv(columns: Sequence[Column]) -> bool:
    """Whether the database can write these columns' lines: PostgreSQL, no decimals (written
    otherwise than by Python), and more than one column (the csv module quotes a lone empty cell)."""
    return (db.session.get_bind().dialect.name == "postgresql" and len(columns) > 1
            and all(column.type in _CELLS and not column.is_list for column in columns))


def csv_lines(statement: Select, columns: Sequence[Column], dialect: CsvDialect) -> Iterator[memoryview]:
    """Each row of `statement` (one selected column per export column) as COPY writes its line."""
    cells = [func.coalesce(_CELLS[column.type](value, dialect), "")
             for column, value in zip(columns, statement.selected_columns)]
    line = cells[0]
    for cell in cells[1:]:
        line = line + dialect.delimiter + cell
    compiled = statement.with_only_columns(line + "\r", maintain_column_froms=True).compile(
        dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    quote = COPY_QUOTE.decode()
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor, cursor.copy(
            f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x{ord(quote):02x}')", compiled.params) as copy:
        yield from copy
