"""Delivery of a material in the best available language, and translation progress per locale."""

from __future__ import annotations

from sqlalchemy import select

from coalition.campaigns.models import Campaign
from coalition.extensions import db
from coalition.i18n import fallback_chain
from coalition.materials.models import FIELDS, Material, Translation
from coalition.materials.translations import field_state, outdated_fields_of, translation_locales

PROGRESS_STATES = ("untranslated", "draft", "needs_review", "approved", "outdated")


def locale_chain(asked: list[str], source: str) -> list[str]:
    """Each asked locale and its parents, in the caller's order, then the source locale."""
    chain: list[str] = []
    for tag in asked:
        for candidate in fallback_chain(tag):
            if candidate not in chain:
                chain.append(candidate)
    if source not in chain:
        chain.append(source)
    return chain


def deliver(material: Material, asked: list[str], drafts: bool = False) -> dict:
    """Per field, the best approved text along the chain (any text with `drafts`), and who served it."""
    translations = {t.locale: t for t in db.session.scalars(
        select(Translation).filter_by(material_id=material.id))}
    chain = locale_chain(asked, material.source_locale)
    outdated = outdated_fields_of(translations.values())
    fields, served, outdated_fields = {}, {}, []
    for name in FIELDS:
        for locale in chain:
            # A field the source no longer has is not delivered from an older translation either.
            if locale == material.source_locale or not getattr(material, name):
                fields[name], served[name] = getattr(material, name), material.source_locale
                break
            translation = translations.get(locale)
            text = getattr(translation, name) if translation else None
            if text and (drafts or translation.field_status(name) == "approved"):
                fields[name], served[name] = text, locale
                if name in outdated.get(translation.id, ()):
                    outdated_fields.append(name)
                break
    return {"fields": fields, "served_locales": served, "outdated_fields": outdated_fields}


def campaign_progress(campaign: Campaign) -> list[dict]:
    """Per campaign locale, how many source fields are untranslated, in each state, or outdated."""
    materials = list(db.session.scalars(select(Material).filter_by(campaign_id=campaign.id)))
    translations = list(db.session.scalars(
        select(Translation).join(Material).where(Material.campaign_id == campaign.id)))
    by_key = {(t.material_id, t.locale): t for t in translations}
    outdated = outdated_fields_of(translations)
    result = []
    for locale in translation_locales(campaign, campaign.source_locale):
        counts = dict.fromkeys(PROGRESS_STATES, 0)
        for material in materials:
            if material.source_locale == locale:
                continue
            translation = by_key.get((material.id, locale))
            for name in FIELDS:
                if getattr(material, name):
                    state, stale = field_state(translation, name, outdated)
                    counts["outdated" if stale else state] += 1
        total = sum(counts.values())
        percent = round(100 * counts["approved"] / total, 1) if total else 0.0
        result.append({"locale": locale, "fields": total, **counts, "percent_approved": percent})
    return result
