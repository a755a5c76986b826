"""The audit log, for coordinators (`admin`)."""

from __future__ import annotations

from flask_smorest import Blueprint

from coalition.audit import operations, recording
from coalition.audit.schemas import AuditEntrySchema, AuditQuerySchema
from coalition.auth.guard import require_scope
from coalition.db import paginate
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
    page, per_page = args.pop("page"), args.pop("per_page")
    return page_response(paginate(operations.list_audit_entries(**args), page, per_page), AuditEntrySchema)
