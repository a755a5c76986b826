"""Gettext PO files (through Babel): msgctxt is the unit id, an extracted comment its revision."""

from __future__ import annotations

import io
import re

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from coalition.campaigns.models import Campaign
from coalition.errors import ValidationFailed
from coalition.i18n import _, normalise_locale
from coalition.materials.exchange.units import ExportUnit, ImportUnit, revision_number

MEDIA_TYPE = "text/x-gettext-translation"
HEADER = re.compile(r"^#\s*coalition-(campaign|locale):\s*(\S+)\s*$", re.MULTILINE)
REVISION = re.compile(r"^coalition-revision:\s*(\S+)\Z")
EXPORTED_STATE = re.compile(r"^coalition-state:\s*(\w+)")


def write_catalog(campaign: Campaign, locale: str, units: list[ExportUnit]) -> bytes:
    catalog = Catalog(
        locale=Locale.parse(locale, sep="-"), project=campaign.slug, version="1", fuzzy=False,
        header_comment=f"# Translations of the materials of {' '.join(campaign.title.split())}.\n"
                       f"# coalition-campaign: {campaign.slug}\n# coalition-locale: {locale}",
    )
    for unit in units:
        fuzzy = unit.target is not None and (unit.state != "approved" or unit.outdated)
        catalog.add(unit.source, unit.target or "", context=unit.id, flags=["fuzzy"] if fuzzy else [],
                    auto_comments=[f"coalition-revision: {unit.revision}", f"coalition-state: {unit.state}"
                                   + (" (outdated)" if unit.outdated else "")])
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False)
    return out.getvalue()


def read_catalog(campaign: Campaign, locale: str, data: bytes) -> list[ImportUnit]:
    """The units of an uploaded PO file; refuses one made for another campaign or locale."""
    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True, charset="utf-8")
    except (PoFileError, UnicodeDecodeError, ValueError) as error:
        raise ValidationFailed(_("This is not a readable PO file: %(error)s", error=str(error)),
                               errors={"file": [_("Not a PO file.")]}) from None
    header = {key: value for key, value in HEADER.findall(catalog.header_comment or "")}
    if header.get("campaign") != campaign.slug:
        raise ValidationFailed(_("This file is for campaign %(other)s, not %(campaign)s.",
                                 other=header.get("campaign", "?"), campaign=campaign.slug),
                               errors={"file": [_("Wrong campaign.")]})
    if normalise_locale(header.get("locale", "?")) != locale:
        raise ValidationFailed(_("This file is for locale %(other)s, not %(locale)s.",
                                 other=header.get("locale", "?"), locale=locale),
                               errors={"file": [_("Wrong locale.")]})
    units = []
    for message in catalog:
        if not message.id or not message.context:
            continue
        revision = next((revision_number(match.group(1)) for comment in message.auto_comments
                         if (match := REVISION.match(comment.strip()))), None)
        target = message.string if isinstance(message.string, str) else ""
        units.append(ImportUnit(id=message.context, target=target, status=_status(message), revision=revision))
    return units


def _status(message) -> str | None:
    """A cleared fuzzy flag (`msgattrib --clear-fuzzy`) submits the unit for review. Exports mark
    texts under review fuzzy too: for them a flag still set says nothing (None, see ImportUnit)."""
    if not message.fuzzy:
        return "needs_review"
    exported = next((match.group(1) for comment in message.auto_comments
                     if (match := EXPORTED_STATE.match(comment.strip()))), None)
    return None if exported == "needs_review" else "draft"
