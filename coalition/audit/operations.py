"""Queries of the audit log. Operations flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from coalition.audit.models import AuditEntry
from coalition.extensions import db


def record_entry(*, organization: str | None, client_id: str | None, action: str, method: str,
                 object_type: str, object_id: str | None, network: str | None = None) -> None:
    """An entry for a change made outside `/api/` (the OAuth endpoints, sign-in pages), in the
    current transaction; `network` is a caller's /24 or /48, never a full address."""
    db.session.add(AuditEntry(organization=organization, client_id=client_id, action=action, method=method,
                              object_type=object_type, object_id=object_id, network=network))

# Newest first; ties broken by id so that pages neither repeat nor skip entries.
AUDIT_ORDER = [(AuditEntry.created_date, True), (AuditEntry.id, False)]


def list_audit_entries(organization: str | None = None, action: str | None = None,
                       object_type: str | None = None, object_id: str | None = None,
                       since: datetime | None = None, until: datetime | None = None):
    """A select of audit entries, filtered (for pagination in AUDIT_ORDER)."""
    statement = select(AuditEntry)
    for column, value in ((AuditEntry.organization, organization), (AuditEntry.action, action),
                          (AuditEntry.object_type, object_type), (AuditEntry.object_id, object_id)):
        if value is not None:
            statement = statement.where(column == value)
    if since is not None:
        statement = statement.where(AuditEntry.created_date >= since)
    if until is not None:
        statement = statement.where(AuditEntry.created_date < until)
    return statement
