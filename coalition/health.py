"""Liveness and readiness probes."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from coalition.errors import problem_response
from coalition.extensions import cache, db
from coalition.i18n import _

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    """The process is up."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz():
    """The database and, when configured, Redis answer."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        db.rollback()
        checks["database"] = "unavailable"
    if current_app.extensions["coalition.config"].redis_url:
        try:
            cache.ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unavailable"
    failing = [name for name, state in checks.items() if state != "ok"]
    if failing:
        response = problem_response(503, _("Not ready: %(parts)s.", parts=", ".join(failing)))
        return response
    return jsonify(status="ok", checks=checks)
