"""The layout's own pages: the front door of an instance, and error pages."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Blueprint, current_app, render_template

from coalition.i18n import _

blp = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                static_url_path="/static")


@blp.app_context_processor
def layout_values() -> dict:
    """What every page's layout needs: the served language and the language menu."""
    from flask_babel import get_locale

    locales = current_app.extensions["coalition.config"].locales
    return {"page_locale": str(get_locale() or "en").replace("_", "-"), "language_names": language_names(locales)}


@lru_cache(maxsize=4)
def language_names(locales: tuple[str, ...]) -> list[tuple[str, str]]:
    """Each language under its own name (Deutsch, Gaeilge), for a menu that everyone can read."""
    return [(code, Locale.parse(code).get_display_name(code)) for code in locales]


@blp.get("/")
def home():
    """The front door; a signed-in person finds the live campaigns and their own pages there."""
    from coalition.campaigns.operations import list_campaigns
    from coalition.extensions import db
    from coalition.materials.translations import translation_locales
    from coalition.people.sessions import page_principal, person_if_known

    person = person_if_known()
    if person is None:
        return render_template("home.html", campaigns=[], principal=None)
    principal = page_principal()
    campaigns = []
    for campaign in db.session.scalars(list_campaigns("live").limit(20)):
        locales = [locale for locale in translation_locales(campaign, campaign.source_locale)
                   if principal.may_write_locale(locale)]
        campaigns.append((campaign, locales))
    return render_template("home.html", campaigns=campaigns, principal=principal)


def render_error_page(status: int, title: str, detail: str):
    """An error as a page, for people; the API answers the same error as problem+json."""
    return render_template("error.html", status=status, title=title, detail=detail or _("Something went wrong.")), status
