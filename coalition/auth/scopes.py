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
}

COORDINATOR_ONLY = frozenset({"metrics:read", "admin"})


def allowed_scopes(role: str) -> frozenset[str]:
    """Scopes an organization with this role may grant its clients."""
    if role == "coordinator":
        return frozenset(SCOPES)
    return frozenset(SCOPES) - COORDINATOR_ONLY


TRANSLATOR_SCOPES = frozenset({"materials:read", "translations:write"})
PERSON_ROLE_SCOPES = {
    "translator": TRANSLATOR_SCOPES,
    "reviewer": TRANSLATOR_SCOPES | {"translations:review"},
    "member": allowed_scopes("member"),
    "coordinator": allowed_scopes("coordinator"),
}


def person_scopes(person_role: str, organization_role: str) -> frozenset[str]:
    """What a person's role allows, capped like a client's by their organization's role."""
    return PERSON_ROLE_SCOPES.get(person_role, frozenset()) & allowed_scopes(organization_role)
