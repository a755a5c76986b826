"""Fields and message translation shared by every domain's schemas."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import marshmallow as ma
from babel import Locale, UnknownLocaleError
from flask_babel import LazyString

from coalition.i18n import _, _l, normalise_locale

# marshmallow's own English messages, marked so the catalogs carry them; rendered in the
# request's language by `translate_message`.
PLAIN_MESSAGES = (
    _l("Missing data for required field."),
    _l("Field may not be null."),
    _l("Unknown field."),
    _l("Invalid input type."),
    _l("Invalid input."),
    _l("Invalid type."),
    _l("Invalid value."),
    _l("Not a valid string."),
    _l("Not a valid integer."),
    _l("Not a valid number."),
    _l("Not a valid boolean."),
    _l("Not a valid list."),
    _l("Not a valid mapping type."),
    _l("Not a valid date."),
    _l("Not a valid datetime."),
    _l("Not a valid URL."),
    _l("Not a valid UUID."),
    _l("Not a valid email address."),
    _l("Not a valid utf-8 string."),
    _l("Number too large."),
    _l("String does not match expected pattern."),
    _l("Special numeric values (nan or infinity) are not permitted."),
)

# marshmallow's formatted messages, recognised and re-rendered with translated templates.
PATTERNS = (
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
     _l("Must be between %(min)s and %(max)s.")),
    # A range open at one end or both says so in two sentences that exist already.
    (re.compile(r"^Must be greater than (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
     (_l("Must be greater than %(min)s."), _l("Must be at most %(max)s."))),
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+) and less than (?P<max>\S+)\.$"),
     (_l("Must be at least %(min)s."), _l("Must be less than %(max)s."))),
    (re.compile(r"^Must be greater than (?P<min>\S+) and less than (?P<max>\S+)\.$"),
     (_l("Must be greater than %(min)s."), _l("Must be less than %(max)s."))),
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+)\.$"), _l("Must be at least %(min)s.")),
    (re.compile(r"^Must be less than or equal to (?P<max>\S+)\.$"), _l("Must be at most %(max)s.")),
    (re.compile(r"^Must be greater than (?P<min>\S+)\.$"), _l("Must be greater than %(min)s.")),
    (re.compile(r"^Must be less than (?P<max>\S+)\.$"), _l("Must be less than %(max)s.")),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), _l("At most %(max)s characters.")),
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), _l("At least %(min)s characters.")),
    (re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
     _l("Length must be between %(min)s and %(max)s.")),
    (re.compile(r"^Length must be (?P<equal>\d+)\.$"), _l("Length must be %(equal)s.")),
    (re.compile(r"^Must be one of: (?P<choices>.+)\.$"), _l("Must be one of: %(choices)s.")),
    (re.compile(r"^Not a valid (?:aware |naive )?datetime\.$"), _l("Not a valid date and time.")),
)


def translate_message(message) -> str:
    """One validation message in the request's language."""
    if isinstance(message, LazyString):
        return str(message)
    text = str(message)
    for pattern, templates in PATTERNS:
        match = pattern.match(text)
        if match:
            templates = templates if isinstance(templates, tuple) else (templates,)
            return " ".join(str(template) % match.groupdict() for template in templates)
    return _(text)


class Integer(ma.fields.Integer):
    """A JSON integer: 3 and 3.0 are accepted; "3", 2.5 and booleans are refused."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return int(value)

    def _deserialize(self, value, attr, data, **kwargs):
        return self._validated(value)


def rfc3339(value: datetime) -> str:
    """A moment as RFC 3339 text in UTC, `...Z` (a naive value is taken as UTC already)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


# RFC 3339 date-time, strictly: no ISO 8601 week or ordinal dates, basic format or missing
# seconds; `t` and `z` may be lower case (RFC 3339 §5.6). Fractions past microseconds are dropped.
RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))\Z",
    re.ASCII,
)


def parse_rfc3339(text: str) -> datetime | None:
    """The moment in UTC, or None when the text is not an RFC 3339 date-time that fits the
    representable range in UTC (`0001-01-01T00:00:00+01:00` does not)."""
    match = RFC3339.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, offset_hours, offset_minutes = match.groups()
    try:
        if zulu:
            zone = UTC
        else:
            offset = timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
            zone = timezone(-offset if sign == "-" else offset)
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                          int((fraction or "0")[:6].ljust(6, "0")), tzinfo=zone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


class UTCDateTime(ma.fields.DateTime):
    """An RFC 3339 timestamp with an offset, stored and answered in UTC (`...Z`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = parse_rfc3339(value) if isinstance(value, str) else None
        if parsed is None:
            if isinstance(value, str) and RFC3339.match(value + "Z") is not None:
                raise ma.ValidationError(_("Give a time zone offset, e.g. 2026-03-01T12:00:00Z."))
            raise ma.ValidationError(_("Not an RFC 3339 date and time, e.g. 2026-03-01T12:00:00Z."))
        return parsed

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        return None if value is None else rfc3339(value)


# Days the API takes lie in this range: no campaign, action or verification is older or later.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)


class Day(ma.fields.Date):
    """A calendar day, `YYYY-MM-DD` exactly (not `20261201` nor a week date), from 2000 to 2099."""

    def _deserialize(self, value, attr, data, **kwargs):
        return self._checked(self._parsed(value))

    def _parsed(self, value) -> date:
        if isinstance(value, str) and DAY.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ma.ValidationError(_("Not a valid date: give YYYY-MM-DD, e.g. 2026-03-01."))

    def _checked(self, day: date) -> date:
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ma.ValidationError(_("Give a day from %(first)s to %(last)s.",
                                       first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))
        return day


class OsdiDay(Day):
    """A day, or an OSDI date-time (`2026-03-01T10:00:00Z`) whose calendar day, as written, is taken."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) > 10 and value[10:11] in ("T", "t"):
            if parse_rfc3339(value) is None:
                raise ma.ValidationError(_("Not an RFC 3339 date and time, e.g. 2026-03-01T12:00:00Z."))
            return self._checked(date.fromisoformat(value[:10]))
        return super()._deserialize(value, attr, data, **kwargs)


# CLDR lists codes that are not ISO 3166-1 assigned countries: groupings (EU, EZ, UN, QO),
# the unknown region (ZZ), pseudo-locales (XA, XB) and exceptionally reserved codes.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})


def _territories() -> frozenset[str]:
    return frozenset(
        code for code in Locale("en").territories
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )


# EU institutions write Greece as EL (and the UK as UK); ISO 3166-1 says GR and GB.
COUNTRY_ALIASES = {"EL": "GR", "UK": "GB"}


def country_codes() -> list[str]:
    """The codes a country field takes, the EU's aliases included (lower case is accepted too)."""
    return sorted(_territories() | COUNTRY_ALIASES.keys())


class CountryCode(ma.fields.String):
    """An ISO 3166-1 alpha-2 code, upper-cased; `EL` is accepted for Greece and answered as `GR`.
    The OpenAPI document lists the codes (country_codes)."""

    _codes: frozenset[str] | None = None

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        text = COUNTRY_ALIASES.get(text, text)
        if CountryCode._codes is None:
            CountryCode._codes = _territories()
        if text not in CountryCode._codes:
            raise ma.ValidationError(_("Not an ISO 3166-1 alpha-2 country code."))
        return text


# Campaigns and organizations are named by slugs in URLs and logs.
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class WholeMatch(ma.validate.Regexp):
    """A Regexp validator the whole value must match: Python's `$` also matches before a final
    newline (`"slug\n"`). The pattern stays as OpenAPI's ECMA-262 readers understand it."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


class Slug(ma.fields.String):
    """A slug: lower-case letters, digits and hyphens, at most 64, neither starting nor ending in a hyphen."""

    def __init__(self, **kwargs) -> None:
        super().__init__(validate=WholeMatch(
            SLUG_PATTERN, error=_l("Use lower-case letters, digits and hyphens.")), **kwargs)


# The shape of a tag, for the document; Babel says whether a tag names a known locale.
LOCALE_TAG_PATTERN = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


class LocaleTag(ma.fields.String):
    """A BCP 47 language tag such as `de` or `pt-BR`, normalised."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = normalise_locale(super()._deserialize(value, attr, data, **kwargs).strip())
        try:
            Locale.parse(text, sep="-")
        except (ValueError, UnknownLocaleError):
            raise ma.ValidationError(_("Not a known language tag (BCP 47, e.g. de or pt-BR).")) from None
        return text
