"""Locale selection, message markers and locale fallback chains."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, ngettext  # noqa: F401
from flask_babel import gettext as _  # noqa: F401  (re-exported for the domains)
from flask_babel import lazy_gettext as _l  # noqa: F401
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header


def supported_locales() -> tuple[str, ...]:
    return current_app.extensions["coalition.config"].locales


def select_locale() -> str:
    """`?locale=`, else the signed-in person's language, else the best `Accept-Language` match,
    else English; outside a request (the command line) the language of the environment."""
    if not has_request_context():
        return current_app.extensions["coalition.config"].cli_locale
    asked = request.args.get("locale")
    if not asked:
        person_locale = current_app.extensions.get("coalition.person_locale")
        asked = person_locale() if person_locale is not None else None
    return _best_locale(asked, request.headers.get("Accept-Language", ""), supported_locales())


@lru_cache(maxsize=512)
def _best_locale(asked: str | None, accept_language: str, locales: tuple[str, ...]) -> str:
    """The first asked language, by quality, that a supported locale serves along its fallback
    chain (`fr-CA;q=0.9, de;q=0.8` is French). Clients send the same few headers again and
    again: each is parsed once."""
    wanted = [asked] if asked else []
    wanted += [tag for tag, quality in parse_accept_header(accept_language, LanguageAccept)
               if quality > 0 and tag != "*"]
    for tag in wanted:
        for candidate in fallback_chain(tag):
            if candidate in locales:
                return candidate
    return "en"


def normalise_locale(tag: str) -> str:
    """`pt_br` and `PT-br` become `pt-BR`; a language stays lower case."""
    parts = tag.replace("_", "-").split("-")
    head = parts[0].lower()
    tail = [p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p.lower() for p in parts[1:]]
    return "-".join([head, *tail])


def fallback_chain(tag: str, source: str | None = None) -> list[str]:
    """`pt-BR` → `pt-BR`, `pt`, then the source locale (if given), without repeats."""
    tag = normalise_locale(tag)
    parts = tag.split("-")
    chain = ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]
    if source and source not in chain:
        chain.append(source)
    return chain


# Where POSIX programs look for the language of their messages, in order.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def locale_from_environment(environ, supported: tuple[str, ...]) -> str:
    """The first supported locale the POSIX locale variables name (`de_AT.UTF-8` → `de`), else
    English. `C` and `POSIX` name no language: containers often set LC_ALL=C.UTF-8 for the encoding."""
    for variable in LOCALE_VARIABLES:
        for value in environ.get(variable, "").split(":"):
            tag = value.split(".")[0].split("@")[0]
            if tag in ("", "C", "POSIX"):
                continue
            for candidate in fallback_chain(tag):
                if candidate in supported:
                    return candidate
    return "en"


def content_language() -> str:
    """The languages of the messages this request rendered, the asked one first (`de`, or `ga, en`
    when a catalog lacked a message); with no message rendered, the locale it would speak."""
    from coalition.catalogs import served_locales, translation_chain

    # The selector flask-babel translates with, without building a babel Locale per answer.
    selected = select_locale()
    served = served_locales()
    if not served:
        return selected
    chain = translation_chain(selected, supported_locales())
    return ", ".join(sorted(served, key=lambda locale: chain.index(locale) if locale in chain else len(chain)))


def set_content_language(response):
    """Every JSON or text answer says the language of its human text."""
    if "Content-Language" not in response.headers and response.mimetype in (
        "application/json",
        "application/problem+json",
        "text/plain",
        "text/html",
    ):
        response.headers["Content-Language"] = content_language()
    return response


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(set_content_language)
