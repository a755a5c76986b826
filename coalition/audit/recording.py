"""Recording every successful change made through the API, for every domain, without their help.

When: after the request, once the answer is known. Views commit their change before they return
(the convention), and only the answer says whether the request succeeded (a 2xx) and what it
created, so the entry is written right after, in its own short transaction on the request's
session. The only gap is a crash between the two commits; a failure to write the entry is
logged as an error and never turns a change that is done into an error answer.
"""

from __future__ import annotations

import logging

from flask import g, request

from coalition.audit.models import AuditEntry
from coalition.extensions import db

log = logging.getLogger(__name__)

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_IDENTIFYING_FIELDS = ("id", "slug", "client_id")


def audit_object(object_type: str, object_id: str) -> None:
    """Name the object a request changed, where the generic guess would be wrong."""
    g.audit_object = (object_type, str(object_id))


def _guess_object(response) -> tuple[str | None, str | None]:
    """The created object from a 201 answer's identifier, else the last identifier in the URL."""
    object_type = request.blueprint.removesuffix("s") if request.blueprint else None
    if response.status_code == 201 and response.is_json:
        body = response.get_json(silent=True)
        if isinstance(body, dict):
            for field in _IDENTIFYING_FIELDS:
                if isinstance(body.get(field), str):
                    return object_type, body[field]
    values = [str(value) for value in (request.view_args or {}).values()]
    return object_type, (values[-1] if values else None)


def record_change(response):
    principal = g.get("principal")
    if (principal is None or request.method not in MUTATING_METHODS
            or not 200 <= response.status_code < 300 or not request.path.startswith("/api/")):
        return response
    object_type, object_id = g.get("audit_object") or _guess_object(response)
    try:
        db.session.add(AuditEntry(
            organization=principal.organization_slug, client_id=principal.client_id,
            action=request.endpoint or request.path, method=request.method,
            object_type=object_type, object_id=object_id, status_code=response.status_code,
        ))
        db.commit()
    except Exception:
        db.rollback()
        log.exception("could not write the audit entry for %s %s", request.method, request.endpoint)
    return response
