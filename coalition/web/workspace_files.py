"""PO and XLIFF files from the translator's workspace: download, and upload with the conflict report."""

from __future__ import annotations

from flask import Response, request

from coalition.campaigns.operations import get_campaign_or_404
from coalition.errors import ProblemError, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.materials.exchange import po, xliff
from coalition.materials.exchange.units import export_units, import_file
from coalition.materials.translations import may_read_unapproved
from coalition.people.sessions import page_principal, sign_in_required
from coalition.web.forms import problem_messages
from coalition.web.workspace import WRITE, blp, workspace_locale, workspace_page

WRITERS = {"po": (po.write_catalog, po.MEDIA_TYPE), "xlf": (xliff.write_document, xliff.MEDIA_TYPE)}
READERS = {"po": po.read_catalog, "xlf": xliff.read_document}


@blp.get("/campaigns/<slug>/translate/<locale>.<any(po, xlf):kind>")
@sign_in_required(WRITE)
def download(slug, locale, kind):
    campaign = get_campaign_or_404(slug)
    locale = workspace_locale(campaign, locale)
    write, media_type = WRITERS[kind]
    data = write(campaign, locale, export_units(campaign, locale, may_read_unapproved(page_principal())))
    response = Response(data, content_type=media_type + "; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{campaign.slug}.{locale}.{kind}"'
    response.headers["Content-Language"] = locale
    return response


@blp.post("/campaigns/<slug>/translate/<locale>/upload")
@sign_in_required(WRITE)
def upload(slug, locale):
    """Import a PO or XLIFF file (told apart by its name); the summary lists conflicts and errors."""
    campaign = get_campaign_or_404(slug)
    locale = workspace_locale(campaign, locale)
    uploaded = request.files.get("file")
    kind = (uploaded.filename or "").rsplit(".", 1)[-1].lower() if uploaded else ""
    kind = "xlf" if kind == "xliff" else kind
    try:
        if kind not in READERS:
            raise ValidationFailed(errors={"file": [_("Choose a PO or XLIFF file (.po, .xlf).")]})
        summary = import_file(campaign, locale, page_principal(), uploaded.read(), READERS[kind])
    except ProblemError as problem:
        db.rollback()
        return workspace_page(slug, locale, {"upload": problem_messages(problem)}, status=problem.status)
    db.commit()
    return workspace_page(slug, locale, summary=summary)
