"""The scopes a client may hold, what each allows, and which roles may hold them."""

from coalition.i18n import _l

SCOPES = {
    "campaigns:read": _l("Read campaigns, their progress and counts."),
    "signatures:write": _l("Report the signatures your organization collected."),
    "actions:read": _l("Read outreach actions."),
    "actions:write": _l("Log and change your organization's outreach actions."),
    "materials:read": _l("Read campaign materials."),
    "materials:write": _l("Create and edit campaign materials."),
    "translations:write": _l("Translate materials in the locales you are allowed."),
    "translations:review": _l("Review and approve translations."),
    "metrics:read": _l("Read coalition-wide metrics and exports."),
    "webhooks:manage": _l("Manage webhook subscriptions."),
    "admin": _l("Manage campaigns, organizations and their clients."),
    "federation:push": _l("Push a hub's figures as snapshots (hub organizations only)."),
}

COORDINATOR_ONLY = frozenset({"metrics:read", "admin"})
HUB_ONLY = frozenset({"federation:push"})


def allowed_scopes(role: str, kind: str = "organization") -> frozenset[str]:
    """Scopes an organization with this role and kind may grant its clients."""
    allowed = frozenset(SCOPES)
    if role != "coordinator":
        allowed -= COORDINATOR_ONLY
    if kind != "hub":
        allowed -= HUB_ONLY
    return allowed
