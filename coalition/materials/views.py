"""Materials, their revisions and files over HTTP. Thin: parse → one operation → commit → respond."""

from __future__ import annotations

from flask import request, send_file
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from coalition.auth.guard import current_principal, require_scope
from coalition.campaigns.operations import get_campaign_or_404
from coalition.db import paginate
from coalition.errors import Forbidden
from coalition.extensions import db
from coalition.http import accepts
from coalition.i18n import _
from coalition.materials import files, operations
from coalition.materials.delivery import deliver
from coalition.materials.models import FIELDS
from coalition.materials.schemas import (
    DeliveredMaterialSchema,
    DeliveryArgsSchema,
    DiffArgsSchema,
    FileSchema,
    FileUploadSchema,
    MaterialCreateSchema,
    MaterialListArgsSchema,
    MaterialSchema,
    MaterialUpdateSchema,
    RevisionDiffSchema,
    RevisionSchema,
)
from coalition.materials.translations import may_read_unapproved
from coalition.openapi import file_content
from coalition.schemas import PageArgsSchema, page_response, page_schema


class UploadParser(FlaskParser):
    """Reads `files` arguments from the file parts and the plain fields of a multipart body alike,
    so one schema documents and validates an upload with its metadata."""

    def load_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class MaterialsBlueprint(Blueprint):
    ARGUMENTS_PARSER = UploadParser()


blp = MaterialsBlueprint("materials", __name__, url_prefix="",
                         description="Campaign materials, revisions and files.")


def _asked_locales(locale_arg: str | None) -> list[str]:
    """`?locale=` (one tag or a comma-separated list), else Accept-Language in order of quality."""
    if locale_arg:
        return [tag.strip() for tag in locale_arg.split(",") if tag.strip()]
    return [tag for tag, quality in request.accept_languages if tag != "*" and quality > 0]


def _delivered(material, delivery: dict, warnings=()):
    data = {name: getattr(material, name) for name in (
        "id", "campaign_slug", "slug", "kind", "source_locale", "revision", "tags", "files",
        "created_date", "modified_date")}
    data.update(delivery["fields"], served_locales=delivery["served_locales"],
                outdated_fields=delivery["outdated_fields"], warnings=list(warnings))
    served = list(dict.fromkeys(delivery["served_locales"][name] for name in FIELDS))
    return data, {"Content-Language": ", ".join(served)}


def _as_source(material, warnings=()):
    served = dict.fromkeys(FIELDS, material.source_locale)
    return _delivered(material, {"fields": material.source_fields(), "served_locales": served,
                                 "outdated_fields": []}, warnings)


@blp.get("/campaigns/<slug>/materials")
@require_scope("materials:read")
@blp.arguments(MaterialListArgsSchema, location="query")
@blp.response(200, page_schema(MaterialSchema))
def list_materials(args, slug):
    """List a campaign's materials (filter by kind or tag)."""
    campaign = get_campaign_or_404(slug)
    query = operations.list_materials_query(campaign, kind=args.get("kind"), tag=args.get("tag"))
    return page_response(paginate(query, args["page"], args["per_page"]), MaterialSchema)


@blp.post("/campaigns/<slug>/materials")
@require_scope("materials:write")
@blp.arguments(MaterialCreateSchema)
@blp.response(201, DeliveredMaterialSchema)
def create_material(data, slug):
    """Create a material (revision 1) in a campaign."""
    campaign = get_campaign_or_404(slug)
    material, warnings = operations.create_material(campaign, current_principal(), **data)
    db.commit()
    body, headers = _as_source(material, warnings)
    return body, 201, headers


@blp.get("/materials/<uuid:material_id>")
@require_scope("materials:read")
@blp.arguments(DeliveryArgsSchema, location="query")
@blp.response(200, DeliveredMaterialSchema)
def get_material(args, material_id):
    """A material in the best approved language for `?locale=` or Accept-Language."""
    if args["drafts"] and not may_read_unapproved(current_principal()):
        raise Forbidden(_("Only translators (translations:write) may read drafts."))
    material = operations.get_material_or_404(str(material_id))
    return _delivered(material, deliver(material, _asked_locales(args.get("locale")), args["drafts"]))


@blp.patch("/materials/<uuid:material_id>")
@require_scope("materials:write")
@blp.arguments(MaterialUpdateSchema)
@blp.response(200, DeliveredMaterialSchema)
def update_material(data, material_id):
    """Edit a material's source; a change of its text makes a new revision."""
    material = operations.get_material_or_404(str(material_id), lock=True)
    material, warnings = operations.update_material(material, current_principal(), data)
    db.commit()
    return _as_source(material, warnings)


@blp.get("/materials/<uuid:material_id>/revisions")
@require_scope("materials:read")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(RevisionSchema))
def list_revisions(args, material_id):
    """The source revisions of a material, oldest first."""
    material = operations.get_material_or_404(str(material_id))
    query = operations.list_revisions_query(material)
    return page_response(paginate(query, args["page"], args["per_page"]), RevisionSchema)


@blp.get("/materials/<uuid:material_id>/revisions/<int:number>/diff")
@require_scope("materials:read")
@blp.arguments(DiffArgsSchema, location="query")
@blp.response(200, RevisionDiffSchema)
def diff_revision(args, material_id, number):
    """A unified diff per field between revision `from` (default: the previous one) and this one."""
    material = operations.get_material_or_404(str(material_id))
    return operations.diff_revisions(material, number, args.get("since"))


@blp.post("/materials/<uuid:material_id>/files")
@require_scope("materials:write")
@accepts("multipart/form-data")
@blp.arguments(FileUploadSchema, location="files")
@blp.response(201, FileSchema)
def upload_file(upload, material_id):
    """Attach a file (PDF, PNG, JPEG, WebP, DOCX, ODT, MP4, SVG) to a material."""
    material = operations.get_material_or_404(str(material_id))
    uploaded = upload["file"]
    row = files.add_file(material, current_principal(), uploaded.stream, uploaded.filename, upload.get("locale"))
    db.commit()
    return row


@blp.get("/files/<uuid:file_id>")
@require_scope("materials:read")
@blp.doc(responses={"200": {"description": "The file's bytes, of its detected type.",
                             "content": file_content(files.ALLOWED_TYPES)}})
def download_file(file_id):
    """Download a material's file."""
    row = files.get_file_or_404(str(file_id))
    response = send_file(files.stored_path(row.sha256), mimetype=row.media_type, download_name=row.filename,
                         as_attachment=row.media_type in files.ATTACHMENT_ONLY, etag=row.sha256,
                         conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Even if a browser renders it, nothing in it may run, load or navigate.
    response.headers["Content-Security-Policy"] = "sandbox"
    return response
