"""What the API shows of the audit log and how it is filtered."""

from __future__ import annotations

import marshmallow as ma

from coalition.i18n import _l
from coalition.pagination import KeysetPageArgsSchema
from coalition.validation import UTCDateTime


class AuditEntrySchema(ma.Schema):
    id = ma.fields.String(dump_only=True)
    organization = ma.fields.String(dump_only=True, allow_none=True)
    client_id = ma.fields.String(dump_only=True, allow_none=True)
    action = ma.fields.String(dump_only=True, metadata={"description": "The API operation, blueprint.view"})
    method = ma.fields.String(dump_only=True)
    object_type = ma.fields.String(dump_only=True, allow_none=True)
    object_id = ma.fields.String(dump_only=True, allow_none=True)
    network = ma.fields.String(dump_only=True, allow_none=True,
                               metadata={"description": "The /24 or /48 network of a sign-in, never a full address"})
    created_date = UTCDateTime(dump_only=True)


class AuditQuerySchema(KeysetPageArgsSchema):
    organization = ma.fields.String(metadata={"description": "Slug of the acting organization"})
    action = ma.fields.String()
    object_type = ma.fields.String()
    object_id = ma.fields.String()
    since = UTCDateTime(metadata={"description": "Entries at or after this time"})
    until = UTCDateTime(metadata={"description": "Entries before this time"})

    @ma.validates_schema
    def _check_range(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ma.ValidationError([_l("Must be after since.")], "until")
