"""Export formats, each a generator of byte chunks: CSV, JSON Lines, XLSX and a data package.

Nothing here holds more than one chunk of rows in memory: CSV and JSON Lines are written as the
rows come, the data package zips its CSV on the fly, and XLSX (a zip whose parts need their
sizes) goes through openpyxl's write-only mode and a temporary file.

Stored text is written so that no spreadsheet runs it and no stored character can make an
export fail: CSV cells that a spreadsheet would read as a formula get a leading apostrophe
(OWASP's CSV injection guidance), XLSX text cells are always typed as text, and characters
XML forbids are replaced in XLSX.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from coalition.db import utcnow
from coalition.metrics.cells import (
    PLAIN_CSV,
    TABLE_SCHEMA_CSV,
    CsvDialect,
    joined,
    text_converter,
    xml_text,
)
from coalition.metrics.datasets import Column
from coalition.validation import rfc3339

CHUNK_SIZE = 64 * 1024
BATCH_ROWS = 1000
# An XLSX sheet holds 1,048,576 rows; longer exports continue on further sheets.
XLSX_SHEET_ROWS = 1_048_575

# The quote of the lines PostgreSQL's COPY writes for CSV exports: a control character, rare in text.
COPY_QUOTE = b"\x01"
_COPY_QUOTE_PAIRS = re.compile(rb"\x01(\x01?)")


@dataclass(frozen=True)
class ExportContent:
    """What a format writes: names, header, Table Schema fields, and the rows to stream."""

    name: str
    title: str
    resource: str
    columns: tuple[Column, ...]
    header: list[str]
    fields: list[dict]
    rows: Iterable[Sequence]
    dialect: CsvDialect = PLAIN_CSV
    # The same rows as lines of CSV in a dialect, when the database writes them (`database_csv`):
    # CSV uses them.
    csv_lines: Callable[[CsvDialect], Iterable[bytes]] | None = None


def _json_converter(column: Column) -> Callable | None:
    if column.type in ("date", "datetime"):
        return text_converter(column, TABLE_SCHEMA_CSV)
    column_type = column.type
    if column_type == "number":
        return lambda value: float(value) if isinstance(value, Decimal) else value
    if column_type == "integer":
        # Sums come back from PostgreSQL as Decimal.
        return lambda value: int(value) if isinstance(value, Decimal) else value
    return None


def _xlsx_datetime(value):
    # Excel has no time zones: cells hold UTC wall-clock times (the column title says UTC).
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _converted_rows(rows: Iterable[Sequence], converters: list[Callable | None]) -> Iterator[Sequence]:
    active = [(index, convert) for index, convert in enumerate(converters) if convert is not None]
    if not active:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for index, convert in active:
            values[index] = convert(values[index])
        yield values


def _csv_text_chunks(header: list[str], rows: Iterable[Sequence], columns,
                     dialect: CsvDialect) -> Iterator[str]:
    buffer = io.StringIO()
    if dialect.bom:
        buffer.write("\ufeff")
    # The csv module's default dialect is RFC 4180: comma, CRLF, doubled quotes, minimal quoting.
    writer = csv.writer(buffer, delimiter=dialect.delimiter)
    writer.writerow(header)
    converted = iter(_converted_rows(rows, [text_converter(c, dialect) for c in columns]))
    while True:
        batch = list(itertools.islice(converted, BATCH_ROWS))
        if not batch:
            break
        writer.writerows(batch)
        if buffer.tell() >= CHUNK_SIZE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _utf8(text: str) -> bytes:
    # A lone surrogate (SQLite stores what it is given) becomes "?" rather than failing the export.
    return text.encode("utf-8", "replace")


def _copied_lines(lines: list) -> bytes:
    """Lines as COPY wrote them (`database_csv`) without its quote, which opens each line and closes
    it after its CR: in a run of quotes each pair stands for one of the data, a lone one for none."""
    data = b"".join(lines)
    if COPY_QUOTE * 2 in data:
        return _COPY_QUOTE_PAIRS.sub(rb"\1", data)
    return data.replace(COPY_QUOTE, b"")


def _csv_chunks(header: list[str], content: ExportContent, dialect: CsvDialect) -> Iterator[bytes]:
    typed_rows = () if content.csv_lines is not None else content.rows
    yield from (_utf8(text) for text in _csv_text_chunks(header, typed_rows, content.columns, dialect))
    lines = iter(content.csv_lines(dialect) if content.csv_lines is not None else ())
    try:
        while batch := list(itertools.islice(lines, BATCH_ROWS)):
            yield _copied_lines(batch)
    finally:
        # A download ended early ends the database's COPY now, not whenever its reader is collected.
        getattr(lines, "close", lambda: None)()


def write_csv(content: ExportContent) -> Iterator[bytes]:
    return _csv_chunks(content.header, content, content.dialect)


def write_jsonl(content: ExportContent) -> Iterator[bytes]:
    names = [column.name for column in content.columns]
    converted = iter(_converted_rows(content.rows, [_json_converter(c) for c in content.columns]))
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    while True:
        batch = list(itertools.islice(converted, BATCH_ROWS))
        if not batch:
            break
        yield _utf8("".join(dumps(dict(zip(names, row))) + "\n" for row in batch))


def _sheet_title(name: str, number: int) -> str:
    title = "".join(ch for ch in name if ch not in "[]:*?/\\")[:25] or "data"
    return title if number == 1 else f"{title} ({number})"


def _xlsx_text(value):
    return xml_text(value) if isinstance(value, str) else value


def _typed_as_text(sheet, values: list, text_columns: list[int]) -> list:
    """openpyxl writes text beginning with "=" as a formula and "#N/A" as an error value:
    such cells are written as text cells instead."""
    from openpyxl.cell import WriteOnlyCell

    for index in text_columns:
        value = values[index]
        if isinstance(value, str) and value.startswith(("=", "#")):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            values[index] = cell
    return values


def _xlsx_converter(column: Column) -> Callable | None:
    if column.type == "datetime":
        return _xlsx_datetime
    if column.is_list:
        return lambda value: xml_text(joined(value))
    if column.type == "string":
        return _xlsx_text
    return None


def write_xlsx(content: ExportContent) -> Iterator[bytes]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    converters = [_xlsx_converter(c) for c in content.columns]
    text_columns = [index for index, column in enumerate(content.columns)
                    if column.type == "string" or column.is_list]
    sheet, used, number = None, XLSX_SHEET_ROWS, 0
    for row in _converted_rows(content.rows, converters):
        if used == XLSX_SHEET_ROWS:
            number += 1
            sheet = workbook.create_sheet(_sheet_title(content.resource, number))
            sheet.freeze_panes = "A2"
            sheet.append(content.header)
            used = 0
        sheet.append(_typed_as_text(sheet, row, text_columns))
        used += 1
    if sheet is None:
        sheet = workbook.create_sheet(_sheet_title(content.resource, 1))
        sheet.append(content.header)
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


class _ChunkSink(io.RawIOBase):
    """A write-only, unseekable file collecting what zipfile writes, drained chunk by chunk."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def data_package_descriptor(content: ExportContent) -> dict:
    """The Frictionless data package descriptor: one tabular resource with its Table Schema."""
    return {
        "profile": "tabular-data-package",
        "name": content.name,
        "title": content.title,
        "created": rfc3339(utcnow().replace(microsecond=0)),
        "resources": [{
            "profile": "tabular-data-resource",
            "name": content.resource,
            "path": f"data/{content.resource}.csv",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {"fields": content.fields},
        }],
    }


def write_data_package(content: ExportContent) -> Iterator[bytes]:
    sink = _ChunkSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        descriptor = json.dumps(data_package_descriptor(content), ensure_ascii=False, indent=2)
        archive.writestr("datapackage.json", descriptor)
        # Field names are the machine names, so the data file's header is too.
        header = [column.name for column in content.columns]
        with archive.open(f"data/{content.resource}.csv", "w", force_zip64=True) as member:
            for chunk in _csv_chunks(header, content, TABLE_SCHEMA_CSV):
                member.write(chunk)
                if sink.parts:
                    yield sink.drain()
    yield sink.drain()


@dataclass(frozen=True)
class ExportFormat:
    name: str
    extension: str
    mimetype: str
    write: Callable[[ExportContent], Iterator[bytes]]


FORMATS = {
    "csv": ExportFormat("csv", "csv", "text/csv; charset=utf-8", write_csv),
    "jsonl": ExportFormat("jsonl", "jsonl", "application/jsonl; charset=utf-8", write_jsonl),
    "xlsx": ExportFormat(
        "xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", write_xlsx
    ),
    "zip": ExportFormat("zip", "zip", "application/zip", write_data_package),
}
