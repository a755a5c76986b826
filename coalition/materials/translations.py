"""Rules for translations: saving with QA, review, outdated detection and the history.

Operations flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, tuple_

from coalition.auth.guard import Principal
from coalition.campaigns.models import Campaign
from coalition.errors import Conflict, Forbidden, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _, normalise_locale
from coalition.materials import qa
from coalition.materials.models import (
    FIELDS,
    Material,
    MaterialRevision,
    Translation,
    TranslationEvent,
)
from coalition.materials.operations import diff_fields
from coalition.webhooks.events import announce_translation


def translation_locales(campaign: Campaign, source_locale: str) -> list[str]:
    """The campaign's locales a text written in `source_locale` is translated into."""
    return [locale for locale in campaign.locales if locale != source_locale]


def check_locale(material: Material, locale: str) -> str:
    locale = normalise_locale(locale)
    allowed = translation_locales(material.campaign, material.source_locale)
    if locale not in allowed:
        raise ValidationFailed(errors={"locale": [_(
            "Not a translation locale of this campaign: %(locales)s.", locales=", ".join(allowed) or "-")]})
    return locale


def check_may_write(principal: Principal, locale: str) -> None:
    if not principal.may_write_locale(locale):
        raise Forbidden(_("Your credentials do not allow writing in %(locale)s.", locale=locale))


def get_translation(material: Material, locale: str) -> Translation | None:
    return db.session.scalars(
        select(Translation).filter_by(material_id=material.id, locale=normalise_locale(locale))).first()


def get_translation_or_404(material: Material, locale: str) -> Translation:
    translation = get_translation(material, locale)
    if translation is None:
        raise NotFound(_("This material has no translation in %(locale)s yet.", locale=locale))
    return translation


def list_translations_query(material: Material):
    return select(Translation).filter_by(material_id=material.id).order_by(Translation.locale)


def outdated_fields_of(translations: Iterable[Translation]) -> dict[str, list[str]]:
    """Per translation id, the translated fields whose source changed since it was made."""
    behind = [t for t in translations if t.based_on_revision < t.material.revision]
    if not behind:
        return {}
    keys = {(t.material_id, t.based_on_revision) for t in behind}
    rows = db.session.scalars(select(MaterialRevision).where(
        tuple_(MaterialRevision.material_id, MaterialRevision.number).in_(list(keys))))
    old = {(row.material_id, row.number): row.source_fields() for row in rows}
    result = {}
    for t in behind:
        before, now = old[(t.material_id, t.based_on_revision)], t.material.source_fields()
        changed = [name for name in FIELDS if getattr(t, name) and before[name] != now[name]]
        if changed:
            result[t.id] = changed
    return result


def field_state(translation: Translation | None, name: str, outdated: dict[str, list[str]]) -> tuple[str, bool]:
    """A field's state in a locale (`untranslated`, or its own status) and whether its source
    changed since it was translated (`outdated` as `outdated_fields_of` answers it)."""
    status = translation.field_status(name) if translation is not None else None
    if status is None:
        return "untranslated", False
    return status, name in outdated.get(translation.id, ())


def may_read_unapproved(principal: Principal) -> bool:
    """Drafts and texts under review, and who wrote them, are for translators (`translations:write`);
    `materials:read` alone reads approved text only, wherever translations leave: delivery
    (`?drafts=1`), translations and their history, PO and XLIFF files."""
    return "translations:write" in principal.scopes


def source_diff(translation: Translation) -> dict[str, str]:
    """What changed in the source since the revision the translation was made from."""
    material = translation.material
    if translation.based_on_revision >= material.revision:
        return {}
    old = db.session.scalars(select(MaterialRevision).filter_by(
        material_id=material.id, number=translation.based_on_revision)).one()
    return diff_fields(old.source_fields(), material.source_fields(),
                       str(translation.based_on_revision), str(material.revision))


def _record(translation: Translation, action: str, principal: Principal) -> None:
    db.session.add(TranslationEvent(
        translation_id=translation.id, action=action, status=translation.status,
        based_on_revision=translation.based_on_revision, fields=translation.target_fields(),
        client_id=principal.client_id, organization=principal.organization_slug))


def save_translation(material: Material, locale: str, principal: Principal, fields: dict[str, str | None],
                     status: str = "draft") -> tuple[Translation, list[dict]]:
    """Write the whole text of a locale (every field, in one state), after the QA checks."""
    if status not in ("draft", "needs_review"):
        raise ValidationFailed(errors={"status": [_("Must be one of: draft, needs_review.")]})
    return write_fields(material, locale, principal, {name: (fields.get(name), status) for name in FIELDS})


def write_fields(material: Material, locale: str, principal: Principal,
                 changes: dict[str, tuple[str | None, str]], action: str = "saved") -> tuple[Translation, list[dict]]:
    """Set some fields of a locale's text, each `(text, status)`, after the QA checks of the result.

    A field whose text changes is written by the caller; one whose only state changes (a reviewer
    confirming it) keeps its writer, so nobody becomes the author of text they did not write.
    """
    locale = check_locale(material, locale)
    check_may_write(principal, locale)
    translation = get_translation(material, locale)
    current = translation.target_fields() if translation else dict.fromkeys(FIELDS)
    merged = {**current, **{name: text for name, (text, _status) in changes.items()}}
    if all(value is None for value in merged.values()):
        raise ValidationFailed(errors={"title": [_("Give at least one translated field.")]})
    report = qa.check_translation(material.kind, material.source_fields(), merged)
    if report.errors:
        raise ValidationFailed(_("The translation did not pass the quality checks."), errors=report.errors)
    if translation is None:
        translation = Translation(material=material, material_id=material.id, locale=locale, field_states={})
        db.session.add(translation)
    states = dict(translation.field_states)
    for name, (text, status) in changes.items():
        setattr(translation, name, text)
        if not text:
            states.pop(name, None)
            continue
        writer = states[name]["written_by"] if name in states and current[name] == text else principal.client_id
        states[name] = {"status": status, "written_by": writer, "approved_by": None}
    _set_states(translation, states)
    translation.based_on_revision = material.revision
    translation.written_by = principal.client_id
    db.session.flush()
    _record(translation, action, principal)
    db.session.flush()
    announce_translation(material, translation)
    return translation, report.warnings


def _set_states(translation: Translation, states: dict[str, dict]) -> None:
    # A new dict: the JSON column notices only assignments.
    translation.field_states = states
    order = {"draft": 0, "needs_review": 1, "approved": 2}
    translation.status = min((state["status"] for state in states.values()), key=order.get, default="draft")
    if translation.status != "approved":
        translation.approved_by = None


def approve_translation(material: Material, locale: str, principal: Principal) -> Translation:
    """Approve the fields not approved yet; nobody approves a field they wrote."""
    locale = check_locale(material, locale)
    check_may_write(principal, locale)
    translation = get_translation_or_404(material, locale)
    pending = {name: state for name, state in translation.field_states.items() if state["status"] != "approved"}
    if not pending:
        raise Conflict(_("This translation is already approved."))
    if any(state["written_by"] == principal.client_id for state in pending.values()):
        raise Forbidden(_("The client that wrote a text cannot approve it; ask another reviewer."))
    if outdated_fields_of([translation]):
        raise Conflict(_("The source changed since this translation was made; update it first."))
    approved = {name: {**state, "status": "approved", "approved_by": principal.client_id}
                for name, state in pending.items()}
    _set_states(translation, {**translation.field_states, **approved})
    translation.approved_by = principal.client_id
    db.session.flush()
    _record(translation, "approved", principal)
    db.session.flush()
    announce_translation(material, translation)
    return translation


def translation_history(translation: Translation) -> list[TranslationEvent]:
    return list(db.session.scalars(select(TranslationEvent).filter_by(translation_id=translation.id)
                                   .order_by(TranslationEvent.created_date, TranslationEvent.id)))
