"""`Idempotency-Key`: a retried request gets the first answer and changes nothing.

Keys are scoped to the caller's organization and kept at least KEEP_FOR, as SHA-256 hashes only:
whatever a partner puts in a key is never stored. The key is claimed by
inserting its row before the work is done, in the same transaction: a concurrent retry waits on
the unique index until the first request commits (then replays its answer) or rolls back (then
does the work itself).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import delete, select

from coalition.campaigns.models import IdempotencyRecord
from coalition.campaigns.tallies import insert_ignoring_conflicts
from coalition.db import new_uuid, utcnow
from coalition.errors import ValidationFailed
from coalition.extensions import db
from coalition.i18n import _

KEEP_FOR = timedelta(hours=24)
HEADER = "Idempotency-Key"


def request_fingerprint(method: str, path: str, payload) -> str:
    """The same request, whatever its JSON formatting, gives the same fingerprint."""
    canonical = json.dumps([method, path, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def claim_key(organization_id: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Claim a key for this request; answer the earlier record when the request is a retry."""
    if not key or len(key) > 255:
        raise ValidationFailed(errors={HEADER: [_("Give between 1 and 255 characters.")]})
    return _claim(organization_id, _stored_key(key), fingerprint)


def _claim(organization_id: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    table = IdempotencyRecord.__table__
    row = {"id": new_uuid(), "organization_id": organization_id, "key": key,
           "request_hash": fingerprint, "created_date": utcnow()}
    if insert_ignoring_conflicts(table, [row], returning=table.c.id).first() is not None:
        return None
    earlier = db.session.scalars(select(IdempotencyRecord).filter_by(organization_id=organization_id, key=key)).one()
    if earlier.created_date < utcnow() - KEEP_FOR:
        db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == earlier.id))
        db.session.expunge(earlier)
        return _claim(organization_id, key, fingerprint)
    if earlier.request_hash != fingerprint:
        raise ValidationFailed(
            _("This Idempotency-Key was already used for another request."),
            errors={HEADER: [_("Use a new key for a different request.")]},
        )
    return earlier


def store_answer(organization_id: str, key: str, status: int, body: bytes) -> None:
    """Keep the answer of a claimed key, in the transaction of the work it answers."""
    table = IdempotencyRecord.__table__
    key = _stored_key(key)
    db.session.execute(table.update().where(table.c.organization_id == organization_id, table.c.key == key)
                       .values(status_code=status, response_body=body.decode()))


def remove_expired_keys(now=None) -> int:
    """Forget keys older than KEEP_FOR (housekeeping); answer how many went."""
    cutoff = (now or utcnow()) - KEEP_FOR
    return db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_date < cutoff)).rowcount
