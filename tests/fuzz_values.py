"""Real values for what a schema-valid request must also get right, for positive_data_acceptance.

The document states every format, enum, pattern and bound; these rules it cannot state, because
they depend on stored data or on more than one field, or are the personal-data guard's: a
`campaign` names an existing campaign; `until` follows `since`; language tags are ones Babel
knows (the pattern admits any well-formed tag); days lie from 2000 to 2099, in their order;
export labels are in a language with a catalog; an imported file parses; material ids, page
cursors and organizations exist; a report falls within the campaign; no more signatures are
valid than submitted; a report's country is a member state (the fuzz campaign is an ECI); a path's
country and locale fit the campaign; a new campaign is not yet closed and an ECI has its
registration date; a webhook, upstream or source URL and a sign-in issuer reach a public address,
and a source has what its kind needs; a snapshot comes from a hub's web address with figures of
member states, each once; coordinator- and hub-only scopes, and coordinator people, go to
coordinators and hubs; `"*"` stands alone among event types; free text holds no phone or ID
number; an Idempotency-Key, and an external id within a batch, is new. Only positive cases are
changed: negative ones stay as generated.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from coalition.campaigns.eci import member_states
from coalition.campaigns.models import Campaign
from coalition.extensions import db
from coalition.materials.translations import translation_locales

FUZZ_CAMPAIGN = "fuzz-campaign"
PUBLIC_WEBHOOK_URL = "https://93.184.215.14/hook"  # a public address literal: nothing to resolve
PUBLIC_ISSUER_URL = "https://93.184.215.14/oidc"
PUSHING_HUB = "https://at.coalition.test"
PUBLIC_SOURCE_URL = "https://93.184.215.14/api"
# What each kind of counter source needs beside its kind (a country, credentials, options).
SOURCE_SHAPES = {"eci_online": {"country": None, "credentials": None, "options": {}},
                 "proca": {"country": "DE", "credentials": None, "options": {"action_page": 1}},
                 "action_network": {"country": "DE", "credentials": {"api_key": "fuzz-key"}, "options": {}},
                 "json": {"country": "DE", "credentials": None, "options": {"path": "total"}}}
ORGANIZATION_WEBSITE = "https://example.org/"
GUARDED_TEXT = {"note": "Counted at the town hall", "notes": "Stall at the market square",
                "reason": "Recount of the paper forms", "locality": "Market square"}
ROLE_BOUND_SCOPES = {"admin", "metrics:read", "federation:push"}
# Days the server takes (2000-2099), each after the one it must follow.
DAYS = {"eci_registered_on": "2025-11-01", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "action_date": "2026-03-01", "end_date": "2026-03-02", "submitted_on": "2026-04-01",
        "verified_on": "2026-04-15"}
# Smallest files the importers take; a generated body may be empty or hold NUL.
IMPORTS = {"import_po": b'msgid ""\nmsgstr ""\n',
           "import_xliff": b'<?xml version="1.0"?><xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
                           b'<file source-language="en" target-language="de" datatype="plaintext" original="x">'
                           b"<body/></file></xliff>"}


def _repair(values: dict, operation_id: str) -> None:
    values.pop("after", None)  # a page cursor is one the server issued; none is the first page
    if operation_id in ("create_campaign", "update_campaign") and values.get(
            "kind", "eci" if operation_id == "create_campaign" else None) == "eci":
        # an ECI's thresholds follow from its registration date, which it needs
        values["eci_registered_on"] = DAYS["eci_registered_on"]
    if operation_id in ("create_campaign", "update_campaign") and values.get("kind") != "petition":
        values.pop("country_targets", None)  # only petitions set targets; a changed campaign may be an ECI
    if operation_id == "create_campaign" and values.get("status") == "closed":
        values["status"] = "draft"  # a campaign is closed once it ran
    if isinstance(values.get("materials"), list):
        values["materials"] = []  # material ids name existing materials
    values.pop("organization", None)  # a report for another organization names an existing one
    if all(isinstance(values.get(field), (int, float)) for field in ("valid", "submitted")):
        values["valid"] = min(values["valid"], values["submitted"])  # 248.0 is an integer too
    if isinstance(values.get("country"), str) and values["country"] not in member_states():
        values["country"] = "DE"  # an ECI counts signatures in member states
    if isinstance(values.get("as_of"), str):
        values["as_of"] = "2026-03-01T12:00:00Z"  # within the fuzz campaign
    if operation_id == "update_campaign" and "eci_registered_on" in values and values["eci_registered_on"] is None:
        del values["eci_registered_on"]  # an ECI keeps its registration date
    if bool(values.get("origin_system")) != bool(values.get("external_id")):
        values.update(origin_system="fuzz", external_id=str(values.get("external_id") or "1"))
    if isinstance(values.get("campaign"), str):
        values["campaign"] = FUZZ_CAMPAIGN
    if isinstance(values.get("locale"), str):
        values["locale"] = "de"
    if isinstance(values.get("source_locale"), str):
        values["source_locale"] = "en"  # German stays a translation locale, exported by later steps
    if operation_id == "post_signatures" and isinstance(values.get("count"), (int, float)):
        values["reason"] = GUARDED_TEXT["reason"]  # a campaign of the sequence may not be live yet
    if isinstance(values.get("locales"), list):
        values["locales"] = ["de", "fr", "it"][:len(values["locales"])]
        if operation_id in ("create_campaign", "update_campaign"):
            # the later steps of a sequence export the campaign's translations into German
            values["locales"] = values["locales"] or ["de"]
    if isinstance(values.get("sign_in"), dict):
        values["sign_in"]["issuer"] = PUBLIC_ISSUER_URL  # a provider on the public internet
    if isinstance(values.get("website"), str):
        values["website"] = ORGANIZATION_WEBSITE
    if operation_id.endswith(("_webhook", "_upstream")) and isinstance(values.get("url"), str):
        values["url"] = PUBLIC_WEBHOOK_URL
    if operation_id == "push_snapshot" and isinstance(values.get("instance"), str):
        values["instance"] = PUSHING_HUB  # a web address the URL validator reads as such
        if isinstance(values.get("origin"), list):
            values["origin"] = [PUSHING_HUB][:len(values["origin"])]
    if operation_id == "push_snapshot" and isinstance(values.get("figures"), list):
        values["figures"] = [{"country": country, "channel": "online", "count": 1}
                             for country in ("DE", "FR", "IT")[:len(values["figures"])]]
    if operation_id == "create_source" and values.get("kind") in SOURCE_SHAPES:
        values.update(url=PUBLIC_SOURCE_URL, **SOURCE_SHAPES[values["kind"]])
    if operation_id == "update_source":
        # what a kind needs depends on the stored source's kind: only the kind-free fields stay
        for field in ("url", "country", "credentials", "options"):
            values.pop(field, None)
    if isinstance(values.get("events"), list) and "*" in values["events"]:
        values["events"] = ["*"]
    if operation_id in ("invite_person", "update_person") and values.get("role") == "coordinator":
        values["role"] = "translator"  # only coordinator organizations have coordinators
    if isinstance(values.get("scopes"), list):
        values["scopes"] = [scope for scope in values["scopes"] if scope not in ROLE_BOUND_SCOPES] \
            or ["campaigns:read"]
    for field, day in (("since", "2026-01-01"), ("until", "2026-06-30")):
        if isinstance(values.get(field), str):
            values[field] = day + "T00:00:00Z" if "t" in values[field].lower() else day
    for field, day in DAYS.items():
        if isinstance(values.get(field), str):
            values[field] = day
    if isinstance(values.get("labels"), str):
        values["labels"] = "de"
    for field, text in GUARDED_TEXT.items():
        if isinstance(values.get(field), str):
            values[field] = text
    if isinstance(values.get("tags"), list):
        values["tags"] = ["street-stall", "leaflets", "debate"][:len(values["tags"])]


def _translation_locale(path_parameters: dict) -> str:
    """German, or a locale the campaign a step of a sequence made and changed translates into."""
    slug = path_parameters.get("slug")
    campaign = db.session.scalar(select(Campaign).filter_by(slug=str(slug))) if slug is not None else None
    locales = translation_locales(campaign, campaign.source_locale) if campaign else []
    return "de" if "de" in locales or not locales else locales[0]


def map_case(context, case):
    """A schemathesis hook: register it on a schema with `schema.hook(map_case)`."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case
    operation_id = case.operation.definition.raw.get("operationId", "")
    if isinstance(case.headers, dict) and "Idempotency-Key" in case.headers:
        # a stored key sent again with another body is rightly refused: a sequence of steps
        # would repeat the small keys Hypothesis likes
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
    if operation_id in IMPORTS:
        case.body = IMPORTS[operation_id]
    if operation_id == "create_campaign" and isinstance(case.body, dict):
        case.body.setdefault("locales", ["de"])  # without them, a new campaign translates into none
    if isinstance(case.path_parameters, dict):
        for parameter, value in (("country", "DE"), ("locale", _translation_locale(case.path_parameters))):
            if parameter in case.path_parameters:
                case.path_parameters[parameter] = value
    for values in (case.query, case.body):
        if isinstance(values, dict):
            _repair(values, operation_id)
            for report in values.get("reports") or []:
                if isinstance(report, dict):
                    _repair(report, operation_id)
            for number, action in enumerate(values.get("actions") or []):
                if isinstance(action, dict):
                    _repair(action, operation_id)
                    if action.get("external_id"):
                        # an external id names one action: twice in one batch is rightly refused
                        action["external_id"] = f"{action['external_id']}-{number}"
    return case
