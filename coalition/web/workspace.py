"""The translator's workspace: `/campaigns/{slug}/translate/{locale}`.

Saving, submitting and approving go through the translations' operations with the signed-in
person, so the workspace refuses what the API refuses (a locale the person may not write, QA
errors, approving one's own text) with the same messages. QA messages as one types come from
the same checks (`check`), asked by workspace.js.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from coalition.campaigns.operations import get_campaign_or_404
from coalition.errors import NotFound, ProblemError, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.materials import qa, translations
from coalition.materials.delivery import campaign_progress
from coalition.materials.exchange.units import exchange_locale
from coalition.materials.models import FIELDS, Material, Translation
from coalition.materials.operations import get_material_or_404
from coalition.people.sessions import page_principal, sign_in_required
from coalition.web.forms import problem_messages

blp = Blueprint("workspace", __name__, template_folder="templates")

STATES = ("untranslated", "outdated", "needs_review", "draft", "approved")
WRITE = "translations:write"


def material_units(campaign, locale: str) -> list[dict]:
    """Each material written in another locale, its fields' states in `locale`, and the source's
    changes for an outdated text."""
    materials = [m for m in db.session.scalars(select(Material).filter_by(campaign_id=campaign.id)
                                               .order_by(Material.slug)) if m.source_locale != locale]
    by_material = {t.material_id: t for t in db.session.scalars(
        select(Translation).join(Material).where(Material.campaign_id == campaign.id, Translation.locale == locale))}
    outdated = translations.outdated_fields_of(by_material.values())
    units = []
    for material in materials:
        translation = by_material.get(material.id)
        fields = []
        for name in FIELDS:
            if getattr(material, name):
                state, stale = translations.field_state(translation, name, outdated)
                fields.append({"name": name, "source": getattr(material, name), "state": state, "outdated": stale,
                               "target": getattr(translation, name) if translation else None})
        units.append({"material": material, "translation": translation, "fields": fields,
                      "states": {"outdated" if f["outdated"] else f["state"] for f in fields},
                      "diff": translations.source_diff(translation) if translation else {}})
    return units


def workspace_locale(campaign, locale: str) -> str:
    """A locale the campaign translates into; any other address is not a page."""
    try:
        return exchange_locale(campaign, locale)
    except ValidationFailed as problem:
        raise NotFound(problem.detail) from None


def campaign_material(slug: str, material_id, lock: bool = False) -> Material:
    material = get_material_or_404(str(material_id), lock=lock)
    if material.campaign.slug != slug:
        raise NotFound(_("No material has this id."))
    return material


def workspace_page(slug: str, locale: str, errors: dict | None = None, summary: dict | None = None, status=200):
    campaign = get_campaign_or_404(slug)
    principal = page_principal()
    locale = workspace_locale(campaign, locale)
    shown = request.args.get("state", "all")
    units = material_units(campaign, locale)
    if shown in STATES:
        units = [unit for unit in units if shown in unit["states"]]
    progress = next(entry for entry in campaign_progress(campaign) if entry["locale"] == locale)
    return render_template(
        "workspace.html", campaign=campaign, locale=locale, units=units, progress=progress, shown=shown,
        states=STATES, errors=errors or {}, summary=summary, may_write=principal.may_write_locale(locale),
        may_review="translations:review" in principal.scopes, me=principal.client_id,
        locales=translations.translation_locales(campaign, campaign.source_locale)), status


@blp.get("/campaigns/<slug>/translate/<locale>")
@sign_in_required(WRITE)
def workspace(slug, locale):
    return workspace_page(slug, locale)


def _back(slug, locale, material):
    return redirect(url_for("workspace.workspace", slug=slug, locale=locale, state=request.args.get("state"),
                            saved=material.id) + f"#material-{material.id}", 303)


@blp.post("/campaigns/<slug>/translate/<locale>/<uuid:material_id>")
@sign_in_required(WRITE)
def save(slug, locale, material_id):
    """Save a draft, or submit the text for review (`status=needs_review`)."""
    material = campaign_material(slug, material_id, lock=True)
    fields = {name: request.form[name] for name in FIELDS if request.form.get(name, "").strip()}
    try:
        translations.save_translation(material, locale, page_principal(), fields,
                                      request.form.get("status", "draft"))
    except ProblemError as problem:
        db.rollback()
        return workspace_page(slug, locale, {str(material_id): problem_messages(problem)}, status=problem.status)
    db.commit()
    return _back(slug, locale, material)


@blp.post("/campaigns/<slug>/translate/<locale>/<uuid:material_id>/approve")
@sign_in_required("translations:review")
def approve(slug, locale, material_id):
    material = campaign_material(slug, material_id, lock=True)
    try:
        translations.approve_translation(material, locale, page_principal())
    except ProblemError as problem:
        db.rollback()
        return workspace_page(slug, locale, {str(material_id): problem_messages(problem)}, status=problem.status)
    db.commit()
    return _back(slug, locale, material)


@blp.post("/campaigns/<slug>/translate/<locale>/<uuid:material_id>/check")
@sign_in_required(WRITE)
def check(slug, locale, material_id):
    """The QA checks of a save, without saving: errors per field and warnings, as JSON."""
    material = campaign_material(slug, material_id)
    target = {name: request.form[name] for name in FIELDS if request.form.get(name, "").strip()}
    report = qa.check_translation(material.kind, material.source_fields(), target)
    return jsonify(errors=report.errors, warnings=report.warnings)
