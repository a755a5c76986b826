"""Demo materials for the demo campaign, with translations in several states (idempotent by slug)."""

from __future__ import annotations

from coalition.auth.guard import Principal
from coalition.campaigns.models import Campaign
from coalition.materials import operations, translations

MATERIALS = [
    {"slug": "leaflet-ban-biometric-surveillance", "kind": "leaflet", "tags": ["print", "basics"],
     "title": "Ban biometric mass surveillance",
     "summary": "Sign the European Citizens' Initiative with {organization}.",
     "body": "Our faces are **not** barcodes.\n\nCameras that recognise us everywhere end anonymity in "
             "public space. Sign at {url}."},
    {"slug": "social-post-launch", "kind": "social_post", "tags": ["online"],
     "title": "Launch post",
     "body": "Your face is not a barcode. Join {organization} and sign: {url} #ReclaimYourFace"},
    {"slug": "faq-what-is-an-eci", "kind": "faq", "tags": ["basics"],
     "title": "What is a European Citizens' Initiative?",
     "body": "One million signatures from at least 7 member states oblige the Commission to answer."},
]

# slug → locale → (fields, status, writer, reviewer or None); a later source edit outdates one.
TRANSLATIONS = {
    "leaflet-ban-biometric-surveillance": {
        "de": ({"title": "Biometrische Massenüberwachung verbieten",
                "summary": "Unterschreibe die Europäische Bürgerinitiative mit {organization}.",
                "body": "Unsere Gesichter sind **keine** Strichcodes.\n\nKameras, die uns überall erkennen, "
                        "beenden die Anonymität im öffentlichen Raum. Unterschreibe auf {url}."},
               "needs_review", "demo-translator-de", "demo-reviewer-de"),
        "fr": ({"title": "Interdire la surveillance biométrique de masse"},
               "needs_review", "demo-member-fr", None),
    },
    "social-post-launch": {
        "de": ({"title": "Start-Beitrag",
                "body": "Dein Gesicht ist kein Strichcode. Unterschreibe mit {organization}: {url} "
                        "#ReclaimYourFace"},
               "draft", "demo-translator-de", None),
    },
    "faq-what-is-an-eci": {
        "de": ({"title": "Was ist eine Europäische Bürgerinitiative?",
                "body": "Eine Million Unterschriften aus mindestens 7 Mitgliedstaaten verpflichten die "
                        "Kommission zu antworten."},
               "needs_review", "demo-translator-de", "demo-reviewer-de"),
    },
}


def _demo_principal(client_id: str) -> Principal:
    return Principal(client_id=client_id, organization_id="", organization_slug="demo", role="member",
                     scopes=frozenset(), locales=None, expires_at=0)


def load_demo_materials(campaign: Campaign) -> None:
    coordinator = _demo_principal("demo-coordinator")
    for fields in MATERIALS:
        if operations.get_material_by_slug(campaign, fields["slug"]) is not None:
            continue
        material, _warnings = operations.create_material(campaign, coordinator, **fields)
        for locale, (text, status, writer, reviewer) in TRANSLATIONS.get(material.slug, {}).items():
            if locale not in campaign.locales:
                continue
            translations.save_translation(material, locale, _demo_principal(writer), text, status)
            if reviewer:
                translations.approve_translation(material, locale, _demo_principal(reviewer))
        if material.kind == "leaflet":
            # A source edit after review: the German text stays delivered but shows as outdated.
            operations.update_material(material, coordinator, {"body": material.body + "\n\nShare this leaflet."})
