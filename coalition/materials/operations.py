"""Rules for materials and their source revisions. Operations flush, never commit."""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coalition.auth.guard import Principal
from coalition.campaigns.models import Campaign
from coalition.errors import Conflict, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.materials import qa
from coalition.materials.models import FIELDS, Material, MaterialRevision, MaterialTag
from coalition.webhooks.events import announce_material


def existing_material_ids(campaign: Campaign, ids: set[str]) -> set[str]:
    """Which of `ids` are materials of this campaign (other domains link to materials by id)."""
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Material.id).where(Material.campaign_id == campaign.id, Material.id.in_(ids))))

def get_material(material_id: str, lock: bool = False) -> Material | None:
    """The material; with `lock`, its row is locked until commit so writers of it take turns."""
    statement = select(Material).where(Material.id == material_id)
    if lock:
        statement = statement.with_for_update(of=Material)
    return db.session.scalars(statement).first()


def get_material_or_404(material_id: str, lock: bool = False) -> Material:
    material = get_material(material_id, lock)
    if material is None:
        raise NotFound(_("No material has this id."))
    return material


def get_material_by_slug(campaign: Campaign, slug: str) -> Material | None:
    return db.session.scalars(select(Material).filter_by(campaign_id=campaign.id, slug=slug)).first()


def list_materials_query(campaign: Campaign, kind: str | None = None, tag: str | None = None):
    statement = select(Material).filter_by(campaign_id=campaign.id).order_by(Material.slug)
    if kind:
        statement = statement.filter_by(kind=kind)
    if tag:
        statement = statement.where(Material.tag_rows.any(MaterialTag.tag == tag))
    return statement


def _check_source(kind: str, fields: dict) -> list[dict]:
    report = qa.check_source(kind, fields)
    if report.errors:
        raise ValidationFailed(errors=report.errors)
    return report.warnings


def _set_tags(material: Material, tags: list[str]) -> None:
    wanted = sorted(set(tags))
    material.tag_rows = [row for row in material.tag_rows if row.tag in wanted]
    have = {row.tag for row in material.tag_rows}
    material.tag_rows.extend(MaterialTag(tag=tag) for tag in wanted if tag not in have)


def _add_revision(material: Material, author: str) -> None:
    db.session.add(MaterialRevision(material_id=material.id, number=material.revision,
                                    created_by=author, **material.source_fields()))


def create_material(campaign: Campaign, principal: Principal, *, slug: str, kind: str, title: str,
                    summary: str | None = None, body: str | None = None, tags: list[str] = (),
                    source_locale: str | None = None) -> tuple[Material, list[dict]]:
    """A new material at revision 1, in the campaign's source locale unless another is given."""
    if get_material_by_slug(campaign, slug) is not None:
        raise Conflict(_("This campaign already has a material with this slug."))
    fields = {"title": title, "summary": summary, "body": body}
    warnings = _check_source(kind, fields)
    material = Material(campaign=campaign, campaign_id=campaign.id, slug=slug, kind=kind,
                        source_locale=source_locale or campaign.source_locale, revision=1,
                        created_by=principal.client_id, **fields)
    _set_tags(material, list(tags))
    try:
        with db.session.begin_nested():
            db.session.add(material)
            db.session.flush()
    except IntegrityError:
        # Another request created the same slug between our check and our insert.
        raise Conflict(_("This campaign already has a material with this slug.")) from None
    _add_revision(material, principal.client_id)
    db.session.flush()
    announce_material("material.created", material)
    return material, warnings


def update_material(material: Material, principal: Principal, changes: dict) -> tuple[Material, list[dict]]:
    """Change the source; a change of its text makes a new revision (tags alone do not)."""
    fields = {name: changes.get(name, getattr(material, name)) for name in FIELDS}
    if not fields["title"]:
        raise ValidationFailed(errors={"title": [_("A material needs a title.")]})
    warnings = _check_source(material.kind, fields)
    if "tags" in changes:
        _set_tags(material, changes["tags"])
    if fields != material.source_fields():
        for name, value in fields.items():
            setattr(material, name, value)
        material.revision += 1
        _add_revision(material, principal.client_id)
        announce_material("material.revised", material)
    db.session.flush()
    return material, warnings


def list_revisions_query(material: Material):
    return select(MaterialRevision).filter_by(material_id=material.id).order_by(MaterialRevision.number)


# Revision numbers are 32-bit columns: a larger number names no revision (and must not reach SQL).
MAX_REVISION = 2**31 - 1


def get_revision_or_404(material: Material, number: int) -> MaterialRevision:
    revision = None
    if 0 < number <= MAX_REVISION:
        revision = db.session.scalars(
            select(MaterialRevision).filter_by(material_id=material.id, number=number)).first()
    if revision is None:
        raise NotFound(_("This material has no revision %(number)d.", number=number))
    return revision


def diff_fields(old: dict[str, str | None], new: dict[str, str | None], old_label: str,
                new_label: str) -> dict[str, str]:
    """A unified diff per changed field."""
    diffs = {}
    for name in FIELDS:
        before, after = old.get(name) or "", new.get(name) or ""
        if before != after:
            lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                         fromfile=f"{name}@{old_label}", tofile=f"{name}@{new_label}")
            diffs[name] = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return diffs


def diff_revisions(material: Material, number: int, since: int | None = None) -> dict:
    """What changed in the source from revision `since` (default: the one before) to `number`."""
    new = get_revision_or_404(material, number)
    since = number - 1 if since is None else since
    if since == 0:
        old_fields: dict[str, str | None] = {}
    else:
        old_fields = get_revision_or_404(material, since).source_fields()
    return {"from": since, "to": number,
            "fields": diff_fields(old_fields, new.source_fields(), str(since), str(number))}
