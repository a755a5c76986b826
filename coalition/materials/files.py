"""Uploaded files: type from the content (never the name), size limit, storage by content hash."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path

from flask import current_app

from coalition.auth.guard import Principal
from coalition.errors import NotFound, ProblemError, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.materials.models import Material, MaterialFile
from coalition.privacy import personal_data_problem

# media type → extension; served inline unless listed in ATTACHMENT_ONLY
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.text": "odt",
    "video/mp4": "mp4",
    "image/svg+xml": "svg",
}
# SVG can carry script; office documents are not for browsers to render.
ATTACHMENT_ONLY = frozenset({
    "image/svg+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
})
MP4_BRANDS = frozenset({b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
                        b"dash"})
SVG_HEAD = re.compile(rb"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE\s+svg[^>]*>\s*)?(<!--.*?-->\s*)*"
                      rb"<svg[\s>]", re.DOTALL | re.IGNORECASE)


def _zip_type(content: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = set(archive.namelist())
        if "mimetype" in names:
            with archive.open("mimetype") as member:
                if member.read(64).strip() == b"application/vnd.oasis.opendocument.text":
                    return "application/vnd.oasis.opendocument.text"
        if {"[Content_Types].xml", "word/document.xml"} <= names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def detect_type(content: bytes) -> str | None:
    """The media type the bytes actually are, among the allowed ones; None otherwise."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[4:8] == b"ftyp" and content[8:12] in MP4_BRANDS:
        return "video/mp4"
    if content.startswith(b"PK\x03\x04"):
        return _zip_type(content)
    if SVG_HEAD.match(content.removeprefix(b"\xef\xbb\xbf")[:4096]):
        return "image/svg+xml"
    return None


def sanitise_filename(name: str | None, media_type: str) -> str:
    """The base name only, printable, with the extension of the detected type."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"\s+", " ", stem).strip(" .")[:200] or "file"
    return f"{stem}.{ALLOWED_TYPES[media_type]}"


def file_store() -> Path:
    return Path(current_app.extensions["coalition.config"].instance_path) / "files"


def stored_path(sha256: str) -> Path:
    return file_store() / sha256[:2] / sha256


def _store(content: bytes, sha256: str) -> None:
    path = stored_path(sha256)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename: a reader never sees half a file, concurrent uploads of the same bytes agree.
    handle, temporary = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.replace(temporary, path)


def add_file(material: Material, principal: Principal, stream, filename: str | None,
             locale: str | None = None) -> MaterialFile:
    """Check and store an upload; the same bytes are stored once, whatever their name."""
    if locale is not None and locale not in {material.source_locale, *material.campaign.locales}:
        raise ValidationFailed(errors={"locale": [_("Not a locale of this campaign.")]})
    limit = current_app.extensions["coalition.config"].file_size_limit
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise ProblemError(_("A file may not exceed %(limit)d bytes.", limit=limit), status=413)
    if not content:
        raise ValidationFailed(errors={"file": [_("The file is empty.")]})
    media_type = detect_type(content)
    if media_type is None:
        raise ProblemError(_("Accepted files: PDF, PNG, JPEG, WebP, DOCX, ODT, MP4 and SVG."), status=415)
    name = sanitise_filename(filename, media_type)
    # Every coalition member sees file names; "_" joins words (and digits) in them.
    problem = personal_data_problem(name.rsplit(".", 1)[0].replace("_", " "))
    if problem:
        raise ValidationFailed(errors={"file": [problem]})
    sha256 = hashlib.sha256(content).hexdigest()
    _store(content, sha256)
    row = MaterialFile(material_id=material.id, locale=locale, filename=name,
                       media_type=media_type, size=len(content), sha256=sha256,
                       created_by=principal.client_id)
    material.files.append(row)
    db.session.flush()
    return row


def get_file_or_404(file_id: str) -> MaterialFile:
    row = db.session.get(MaterialFile, file_id)
    if row is None or not stored_path(row.sha256).exists():
        raise NotFound(_("No file has this id."))
    return row
