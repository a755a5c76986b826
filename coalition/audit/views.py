"""The audit log, for coordinators (`admin`)."""

from __future__ import annotations

from flask_smorest import Blueprint

from coalition.audit import operations, recording
from coalition.audit.schemas import AuditEntrySchema, AuditQuerySchema
from coalition.auth.guard import require_scope
from coalition.pagination import cheap_total, keyset_paginate
from coalition.schemas import page_response, page_schema

blp = Blueprint("audit", __name__, url_prefix="/audit", description="Who changed what, and when.")

# Registered with this blueprint so every app that mounts the audit log also records into it.
blp.record_once(lambda state: recording.init_app(state.app))


@blp.get("")
@require_scope("admin")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, page_schema(AuditEntrySchema))
def list_audit_entries(args):
    """List audit entries, newest first."""
    pages = {name: args.pop(name) for name in ("page", "per_page", "after")}
    statement = operations.list_audit_entries(**args)
    return page_response(keyset_paginate(statement, operations.AUDIT_ORDER, pages, cheap_total(statement)),
                         AuditEntrySchema)
