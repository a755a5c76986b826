"""What the materials API takes and answers."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from werkzeug.datastructures import FileStorage

from coalition.i18n import _, _l
from coalition.materials.models import KINDS
from coalition.privacy import no_personal_data
from coalition.schemas import PageArgsSchema
from coalition.validation import LocaleTag, UTCDateTime, WholeMatch

SLUG = WholeMatch(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error=_l("Use lower-case letters, digits and hyphens."))
TAG = ma.validate.Length(min=1, max=64)
MAX_TAGS = 20


class MaterialListArgsSchema(PageArgsSchema):
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))
    tag = ma.fields.String(validate=TAG)


class DeliveryArgsSchema(ma.Schema):
    locale = ma.fields.String(metadata={"description": "Preferred locale (BCP 47); else Accept-Language."})
    drafts = ma.fields.Boolean(load_default=False,
                               metadata={"description": "Deliver unreviewed text too (translations:write)."})


class MaterialCreateSchema(ma.Schema):
    slug = ma.fields.String(required=True, validate=[ma.validate.Length(max=64), SLUG])
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    source_locale = LocaleTag()
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1))
    summary = ma.fields.String(allow_none=True)
    body = ma.fields.String(allow_none=True, metadata={"description": "Markdown."})
    tags = ma.fields.List(ma.fields.String(validate=[TAG, no_personal_data]), load_default=list,
                          validate=ma.validate.Length(max=MAX_TAGS))


class MaterialUpdateSchema(ma.Schema):
    title = ma.fields.String(validate=ma.validate.Length(min=1))
    summary = ma.fields.String(allow_none=True)
    body = ma.fields.String(allow_none=True)
    tags = ma.fields.List(ma.fields.String(validate=[TAG, no_personal_data]), validate=ma.validate.Length(max=MAX_TAGS))


class FileSchema(ma.Schema):
    id = ma.fields.String()
    filename = ma.fields.String()
    media_type = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    locale = ma.fields.String(allow_none=True)
    created_date = UTCDateTime()
    download_url = ma.fields.Function(lambda row: url_for("materials.download_file", file_id=row.id))


class UploadedFile(ma.fields.Raw):
    """A file part of a multipart body; the same name sent as a plain field is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ma.ValidationError(_("Send the file as a file part of the multipart body, with a file name."))
        return value


class FileUploadSchema(ma.Schema):
    file = UploadedFile(required=True, metadata={"type": "string", "format": "binary"})
    locale = LocaleTag(metadata={"description": "The locale of the file's content, if any."})


class WarningSchema(ma.Schema):
    field = ma.fields.String()
    check = ma.fields.String()
    message = ma.fields.String()


class MaterialSchema(ma.Schema):
    id = ma.fields.String()
    campaign = ma.fields.String(attribute="campaign_slug")
    slug = ma.fields.String()
    kind = ma.fields.String()
    source_locale = ma.fields.String()
    revision = ma.fields.Integer()
    title = ma.fields.String()
    summary = ma.fields.String(allow_none=True)
    body = ma.fields.String(allow_none=True)
    tags = ma.fields.List(ma.fields.String())
    files = ma.fields.List(ma.fields.Nested(FileSchema))
    created_date = UTCDateTime()
    modified_date = UTCDateTime()


class DeliveredMaterialSchema(MaterialSchema):
    served_locales = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    outdated_fields = ma.fields.List(ma.fields.String())
    warnings = ma.fields.List(ma.fields.Nested(WarningSchema))


class RevisionSchema(ma.Schema):
    number = ma.fields.Integer()
    title = ma.fields.String()
    summary = ma.fields.String(allow_none=True)
    body = ma.fields.String(allow_none=True)
    created_by = ma.fields.String()
    created_date = UTCDateTime()


class DiffArgsSchema(ma.Schema):
    since = ma.fields.Integer(data_key="from", validate=ma.validate.Range(min=0),
                    metadata={"description": "The older revision (default: the one before)."})


class RevisionDiffSchema(ma.Schema):
    since = ma.fields.Integer(data_key="from", attribute="from")
    to = ma.fields.Integer()
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                            metadata={"description": "A unified diff per changed field."})


class TranslationWriteSchema(ma.Schema):
    title = ma.fields.String(allow_none=True)
    summary = ma.fields.String(allow_none=True)
    body = ma.fields.String(allow_none=True)
    status = ma.fields.String(load_default="draft", validate=ma.validate.OneOf(("draft", "needs_review")))


class TranslationEventSchema(ma.Schema):
    action = ma.fields.String()
    status = ma.fields.String()
    based_on_revision = ma.fields.Integer()
    fields = ma.fields.Dict()
    client_id = ma.fields.String()
    organization = ma.fields.String()
    created_date = UTCDateTime()


class TranslationSchema(ma.Schema):
    locale = ma.fields.String()
    status = ma.fields.String()
    title = ma.fields.String(allow_none=True)
    summary = ma.fields.String(allow_none=True)
    body = ma.fields.String(allow_none=True)
    based_on_revision = ma.fields.Integer()
    source_revision = ma.fields.Integer(attribute="material.revision")
    outdated = ma.fields.Boolean()
    outdated_fields = ma.fields.List(ma.fields.String())
    written_by = ma.fields.String(allow_none=True,
                                  metadata={"description": "The client that wrote last; null for readers of approved text."})
    approved_by = ma.fields.String(allow_none=True)
    modified_date = UTCDateTime()


class TranslationDetailSchema(TranslationSchema):
    warnings = ma.fields.List(ma.fields.Nested(WarningSchema))
    source_diff = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                                 metadata={"description": "Unified diff per source field since based_on_revision."})
    history = ma.fields.List(ma.fields.Nested(TranslationEventSchema))


class LocaleProgressSchema(ma.Schema):
    locale = ma.fields.String()
    fields = ma.fields.Integer()
    untranslated = ma.fields.Integer()
    draft = ma.fields.Integer()
    needs_review = ma.fields.Integer()
    approved = ma.fields.Integer()
    outdated = ma.fields.Integer()
    percent_approved = ma.fields.Float()


class CampaignLocalesSchema(ma.Schema):
    campaign = ma.fields.String()
    source_locale = ma.fields.String()
    locales = ma.fields.List(ma.fields.Nested(LocaleProgressSchema))


class ImportConflictSchema(ma.Schema):
    unit = ma.fields.String()
    current = ma.fields.String()
    proposed = ma.fields.String()


class ImportErrorSchema(ma.Schema):
    unit = ma.fields.String()
    messages = ma.fields.List(ma.fields.String())


class ImportSummarySchema(ma.Schema):
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    conflicts = ma.fields.List(ma.fields.Nested(ImportConflictSchema))
    errors = ma.fields.List(ma.fields.Nested(ImportErrorSchema))
