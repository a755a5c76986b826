"""XLIFF 2.0 files: the campaign and locale in file metadata, the source revision per unit.

States: untranslated → `initial` without target; draft → `initial`; needs_review → `translated`;
approved → `final`; outdated text adds `subState="coalition:outdated"`. Whitespace is content:
sources and targets say `xml:space="preserve"` (or tools collapse multi-line text), and an import
keeps the `<ignorable>` parts between the segments of a resegmented unit (its paragraph breaks).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from coalition.campaigns.models import Campaign
from coalition.errors import ValidationFailed
from coalition.i18n import _, normalise_locale
from coalition.materials.exchange.units import ExportUnit, ImportUnit, revision_number

MEDIA_TYPE = "application/xliff+xml"
XLIFF = "urn:oasis:names:tc:xliff:document:2.0"
MDA = "urn:oasis:names:tc:xliff:metadata:2.0"
STATES = {"untranslated": "initial", "draft": "initial", "needs_review": "translated", "approved": "final"}
OUTDATED = "coalition:outdated"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# An XML declaration or document type can define entities; files we exchange never need them.
UNSAFE_MARKUP = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)

ET.register_namespace("", XLIFF)
ET.register_namespace("mda", MDA)


def _q(name: str, namespace: str = XLIFF) -> str:
    return f"{{{namespace}}}{name}"


def _metadata(parent: ET.Element, values: dict[str, str]) -> None:
    group = ET.SubElement(ET.SubElement(parent, _q("metadata", MDA)), _q("metaGroup", MDA), category="coalition")
    for key, value in values.items():
        ET.SubElement(group, _q("meta", MDA), type=key).text = value


def _read_metadata(parent: ET.Element) -> dict[str, str]:
    path = f"{_q('metadata', MDA)}/{_q('metaGroup', MDA)}[@category='coalition']/{_q('meta', MDA)}"
    return {meta.get("type", ""): meta.text or "" for meta in parent.findall(path)}


def write_document(campaign: Campaign, locale: str, units: list[ExportUnit]) -> bytes:
    root = ET.Element(_q("xliff"), version="2.0", srcLang=campaign.source_locale, trgLang=locale)
    file = ET.SubElement(root, _q("file"), id=campaign.slug)
    _metadata(file, {"campaign": campaign.slug, "locale": locale})
    for unit in units:
        element = ET.SubElement(file, _q("unit"), id=unit.id)
        _metadata(element, {"revision": str(unit.revision)})
        segment = ET.SubElement(element, _q("segment"), state=STATES[unit.state])
        if unit.outdated:
            segment.set("subState", OUTDATED)
        ET.SubElement(segment, _q("source"), {XML_SPACE: "preserve"}).text = unit.source
        if unit.target is not None:
            ET.SubElement(segment, _q("target"), {XML_SPACE: "preserve"}).text = unit.target
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _refuse(detail) -> ValidationFailed:
    return ValidationFailed(detail, errors={"file": [detail]})


def parse_safely(data: bytes) -> ET.Element:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(_("XLIFF files must be UTF-8.")) from None
    if UNSAFE_MARKUP.search(text):
        raise _refuse(_("XLIFF files may not contain a document type or entity declarations."))
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        raise _refuse(_("This is not well-formed XML: %(error)s", error=str(error))) from None


def _text(element: ET.Element | None) -> str:
    """All text inside an element (inline markup is not used by our exports)."""
    return "".join(element.itertext()) if element is not None else ""


def _target_text(part: ET.Element) -> str:
    """The target of a segment; of an ignorable part (white space between segments) its target,
    or, as XLIFF 2.0 allows it to have none, its source."""
    target = part.find(_q("target"))
    if target is None and part.tag == _q("ignorable"):
        return _text(part.find(_q("source")))
    return _text(target)


def read_document(campaign: Campaign, locale: str, data: bytes) -> list[ImportUnit]:
    """The units of an uploaded XLIFF 2.0 file; refuses one made for another campaign or locale."""
    root = parse_safely(data)
    if root.tag != _q("xliff") or root.get("version") != "2.0":
        raise _refuse(_("Not an XLIFF 2.0 document."))
    units = []
    for file in root.findall(_q("file")):
        meta = _read_metadata(file)
        if meta.get("campaign") != campaign.slug:
            raise _refuse(_("This file is for campaign %(other)s, not %(campaign)s.",
                            other=meta.get("campaign", "?"), campaign=campaign.slug))
        if normalise_locale(meta.get("locale") or root.get("trgLang") or "?") != locale:
            raise _refuse(_("This file is for locale %(other)s, not %(locale)s.",
                            other=meta.get("locale", "?"), locale=locale))
        for unit in file.iter(_q("unit")):
            revision = _read_metadata(unit).get("revision", "")
            segments = unit.findall(_q("segment"))
            target = "".join(_target_text(part) for part in unit if part.tag in (_q("segment"), _q("ignorable")))
            states = {s.get("state", "initial") for s in segments}
            units.append(ImportUnit(id=unit.get("id", ""), target=target,
                                    status="draft" if "initial" in states else "needs_review",
                                    revision=revision_number(revision)))
    if not root.findall(_q("file")):
        raise _refuse(_("The document has no file element."))
    return units
