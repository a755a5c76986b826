"""The registry of exportable datasets.

A dataset is a name, its columns and a row function. The domains that own the data register
their datasets here; the export engine only knows this registry. A row function streams tuples
(one value per column, in column order) and must never load the whole table into memory: it
reads through a server-side cursor (`execution_options(yield_per=...)`).

Row functions receive the campaign and an `ExportScope`; the dataset decides how the scope
filters its rows (typically: `scope.organization_id` is None for everything, else only that
organization's rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, literal_column, select

from coalition.campaigns.models import Campaign
from coalition.extensions import db

# Frictionless Table Schema field types the engine knows how to write.
COLUMN_TYPES = frozenset({"string", "integer", "number", "date", "datetime", "boolean"})

# Rows fetched per round trip by the server-side cursors of row functions.
YIELD_PER = 2000


@dataclass(frozen=True)
class Column:
    """One column: machine name, translatable label, Table Schema type, description."""

    name: str
    label: object
    type: str
    description: object = ""
    # A list of strings: a list in JSON Lines, joined by semicolons in cells.
    is_list: bool = False

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class ExportScope:
    """Whose rows an export may hold: everything (coordinators) or one organization's."""

    organization_id: str | None

    @property
    def everything(self) -> bool:
        return self.organization_id is None


RowFunction = Callable[[Campaign, ExportScope], Iterator[Sequence]]
# The select a row function streams, so that a CSV export can have the database write its cells.
RowStatement = Callable[[Campaign, ExportScope], Select]
# The number of rows, counting no further than a limit (so the count costs no more than the limit).
RowCount = Callable[[Campaign, ExportScope, int], int]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: object
    columns: tuple[Column, ...]
    rows: RowFunction
    # Datasets that grow with the campaign (one row per report or action) count their rows, so
    # that a streamed export can be refused before it starts and a background one verified.
    count: RowCount | None = None
    statement: RowStatement | None = None

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


REGISTRY: dict[str, Dataset] = {}


def register_dataset(name: str, title, columns: list[Column] | tuple[Column, ...], rows: RowFunction,
                     count: RowCount | None = None, statement: RowStatement | None = None) -> Dataset:
    """Make a dataset exportable under `name` (replaces one registered under the same name)."""
    dataset = Dataset(name=name, title=title, columns=tuple(columns), rows=rows, count=count, statement=statement)
    REGISTRY[name] = dataset
    return dataset


def get_dataset(name: str) -> Dataset | None:
    return REGISTRY.get(name)


def dataset_names() -> list[str]:
    return sorted(REGISTRY)


def stream_rows(statement) -> Iterator[Sequence]:
    """Rows of a Core/ORM select of plain columns, through a server-side cursor."""
    result = db.session.execute(statement.execution_options(yield_per=YIELD_PER))
    try:
        for partition in result.partitions():
            yield from partition
    finally:
        result.close()


def count_at_most(statement, limit: int | None = None) -> int:
    """The rows of a select, counted up to `limit` + 1 at most (all of them without a limit)."""
    inner = statement.order_by(None).with_only_columns(literal_column("1"))
    if limit is not None:
        inner = inner.limit(limit + 1)
    return db.session.scalar(select(func.count()).select_from(inner.subquery()))
