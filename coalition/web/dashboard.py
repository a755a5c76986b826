"""The campaign dashboard (`/campaigns/{slug}`) and its exports, for coordinators and members.

Figures come from the operations of the API's progress, metrics, series and exports routes,
for the signed-in person: members see their own organization's rows, as through the API.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from coalition.auth.visibility import visible_organization_id, visible_rows
from coalition.campaigns.models import SignatureReport
from coalition.campaigns.operations import get_campaign_or_404
from coalition.campaigns.progress import campaign_progress, signature_series
from coalition.db import utcnow
from coalition.errors import ProblemError
from coalition.extensions import db
from coalition.i18n import select_locale
from coalition.metrics import operations as exports
from coalition.metrics.datasets import dataset_names, get_dataset
from coalition.metrics.formats import FORMATS
from coalition.people.sessions import page_principal, sign_in_required
from coalition.sources.operations import list_sources_query, shown
from coalition.web.charts import daily_totals, member_states_chart, progress_chart
from coalition.web.forms import problem_messages
from coalition.web.pace import dashboard_pace

blp = Blueprint("dashboard", __name__, template_folder="templates")
LATEST_REPORTS = 10


def latest_reports(campaign, principal, limit: int = LATEST_REPORTS) -> list[SignatureReport]:
    """The newest reports the person may see: every organization's for coordinators, else their own."""
    statement = select(SignatureReport).filter_by(campaign_id=campaign.id)
    organization_id = visible_organization_id(principal)
    if organization_id is not None:
        statement = statement.filter_by(organization_id=organization_id)
    return list(db.session.scalars(statement.order_by(SignatureReport.id.desc()).limit(limit)))


def visible_sources(campaign, principal) -> list | None:
    """The counter sources the person may see through the API (their own organization's, or any
    for coordinators); None when their role manages no sources."""
    if "signatures:write" not in principal.scopes:
        return None
    return shown(list(db.session.scalars(list_sources_query(campaign, principal))))


def dashboard_values(campaign, principal, export_errors=None) -> dict:
    progress = campaign_progress(campaign)
    pace = dashboard_pace(campaign, principal)
    charts = [progress_chart(daily_totals(signature_series(campaign, "day", "channel")), campaign.signature_goal,
                             campaign.starts_on, campaign.ends_on, utcnow().date(), pace["projected_goal_date"],
                             pace["states_date"])]
    if any(row["threshold"] for row in progress["countries"]):
        charts.append(member_states_chart(progress["countries"]))
    return {
        "campaign": campaign, "progress": progress, "pace": pace, "charts": charts,
        "organizations": visible_rows(principal, progress["organizations"], "organization"),
        "reports": latest_reports(campaign, principal), "sources": visible_sources(campaign, principal),
        "formats": list(FORMATS),
        "datasets": [(name, get_dataset(name).title) for name in dataset_names()],
        "export_errors": export_errors or {}, "may_translate": "translations:write" in principal.scopes,
    }


@blp.get("/campaigns/<slug>")
@sign_in_required(exports.FULL_SCOPE, exports.MEMBER_SCOPE)
def dashboard(slug):
    campaign = get_campaign_or_404(slug)
    return render_template("dashboard.html", **dashboard_values(campaign, page_principal()))


@blp.post("/campaigns/<slug>/exports")
@sign_in_required(exports.FULL_SCOPE, exports.MEMBER_SCOPE)
def request_export(slug):
    """A background export asked from the dashboard, with labels in the page's language."""
    campaign = get_campaign_or_404(slug)
    principal = page_principal()
    try:
        job = exports.request_export(principal, campaign.slug, request.form.get("dataset", ""),
                                     request.form.get("format", ""), labels=select_locale(),
                                     dialect="excel" if request.form.get("format") == "csv" else None)
    except ProblemError as problem:
        db.rollback()
        values = dashboard_values(campaign, principal, problem_messages(problem))
        return render_template("dashboard.html", **values), problem.status
    db.commit()
    return redirect(url_for("dashboard.export_job", export_id=job.id), 303)


@blp.get("/exports/<export_id>")
@sign_in_required(exports.FULL_SCOPE, exports.MEMBER_SCOPE)
def export_job(export_id):
    return render_template("export.html", job=exports.get_export_job_or_404(export_id, page_principal()))


@blp.get("/exports/<export_id>/download")
@sign_in_required(exports.FULL_SCOPE, exports.MEMBER_SCOPE)
def download_export(export_id):
    job = exports.get_export_job_or_404(export_id, page_principal())
    path = exports.export_file_or_problem(job)
    export_format = FORMATS[job.format]
    response = send_file(path, mimetype=export_format.mimetype, as_attachment=True,
                         download_name=exports.download_name(job.campaign, job.dataset, export_format,
                                                             job.finished_date))
    response.headers["Content-Type"] = export_format.mimetype
    return response
