"""Message catalogs with a fallback per message, noting which language served each message.

The catalogs are read from the `.po` files that travel in the package (`coalition.translations`),
each the first time its language is needed (about 5 ms). There is no compiled `.mo` to build: an
editable checkout, a wheel and an sdist all serve the same files, a wheel cannot ship without
them, and a translator's corrected `.po` counts at the next start without a compile step to
forget. flask-babel only ever loads one catalog, so a message missing from it would show in
English under the header of another language; here a missing message falls back along the
locale's chain (`pt-BR` → `pt` → English) and `Content-Language` names every language served.
"""

from __future__ import annotations

import gettext
from functools import cache, lru_cache
from importlib.resources import files

import flask_babel
from babel.messages.pofile import read_po
from flask import current_app, has_app_context, has_request_context, request
from werkzeug.utils import cached_property

# The language of the messages as written in the code.
SOURCE_LOCALE = "en"
_SERVED_KEY = "coalition.served_locales"


def note_served(locale: str) -> None:
    if has_request_context():
        request.environ.setdefault(_SERVED_KEY, {})[locale] = None


def served_locales() -> list[str]:
    """The languages of the messages rendered in this request so far, in the order first served."""
    return list(request.environ.get(_SERVED_KEY, ()))


@cache
def source_messages() -> frozenset[str]:
    """Every message of the code, as the template lists it."""
    with (files("coalition.translations") / "messages.pot").open("rb") as handle:
        return frozenset(
            message.id[0] if message.pluralizable else message.id for message in read_po(handle) if message.id
        )


class SourceText:
    """The end of every chain: the message as the code writes it, in English. Text that is no
    message of the code (one translated already, passed through gettext again by the rendering of
    validation errors) stays as it is and is not counted as English."""

    locale = SOURCE_LOCALE

    def gettext(self, message: str) -> str:
        if message in source_messages():
            note_served(self.locale)
        return message

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        if singular in source_messages():
            note_served(self.locale)
        return singular if number == 1 else plural

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)

    def npgettext(self, context: str, singular: str, plural: str, number: int) -> str:
        return self.ngettext(singular, plural, number)

    # flask-babel calls the `u` names of Python 2's gettext.
    ugettext, ungettext, upgettext, unpgettext = gettext, ngettext, pgettext, npgettext


class Catalog(SourceText):
    """One language's translated messages; a message it lacks comes from `fallback`."""

    def __init__(self, locale: str, messages: dict, plural, fallback: SourceText):
        self.locale, self.messages, self.plural, self.fallback = locale, messages, plural, fallback

    def gettext(self, message: str) -> str:
        translated = self.messages.get(message)
        if translated is None:
            return self.fallback.gettext(message)
        note_served(self.locale)
        return translated

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        translated = self.messages.get((singular, self.plural(number)))
        if translated is None:
            return self.fallback.ngettext(singular, plural, number)
        note_served(self.locale)
        return translated

    def pgettext(self, context: str, message: str) -> str:
        translated = self.messages.get(f"{context}\x04{message}")
        if translated is None:
            return self.fallback.pgettext(context, message)
        note_served(self.locale)
        return translated

    def npgettext(self, context: str, singular: str, plural: str, number: int) -> str:
        translated = self.messages.get((f"{context}\x04{singular}", self.plural(number)))
        if translated is None:
            return self.fallback.npgettext(context, singular, plural, number)
        note_served(self.locale)
        return translated

    ugettext, ungettext, upgettext, unpgettext = gettext, ngettext, pgettext, npgettext


def catalog_path(locale: str):
    return files("coalition.translations") / locale.replace("-", "_") / "LC_MESSAGES" / "messages.po"


@cache
def read_catalog(locale: str) -> tuple[dict, object] | None:
    """A catalog's translated messages (fuzzy and empty ones left out) and its plural rule, or
    None when the package has no catalog for `locale`."""
    path = catalog_path(locale)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        catalog = read_po(handle)
    messages: dict = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        context = f"{message.context}\x04" if message.context else ""
        if message.pluralizable:
            if all(message.string):
                for index, text in enumerate(message.string):
                    messages[(context + message.id[0], index)] = text
        elif message.string:
            messages[context + message.id] = message.string
    return messages, gettext.c2py(catalog.plural_expr)


def translation_chain(locale: str, supported: tuple[str, ...]) -> list[str]:
    """The supported languages a message of `locale` may come from, most specific first, ending in
    English: `pt-BR` → `pt`, `en`."""
    from coalition.i18n import fallback_chain

    chain = [candidate for candidate in fallback_chain(locale) if candidate in supported]
    return chain if SOURCE_LOCALE in chain else [*chain, SOURCE_LOCALE]


@lru_cache(maxsize=256)
def translations_for(locale: str, supported: tuple[str, ...]) -> SourceText:
    translations = SourceText()
    for candidate in reversed(translation_chain(locale, supported)):
        loaded = read_catalog(candidate)
        if loaded is not None:
            translations = Catalog(candidate, *loaded, fallback=translations)
    return translations


class CatalogDomain(flask_babel.Domain):
    """flask-babel's domain, answering from the catalog chain of the selected locale."""

    def get_translations(self):
        if not has_app_context():
            return SourceText()
        locale = str(flask_babel.get_locale()).replace("_", "-")
        return translations_for(locale, current_app.extensions["coalition.config"].locales)


class Babel(flask_babel.Babel):
    @cached_property
    def domain_instance(self):
        return CatalogDomain(domain=self.domain)
