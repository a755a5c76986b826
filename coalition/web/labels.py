"""Names people read instead of codes: countries, channels and kinds of action in their language."""

from __future__ import annotations

from functools import lru_cache

from babel import numbers
from flask_babel import get_locale

from coalition.campaigns import eci
from coalition.i18n import _l
from coalition.sources.problems import describe

CHANNELS = {"paper": _l("Paper"), "online": _l("Online")}
KINDS = {
    "street_stall": _l("Street stall"), "event": _l("Event"), "canvassing": _l("Canvassing"),
    "online_ad": _l("Online advertising"), "email": _l("E-mail"), "social_post": _l("Social media post"),
    "press": _l("Press"), "meeting_official": _l("Meeting with an official"), "other": _l("Other"),
}


STATES = {
    "untranslated": _l("untranslated"), "outdated": _l("outdated"), "needs_review": _l("needs review"),
    "draft": _l("draft"), "approved": _l("approved"),
}
EXPORT_STATUSES = {"queued": _l("waiting"), "running": _l("being built"), "finished": _l("ready"),
                   "failed": _l("failed")}
FIELD_NAMES = {"title": _l("Title"), "summary": _l("Summary"), "body": _l("Text")}
SOURCE_STATUSES = {"active": _l("Working"), "failing": _l("Failing"), "paused": _l("Paused")}
ROLES = {"coordinator": _l("Coordinator"), "member": _l("Staff"), "translator": _l("Translator"),
         "reviewer": _l("Reviewer")}
# Proca and Action Network are the platforms' own names.
SOURCE_KINDS = {"eci_online": _l("Online collection system (ECI)"), "proca": "Proca",
                "action_network": "Action Network", "json": _l("JSON document")}


def language_name(locale: str) -> str:
    """A language's name in the page's language (`Deutsch` is `German` on an English page)."""
    return get_locale().languages.get(locale.replace("-", "_"), locale)


def state_name(state: str) -> str:
    return str(STATES.get(state, state))


def export_status_name(status: str) -> str:
    return str(EXPORT_STATUSES.get(status, status))


def source_status(status: str) -> str:
    return str(SOURCE_STATUSES.get(status, status))


def role_name(role: str) -> str:
    return str(ROLES.get(role, role))


def source_kind(kind: str) -> str:
    return str(SOURCE_KINDS.get(kind, kind))


def field_name(name: str) -> str:
    return str(FIELD_NAMES.get(name, name))


def format_decimal(number, format=None) -> str:
    """flask-babel's `format_decimal`, remembered: a dashboard formats the same few hundred
    figures (thresholds, counts, shares) on every view, and Babel takes some 50 µs for each."""
    return _decimal(str(get_locale()), number, format)


def format_percent(number, format=None) -> str:
    return _percent(str(get_locale()), number, format)


@lru_cache(maxsize=8192)
def _decimal(locale: str, number, format) -> str:
    return numbers.format_decimal(number, format=format, locale=locale)


@lru_cache(maxsize=8192)
def _percent(locale: str, number, format) -> str:
    return numbers.format_percent(number, format=format, locale=locale)


def country_name(code: str) -> str:
    return get_locale().territories.get(code, code)


def channel_name(channel: str) -> str:
    return str(CHANNELS.get(channel, channel))


def kind_name(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def campaign_countries(campaign) -> list[tuple[str, str]]:
    """The countries a campaign counts, by name in the page's language."""
    codes = set(eci.member_states()) | set(campaign.country_targets or {})
    return sorted(((code, country_name(code)) for code in codes), key=lambda pair: pair[1])


TEMPLATE_FILTERS = {"decimalformat": format_decimal, "percentformat": format_percent}
TEMPLATE_GLOBALS = {"country_name": country_name, "channel_name": channel_name, "kind_name": kind_name,
                    "language_name": language_name, "state_name": state_name, "field_name": field_name,
                    "export_status_name": export_status_name, "source_status": source_status, "source_kind": source_kind,
                    "role_name": role_name, "describe_failure": describe}
