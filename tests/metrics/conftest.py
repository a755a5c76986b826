"""A synthetic dataset covering every column type and the awkward values a file must survive."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from coalition.i18n import _l
from coalition.metrics.datasets import REGISTRY, Column, Dataset

# Labels reuse messages the catalogs already translate, so tests can check translated headers.
SAMPLE_COLUMNS = (
    Column("code", _l("Conflict"), "string", "A text with commas, quotes and line breaks."),
    Column("amount", _l("Gone"), "integer", "A whole number."),
    Column("ratio", _l("Forbidden"), "number", "A decimal number."),
    Column("day", _l("Not found"), "date", "A calendar day."),
    Column("at", _l("Bad request"), "datetime", "A moment, in UTC."),
    Column("flag", _l("Conflict"), "boolean", "Yes or no."),
)

CEST = timezone(timedelta(hours=2))

SAMPLE_ROWS = [
    ("plain", 1, 0.5, date(2026, 3, 1), datetime(2026, 3, 1, 12, 0, tzinfo=UTC), True),
    ('Ünïcode, "quoted"\nsecond line', -7, Decimal("12.50"), date(2026, 12, 31),
     datetime(2026, 3, 1, 14, 30, 15, 250000, tzinfo=CEST), False),
    ("empty cells", None, None, None, None, None),
]


@pytest.fixture
def sample_dataset(monkeypatch):
    """Register `samples`: rows by organization id ("*" rows belong to nobody in particular)."""
    rows_by_organization: dict[str, list[tuple]] = {}

    def rows(campaign, scope):
        for organization_id, organization_rows in rows_by_organization.items():
            if scope.everything or organization_id == scope.organization_id:
                yield from organization_rows

    dataset = Dataset("samples", "Samples", SAMPLE_COLUMNS, rows)
    monkeypatch.setitem(REGISTRY, "samples", dataset)
    return rows_by_organization
