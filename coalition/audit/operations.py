"""Queries of the audit log. Operations flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from coalition.audit.models import AuditEntry

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
