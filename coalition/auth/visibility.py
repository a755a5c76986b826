"""Whose per-organization figures a caller sees: one rule for every place such a figure leaves.

Progress, time series, metrics, exports and the ledger all ask here. Coordinator credentials
holding a coordinator-only scope (`metrics:read`, `admin`) see every organization's figures;
every other caller sees its own organization's, beside coalition-wide totals.
"""

from __future__ import annotations

from collections.abc import Iterable

from coalition.auth.guard import Principal
from coalition.auth.scopes import COORDINATOR_ONLY


def sees_every_organization(principal: Principal) -> bool:
    return principal.is_coordinator and not COORDINATOR_ONLY.isdisjoint(principal.scopes)


def visible_organization_id(principal: Principal) -> str | None:
    """None when the caller sees every organization's figures, else its own organization's id."""
    return None if sees_every_organization(principal) else principal.organization_id


def visible_rows(principal: Principal, rows: Iterable[dict], key: str) -> list[dict]:
    """The rows naming an organization (by slug, under `key`) that the caller may see."""
    if sees_every_organization(principal):
        return list(rows)
    return [row for row in rows if row[key] == principal.organization_slug]
