"""PO and XLIFF export and import per campaign and locale over HTTP."""

from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from coalition.auth.guard import current_principal, require_scope
from coalition.campaigns.operations import get_campaign_or_404
from coalition.extensions import db
from coalition.http import accepts
from coalition.materials.exchange import po, xliff
from coalition.materials.exchange.units import exchange_locale, export_units, import_file
from coalition.materials.schemas import ImportSummarySchema
from coalition.materials.translations import may_read_unapproved
from coalition.openapi import file_content

blp = Blueprint("exchange", __name__, url_prefix="", description="Translation files (PO, XLIFF 2.0).")

PO_TYPES = ("text/x-gettext-translation", "application/x-gettext", "text/plain", "application/octet-stream")
XLIFF_TYPES = ("application/xliff+xml", "application/xml", "text/xml", "application/octet-stream")


def _file_doc(media_type: str, accepted: tuple[str, ...], description: str) -> tuple[dict, dict]:
    """OpenAPI of a file's export (the file) and import (the file as the request body)."""
    download = {"responses": {"200": {"description": description,
                                      "content": file_content([media_type], text=True)}}}
    # One documented type: generators handle a single binary body well; the others accepted are named.
    upload = {"requestBody": {"required": True, "content": file_content([media_type]),
                              "description": "The file; also accepted as " + ", ".join(accepted[1:]) + "."}}
    return download, upload


PO_DOWNLOAD, PO_UPLOAD = _file_doc(po.MEDIA_TYPE, PO_TYPES, "A gettext PO file, one message per material field.")
XLIFF_DOWNLOAD, XLIFF_UPLOAD = _file_doc(xliff.MEDIA_TYPE, XLIFF_TYPES,
                                         "An XLIFF 2.0 document, one unit per material field.")


def _file_response(data: bytes, media_type: str, filename: str, locale: str) -> Response:
    # content_type, not mimetype: werkzeug would append a second charset to text types.
    response = Response(data, content_type=media_type + "; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Language"] = locale
    return response


@blp.get("/campaigns/<slug>/translations/<locale>.po")
@require_scope("materials:read")
@blp.doc(**PO_DOWNLOAD)
def export_po(slug, locale):
    """Export a campaign's translations into one locale as a PO file."""
    campaign = get_campaign_or_404(slug)
    locale = exchange_locale(campaign, locale)
    data = po.write_catalog(campaign, locale, export_units(campaign, locale, may_read_unapproved(current_principal())))
    return _file_response(data, po.MEDIA_TYPE, f"{campaign.slug}.{locale}.po", locale)


@blp.post("/campaigns/<slug>/translations/<locale>.po")
@require_scope("translations:write")
@accepts(*PO_TYPES, text=True)
@blp.response(200, ImportSummarySchema)
@blp.doc(**PO_UPLOAD)
def import_po(slug, locale):
    """Import a PO file: drafts and texts under review are updated, approved ones reported as conflicts."""
    campaign = get_campaign_or_404(slug)
    locale = exchange_locale(campaign, locale)
    summary = import_file(campaign, locale, current_principal(), request.get_data(), po.read_catalog)
    db.commit()
    return summary


@blp.get("/campaigns/<slug>/translations/<locale>.xlf")
@require_scope("materials:read")
@blp.doc(**XLIFF_DOWNLOAD)
def export_xliff(slug, locale):
    """Export a campaign's translations into one locale as XLIFF 2.0."""
    campaign = get_campaign_or_404(slug)
    locale = exchange_locale(campaign, locale)
    data = xliff.write_document(campaign, locale,
                                export_units(campaign, locale, may_read_unapproved(current_principal())))
    return _file_response(data, xliff.MEDIA_TYPE, f"{campaign.slug}.{locale}.xlf", locale)


@blp.post("/campaigns/<slug>/translations/<locale>.xlf")
@require_scope("translations:write")
@accepts(*XLIFF_TYPES, text=True)
@blp.response(200, ImportSummarySchema)
@blp.doc(**XLIFF_UPLOAD)
def import_xliff(slug, locale):
    """Import an XLIFF 2.0 file: drafts and texts under review are updated, approved ones are conflicts."""
    campaign = get_campaign_or_404(slug)
    locale = exchange_locale(campaign, locale)
    summary = import_file(campaign, locale, current_principal(), request.get_data(), xliff.read_document)
    db.commit()
    return summary
