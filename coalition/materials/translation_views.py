"""Translations, review and progress over HTTP. Thin: parse → one operation → commit → respond."""

from __future__ import annotations

from flask_smorest import Blueprint

from coalition.auth.guard import current_principal, require_scope
from coalition.campaigns.operations import get_campaign_or_404
from coalition.db import link_header, paginate
from coalition.extensions import db
from coalition.materials import translations
from coalition.materials.delivery import campaign_progress
from coalition.materials.models import FIELDS
from coalition.materials.operations import get_material_or_404
from coalition.materials.schemas import (
    CampaignLocalesSchema,
    TranslationDetailSchema,
    TranslationSchema,
    TranslationWriteSchema,
)
from coalition.schemas import PageArgsSchema, page_schema

blp = Blueprint("translations", __name__, url_prefix="", description="Translations of materials and review.")


def _describe(translation, warnings=None, detail=False, outdated_map=None) -> dict:
    if outdated_map is None:
        outdated_map = translations.outdated_fields_of([translation])
    outdated = outdated_map.get(translation.id, [])
    data = {name: getattr(translation, name) for name in (
        "locale", "status", "title", "summary", "body", "based_on_revision", "material", "written_by",
        "approved_by", "modified_date")}
    data.update(outdated=bool(outdated), outdated_fields=outdated)
    reader = not translations.may_read_unapproved(current_principal())
    if reader:
        # Approved text only, and not who wrote it.
        data.update({name: None for name in FIELDS if translation.field_status(name) != "approved"},
                    written_by=None, approved_by=None)
    if detail:
        data.update(warnings=warnings or [], source_diff=translations.source_diff(translation),
                    history=[] if reader else translations.translation_history(translation))
    return data


@blp.get("/materials/<uuid:material_id>/translations")
@require_scope("materials:read")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(TranslationSchema))
def list_translations(args, material_id):
    """The translations of a material, with their state."""
    material = get_material_or_404(str(material_id))
    page = paginate(translations.list_translations_query(material), args["page"], args["per_page"])
    outdated_map = translations.outdated_fields_of(page["items"])
    page["items"] = [_describe(t, outdated_map=outdated_map) for t in page["items"]]
    return page, {"Link": link_header(page["page"], page["per_page"], page["total"])}


@blp.get("/materials/<uuid:material_id>/translations/<locale>")
@require_scope("materials:read")
@blp.response(200, TranslationDetailSchema)
def get_translation(material_id, locale):
    """One translation, its source diff when outdated, and its history."""
    material = get_material_or_404(str(material_id))
    translation = translations.get_translation_or_404(material, locale)
    return _describe(translation, detail=True), {"Content-Language": translation.locale}


@blp.put("/materials/<uuid:material_id>/translations/<locale>")
@require_scope("translations:write")
@blp.arguments(TranslationWriteSchema)
@blp.response(200, TranslationDetailSchema)
def put_translation(data, material_id, locale):
    """Write a translation (draft or needs_review); QA errors refuse it, warnings come back."""
    material = get_material_or_404(str(material_id), lock=True)
    status = data.pop("status")
    translation, warnings = translations.save_translation(material, locale, current_principal(), data, status)
    db.commit()
    return _describe(translation, warnings, detail=True), {"Content-Language": translation.locale}


@blp.post("/materials/<uuid:material_id>/translations/<locale>/approve")
@require_scope("translations:review")
@blp.response(200, TranslationDetailSchema)
def approve_translation(material_id, locale):
    """Approve a translation written by another client."""
    material = get_material_or_404(str(material_id), lock=True)
    translation = translations.approve_translation(material, locale, current_principal())
    db.commit()
    return _describe(translation, detail=True), {"Content-Language": translation.locale}


@blp.get("/campaigns/<slug>/locales")
@require_scope("materials:read")
@blp.response(200, CampaignLocalesSchema)
def campaign_locales(slug):
    """Translation progress per locale, counted in fields."""
    campaign = get_campaign_or_404(slug)
    return {"campaign": campaign.slug, "source_locale": campaign.source_locale,
            "locales": campaign_progress(campaign)}
