"""How a stored value becomes a spreadsheet cell: CSV dialects and the text of each cell.

Stored text is written so that no spreadsheet runs it and no stored character can make an
export fail: CSV cells that a spreadsheet would read as a formula get a leading apostrophe
(OWASP's CSV injection guidance), and characters XML forbids are replaced in XLSX.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from coalition.metrics.datasets import Column
from coalition.validation import rfc3339

# A cell beginning with one of these is a formula to some spreadsheet (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 forbids; openpyxl refuses them. Word's Shift+Enter stores U+000B.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Vertical tab and form feed are line breaks to their authors; anything else shows as U+FFFD.
XML_REPLACEMENTS = {"\x0b": "\n", "\x0c": "\n"}


@dataclass(frozen=True)
class CsvDialect:
    """How CSV cells are written: separator, decimal mark, byte order mark, datetime form."""

    delimiter: str = ","
    decimal: str = "."
    bom: bool = False
    # Spreadsheets read "2026-03-01 12:00:00" as a date and time, not RFC 3339's "…T…Z"; the
    # header says UTC. Machine-read files (the data package) keep RFC 3339.
    spreadsheet_datetimes: bool = True


PLAIN_CSV = CsvDialect()
TABLE_SCHEMA_CSV = CsvDialect(spreadsheet_datetimes=False)


def excel_dialect(decimal: str) -> CsvDialect:
    """What Excel opens as columns in the locale: a BOM says UTF-8, and where the decimal mark is
    a comma, Excel expects `;` between cells."""
    return CsvDialect(delimiter=";" if decimal == "," else ",", decimal=decimal, bom=True)


def csv_cell(value):
    """Text a spreadsheet shows as it is: a leading apostrophe keeps a formula from running."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xml_text(value: str) -> str:
    """The text with every character XML forbids replaced, so that an XLSX export never fails on it."""
    if XML_FORBIDDEN.search(value) is None:
        return value
    return XML_FORBIDDEN.sub(lambda match: XML_REPLACEMENTS.get(match.group(), "\ufffd"), value)


def joined(value) -> str:
    return ";".join(value or [])


def spreadsheet_datetime(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def text_converter(column: Column, dialect: CsvDialect) -> Callable | None:
    """How a value becomes text in CSV (None: written as it is; None values become empty)."""
    if column.is_list:
        return lambda value: csv_cell(joined(value))
    if column.type == "string":
        return csv_cell
    if column.type == "date":
        return lambda value: None if value is None else value.isoformat()
    if column.type == "datetime":
        as_text = spreadsheet_datetime if dialect.spreadsheet_datetimes else rfc3339
        return lambda value: None if value is None else as_text(value)
    if column.type == "boolean":
        return lambda value: None if value is None else ("true" if value else "false")
    if column.type == "number" and dialect.decimal != ".":
        return lambda value: None if value is None else str(value).replace(".", dialect.decimal)
    return None
