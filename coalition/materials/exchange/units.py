"""Units of exchange (one field of one material), what an export holds and how an import applies.

Operations flush, never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import select

from coalition.auth.guard import Principal
from coalition.campaigns.models import Campaign
from coalition.errors import ValidationFailed
from coalition.extensions import db
from coalition.i18n import _, normalise_locale
from coalition.materials import qa
from coalition.materials.models import FIELDS, Material, Translation
from coalition.materials.translations import (
    check_may_write,
    field_state,
    outdated_fields_of,
    translation_locales,
    write_fields,
)


@dataclass(frozen=True)
class ExportUnit:
    id: str
    source: str
    target: str | None
    state: str  # untranslated, draft, needs_review or approved
    outdated: bool
    revision: int


@dataclass(frozen=True)
class ImportUnit:
    id: str
    target: str
    # draft or needs_review (an import never approves); None: as it was, or draft if the text changed.
    status: str | None
    revision: int | None


# More units than any campaign has fields; also keeps the material look-up within SQL's
# 65,535 parameters.
MAX_IMPORT_UNITS = 10_000


def revision_number(text: str) -> int | None:
    """A unit's revision as written in a file: ASCII digits (not `²`), ten at most; else unknown."""
    if text.isascii() and text.isdigit() and len(text) <= 10:
        return int(text)
    return None


def exchange_locale(campaign: Campaign, locale: str) -> str:
    """A locale the campaign translates into, or a 404-like refusal as a clear 422."""
    locale = normalise_locale(locale)
    if locale not in translation_locales(campaign, campaign.source_locale):
        raise ValidationFailed(_("This campaign is not translated into %(locale)s.", locale=locale),
                               errors={"locale": [_("Not a translation locale of this campaign.")]})
    return locale


def export_units(campaign: Campaign, locale: str, unapproved: bool = True) -> list[ExportUnit]:
    """Every non-empty source field of the campaign's materials written in another locale; without
    `unapproved`, only approved targets (the rest as untranslated), for readers of approved text."""
    materials = [m for m in db.session.scalars(
        select(Material).filter_by(campaign_id=campaign.id).order_by(Material.slug)) if m.source_locale != locale]
    translations = {t.material_id: t for t in db.session.scalars(
        select(Translation).join(Material).where(Material.campaign_id == campaign.id,
                                                 Translation.locale == locale))}
    outdated = outdated_fields_of(translations.values())
    units = []
    for material in materials:
        translation = translations.get(material.id)
        for name in FIELDS:
            source = getattr(material, name)
            if not source:
                continue
            state, stale = field_state(translation, name, outdated)
            if state != "approved" and not unapproved:
                state, stale = "untranslated", False
            units.append(ExportUnit(
                id=f"{material.slug}.{name}", source=source,
                target=getattr(translation, name) if state != "untranslated" else None,
                state=state, outdated=stale, revision=material.revision))
    return units


def _resolve(campaign: Campaign, units: list[ImportUnit]) -> dict[str, tuple[Material, str]]:
    """Each unit's material and field; refuses the whole file when a unit is unknown or stale."""
    # Locked like a single edit: an import and an edit of the same material take turns.
    named = {unit.id.rpartition(".")[0] for unit in units}
    materials = {m.slug: m for m in db.session.scalars(
        select(Material).filter_by(campaign_id=campaign.id).where(Material.slug.in_(named))
        .with_for_update(of=Material))}
    resolved, problems = {}, {}
    for unit in units:
        slug, _dot, name = unit.id.rpartition(".")
        material = materials.get(slug)
        if material is None or name not in FIELDS:
            problems[unit.id] = [_("No material field of this campaign has this id.")]
        elif unit.revision != material.revision:
            problems[unit.id] = [_("Made from source revision %(given)s, but the source is now at revision "
                                   "%(current)d: export the file again.",
                                   given=unit.revision if unit.revision is not None else "?",
                                   current=material.revision)]
        else:
            resolved[unit.id] = (material, name)
    if problems:
        raise ValidationFailed(_("The file does not match the campaign's current materials; nothing was "
                                 "imported."), errors=problems)
    return resolved


def import_file(campaign: Campaign, locale: str, principal: Principal, data: bytes,
                read: Callable[[Campaign, str, bytes], list[ImportUnit]]) -> dict:
    """Read an uploaded file with `read` (PO or XLIFF) and import its units, if the caller may write."""
    check_may_write(principal, locale)
    units = read(campaign, locale, data)
    if len(units) > MAX_IMPORT_UNITS:
        raise ValidationFailed(errors={"file": [
            _("A file may hold at most %(limit)d units.", limit=MAX_IMPORT_UNITS)]})
    return import_units(campaign, locale, principal, units)


def import_units(campaign: Campaign, locale: str, principal: Principal, units: list[ImportUnit]) -> dict:
    """Update drafts and texts under review, unit by unit: a changed text is the importer's, a
    changed state alone (a reviewer confirming a unit) keeps its writer. Approved texts it would
    change are conflicts; an approved unit whose text is unchanged stays approved."""
    units = [unit for unit in units if unit.target]
    resolved = _resolve(campaign, units)
    by_material: dict[str, list[ImportUnit]] = defaultdict(list)
    for unit in units:
        by_material[resolved[unit.id][0].id].append(unit)
    translations = {t.material_id: t for t in db.session.scalars(select(Translation).where(
        Translation.material_id.in_(list(by_material)), Translation.locale == locale))}
    summary = {"updated": 0, "unchanged": 0, "conflicts": [], "errors": []}
    for material_id, unit_list in by_material.items():
        material = resolved[unit_list[0].id][0]
        translation = translations.get(material_id)
        current = translation.target_fields() if translation else dict.fromkeys(FIELDS)
        changes = {}
        for unit in unit_list:
            name = resolved[unit.id][1]
            status = translation.field_status(name) if translation else None
            same_text = current[name] == unit.target
            if unit.status is None:
                unit = replace(unit, status=status if same_text and status else "draft")
            if status == "approved":
                if same_text:
                    summary["unchanged"] += 1
                else:
                    summary["conflicts"].append({"unit": unit.id, "current": current[name] or "",
                                                 "proposed": unit.target})
            elif same_text and status == unit.status:
                summary["unchanged"] += 1
            else:
                changes[name] = unit
        report = qa.check_translation(material.kind, material.source_fields(),
                                      {name: unit.target for name, unit in changes.items()})
        for name, messages in report.errors.items():
            summary["errors"].append({"unit": changes.pop(name).id, "messages": messages})
        if not changes:
            continue
        merged = {**current, **{name: unit.target for name, unit in changes.items()}}
        merged_report = qa.check_translation(material.kind, material.source_fields(), merged)
        if merged_report.errors:
            # Text kept from an older revision fails now; the translator must fix it before importing.
            for name, messages in merged_report.errors.items():
                summary["errors"].append({"unit": f"{material.slug}.{name}", "messages": messages})
            continue
        write_fields(material, locale, principal, {name: (unit.target, unit.status) for name, unit in changes.items()},
                     action="imported")
        summary["updated"] += len(changes)
    return summary
