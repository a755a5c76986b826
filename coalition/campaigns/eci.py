"""European Citizens' Initiative rules: member states, minimum signatures per state, success.

Regulation (EU) 2019/788, Article 3 and its Annex I: the minimum number of signatories in a
member state is its number of Members of the European Parliament multiplied by the total number
of Members, on the date the initiative was registered.
"""

from __future__ import annotations

import csv
from datetime import date
from functools import lru_cache
from pathlib import Path

SEATS_FILE = Path(__file__).resolve().parent / "ep_seats.csv"

REQUIRED_TOTAL = 1_000_000
REQUIRED_STATES = 7

# The Parliament's size changed on these dates (Brexit; the 2024 elections).
TABLE_705_FROM = date(2020, 2, 1)
TABLE_720_FROM = date(2024, 7, 16)


@lru_cache(maxsize=1)
def _seat_tables() -> dict[int, dict[str, int]]:
    """{751: {"AT": 18, ...}, 705: {...}, 720: {...}}, the current 27 member states only."""
    tables: dict[int, dict[str, int]] = {751: {}, 705: {}, 720: {}}
    with SEATS_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    current = {row["iso2"] for row in rows if row["seats_720"]}
    for row in rows:
        if row["iso2"] not in current:
            continue
        for size in tables:
            tables[size][row["iso2"]] = int(row[f"seats_{size}"])
    return tables


@lru_cache(maxsize=1)
def member_states() -> tuple[str, ...]:
    """The EU-27 as ISO 3166-1 alpha-2 codes (Greece is GR), sorted."""
    return tuple(sorted(_seat_tables()[720]))


def parliament_size(registered_on: date) -> int:
    """The number of MEPs on the registration date: 751, 705 or 720."""
    if registered_on < TABLE_705_FROM:
        return 751
    if registered_on < TABLE_720_FROM:
        return 705
    return 720


def thresholds(registered_on: date) -> dict[str, int]:
    """Minimum signatures per member state for an initiative registered on that date."""
    size = parliament_size(registered_on)
    return {country: seats * size for country, seats in _seat_tables()[size].items()}


def is_successful(total: int, per_country: dict[str, int], minimums: dict[str, int]) -> bool:
    """≥ 1,000,000 in total and at least 7 member states at or above their minimum."""
    states = sum(1 for country, minimum in minimums.items() if per_country.get(country, 0) >= minimum)
    return total >= REQUIRED_TOTAL and states >= REQUIRED_STATES
