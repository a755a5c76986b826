"""Locale selection, message markers and locale fallback chains."""

from __future__ import annotations

from functools import wraps

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, force_locale, get_locale
from flask_babel import gettext as _  # noqa: F401  (re-exported for the domains)
from flask_babel import lazy_gettext as _l  # noqa: F401
from flask_babel import ngettext  # noqa: F401


def supported_locales() -> tuple[str, ...]:
    return current_app.extensions["coalition.config"].locales


def select_locale() -> str:
    """`?locale=`, else the best `Accept-Language` match, else English (also outside requests: CLI)."""
    if not has_request_context():
        return current_app.extensions["coalition.config"].default_locale
    locales = supported_locales()
    asked = request.args.get("locale")
    if asked:
        for candidate in fallback_chain(asked):
            if candidate in locales:
                return candidate
    return request.accept_languages.best_match(locales) or "en"


def current_locale() -> str:
    """The request's interface locale as a BCP 47 tag."""
    return str(get_locale() or "en").replace("_", "-")


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


def in_cli_locale(command):
    """Run a command with its messages in the language of its environment (LANG and the like)."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        with force_locale(current_app.extensions["coalition.config"].cli_locale):
            return command(*args, **kwargs)

    return wrapper


def set_content_language(response):
    """Every JSON or text answer says the language of its human text."""
    if "Content-Language" not in response.headers and response.mimetype in (
        "application/json",
        "application/problem+json",
        "text/plain",
        "text/html",
    ):
        response.headers["Content-Language"] = current_locale()
    return response


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(set_content_language)
