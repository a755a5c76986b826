"""Recording every change made through the API (and pages marked so), for every domain, without their help.

The entry is added to the request's own transaction just before it commits, so a change and
its entry are stored together or not at all: a request that fails before committing leaves no
entry, and no committed change lacks one. It costs one INSERT in a transaction that is being
written anyway, which matters on the hottest write path (signature reports).
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event, insert

from coalition.audit.models import AuditEntry
from coalition.db import AppSession, new_uuid, utcnow

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _state() -> dict:
    # Per request, not per app context: one app context may serve several requests (tests, CLI).
    return request.environ.setdefault("coalition.audit", {})


def audit_object(object_type: str, object_id: str) -> None:
    """Name the object a request changes, where the generic guess would be wrong."""
    _state()["object"] = (object_type, str(object_id))


def audited_by_its_own_records(view):
    """Mark a view whose writes are their own audit trail (an append-only ledger that records
    organization, client and time), so the audit log does not hold every row a second time."""
    view.audited_by_its_own_records = True
    return view


def audited_page(view):
    """Mark a page's view whose changes the audit log records as it records the API's (people
    invited, changed and removed from the pages)."""
    view.audited_page = True
    return view


def _auditable() -> bool:
    if not (has_request_context() and g.get("principal") is not None and request.method in MUTATING_METHODS):
        return False
    view = current_app.view_functions.get(request.endpoint)
    if not (request.path.startswith("/api/") or getattr(view, "audited_page", False)):
        return False
    return not getattr(view, "audited_by_its_own_records", False)


def _object_type() -> str | None:
    return request.blueprint.removesuffix("s") if request.blueprint else None


def _remember_created_object(session, _flush_context) -> None:
    """The first object a request creates: what a POST to a collection changes."""
    if not _auditable() or "created" in _state():
        return
    for instance in session.new:
        identifier = getattr(instance, "slug", None) or getattr(instance, "id", None)
        if identifier and not isinstance(instance, AuditEntry):
            _state()["created"] = str(identifier)
            return


def _add_entry(session) -> None:
    # A savepoint's release also announces a commit; the entry belongs to the real one.
    if session.in_nested_transaction() or not _auditable() or _state().get("recorded"):
        return
    session.flush()  # so `created` knows what this transaction creates
    state = _state()
    if "object" in state:
        object_type, object_id = state["object"]
    else:
        values = [str(value) for value in (request.view_args or {}).values()]
        object_type = _object_type()
        object_id = state.get("created") if request.method == "POST" else None
        object_id = object_id or (values[-1] if values else None)
    principal = g.principal
    # A Core INSERT: no unit of work to track for a row nobody reads in this request.
    session.execute(insert(AuditEntry).values(
        id=new_uuid(), organization=principal.organization_slug, client_id=principal.client_id,
        action=request.endpoint or request.path, method=request.method,
        object_type=object_type, object_id=object_id, created_date=utcnow(),
    ))
    state["recorded"] = True


def init_app(app: Flask) -> None:
    if not event.contains(AppSession, "before_commit", _add_entry):
        event.listen(AppSession, "after_flush", _remember_created_object)
        event.listen(AppSession, "before_commit", _add_entry)
