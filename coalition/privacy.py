"""The personal-data guard for free text: outreach logs hold places and numbers, not people.

What it catches, after normalising the text (Unicode NFKC, so full-width `＠` and digits count;
format characters such as zero-width spaces and soft hyphens removed; every dash read as `-`;
the letter O beside digits read as 0):

- e-mail addresses, also written `anna (at) example [dot] org`, `anna at example dot org` or
  with spaces around the `@`;
- phone numbers, national (eight digits after a trunk zero, else nine) or international (`+`
  or `00`), with spaces, dots, slashes, dashes or parentheses between the digit groups; the same
  rule catches the long numeric personal numbers of member states (PESEL, BSN, NIR, CNP, ...);
- IBANs of the SEPA countries (checked with their length and check digits);
- Spanish DNI and NIE numbers (with their check letter) and Italian codici fiscali.

Dates, times, years, counts and ranges ("1200 people", "2026-03-01", "10:00-18:00",
"10000-15000 visitors") are numbers a log legitimately holds and are not mistaken for phones.
Names and street addresses are not recognisable by pattern: the guard does not look for them.

Every pattern is bounded or anchored on one character, so a text costs time linear in its
length: a 2 MB batch cannot stall a worker.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

from flask import g, has_request_context
from marshmallow import ValidationError

from coalition.i18n import _


@functools.cache
def _translation_table() -> dict[int, str | None]:
    """Format characters (zero-width spaces and joiners, soft hyphens, bidi marks: invisible, and
    they split patterns) removed; every other dash and the minus sign read as a spaced hyphen."""
    table: dict[int, str | None] = {0x2212: " - "}
    for code in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        if category == "Cf":
            table[code] = None
        elif category == "Pd" and code != ord("-"):
            # "2026-03-01–2026-03-05" is a range of dates, "030 – 1234567" a phone number.
            table[code] = " - "
    return table


WHITESPACE = re.compile(r"\s+")
# "anna (at) example [dot] org", "anna at example dot org", "anna @ example.org".
SPELLED_AT = re.compile(r"\s{0,3}[\[({<] {0,2}(?:at|@) {0,2}[\])}>]\s{0,3}|(?<=\w)\s{1,3}(?:at|@)\s{1,3}(?=\w)"
                        r"|(?<=\w)\s{1,3}@|@\s{1,3}(?=\w)", re.IGNORECASE)
SPELLED_DOT = re.compile(r"\s{0,3}[\[({<] {0,2}(?:dot|punkt|point) {0,2}[\])}>]\s{0,3}|(?<=\w)\s{1,3}dot\s{1,3}(?=\w)",
                         re.IGNORECASE)
EMAIL_LOCAL_CHARACTERS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]")
# The domain after an "@", matched within the 255 characters a domain may have.
EMAIL_DOMAIN = re.compile(r"[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[a-z]{2,63}", re.IGNORECASE)
# The letter O written for a zero next to digits: "O151 2345 6789", "OO49 30 1234567".
LETTER_O_FOR_ZERO = re.compile(r"(?<=\d)[oO]{1,4}|(?<![oO\w])[oO]{1,4}(?=\d)")
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Dates (2026-03-01, 01.03.2026, 1/3/26) and times (10:00), unless they are part of a longer
# digit chain such as 06-12-34-56-78, which is a phone number written with hyphens.
DATE_OR_TIME = re.compile(
    r"(?<![\d./-])(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}:\d{2}(?::\d{2})?)"
    r"(?![./:-]?\d)"
)
# Groups of digits joined by a space, or a dot, hyphen or slash with a space either side or
# none ("030 / 123 45 67", "030 - 1234567").
DIGIT_CHAIN = re.compile(r"(?<![\w+])(?:\+|\(\+?)?[\d()]+(?:(?: ?[./-] ?| )[\d()]+)*")
THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
YEAR = re.compile(r"(?:19|20)\d\d")
RANGE = re.compile(r"([1-9]\d*) {0,3}- {0,3}([1-9]\d*)")

# IBAN lengths of the SEPA countries.
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}
IBAN_CANDIDATE = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}")
# Spanish DNI (8 digits) and NIE (X, Y or Z and 7 digits), each with its check letter.
SPANISH_ID = re.compile(r"(?<![A-Z0-9])([XYZ]\d{7}|\d{8})-?([A-Z])(?![A-Z0-9])")
SPANISH_CHECK_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
ITALIAN_TAX_CODE = re.compile(r"(?<![A-Z0-9])[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z](?![A-Z0-9])")


def normalised(text: str) -> str:
    """The text as the guard reads it: compatibility forms folded, invisible characters gone,
    dashes alike, white space single, spelled-out `at` and `dot` as `@` and `.`, the letter O beside digits as 0."""
    text = WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text).translate(_translation_table()))
    text = SPELLED_DOT.sub(".", SPELLED_AT.sub("@", text))
    return LETTER_O_FOR_ZERO.sub(lambda match: "0" * len(match.group()), text)


def has_email_address(text: str) -> bool:
    position = text.find("@")
    while position != -1:
        if (position and EMAIL_LOCAL_CHARACTERS.match(text, position - 1)
                and EMAIL_DOMAIN.match(text[position + 1:position + 256])):
            return True
        position = text.find("@", position + 1)
    return False


def _is_range(chain: str) -> bool:
    """`10000-15000`: two numbers of the same length, ascending, neither with a trunk zero."""
    match = RANGE.fullmatch(chain)
    return bool(match) and len(match[1]) == len(match[2]) and int(match[1]) < int(match[2])


def looks_like_phone_number(chain: str) -> bool:
    if len(chain) < 7:  # too short for the shortest number below, and most chains are
        return False
    digits = re.sub(r"\D", "", chain)
    if chain.startswith(("+", "(+")):
        return len(digits) >= 7
    if digits.startswith("00"):
        return len(digits) >= 10
    groups = [g for g in re.split(r"[ ./()-]+", chain) if g]
    if all(YEAR.fullmatch(g) for g in groups) or THOUSANDS.fullmatch(chain) or _is_range(chain):
        return False
    # National numbers: 8 digits after a trunk zero (01 234567), else 9 (612 345 678).
    return len(digits) >= (8 if digits.startswith("0") else 9)


def has_phone_number(text: str) -> bool:
    cleaned = DATE_OR_TIME.sub(" ; ", URL.sub(" ; ", text))
    return any(looks_like_phone_number(m.group().strip()) for m in DIGIT_CHAIN.finditer(cleaned))


def _is_iban(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    length = IBAN_LENGTHS.get(compact[:2])
    if length is None or len(compact) < length:
        return False
    iban = compact[:length]
    return int("".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])) % 97 == 1


def has_iban(upper: str) -> bool:
    return any(_is_iban(match.group()) for match in IBAN_CANDIDATE.finditer(upper))


def _is_spanish_id(number: str, letter: str) -> bool:
    digits = number.translate(str.maketrans("XYZ", "012"))
    return SPANISH_CHECK_LETTERS[int(digits) % 23] == letter


def has_id_number(upper: str) -> bool:
    if ITALIAN_TAX_CODE.search(upper):
        return True
    return any(_is_spanish_id(match[1], match[2]) for match in SPANISH_ID.finditer(upper))


PROBLEMS = {
    "email": lambda: _("This looks like an e-mail address. The coalition stores no personal data: "
                       "leave contact details out."),
    "iban": lambda: _("This looks like a bank account number (IBAN). The coalition stores no personal data: "
                      "leave it out."),
    "id": lambda: _("This looks like an ID number. The coalition stores no personal data: leave ID numbers out."),
    "phone": lambda: _("This looks like a phone number or an ID number. The coalition stores no personal data: "
                       "leave contact details and ID numbers out."),
}


def _problem_kind(text: str) -> str | None:
    text = normalised(text)
    if has_email_address(text):
        return "email"
    upper = text.upper()
    if has_iban(upper):
        return "iban"
    if has_id_number(upper):
        return "id"
    if has_phone_number(text):
        return "phone"
    return None


def personal_data_problem(text: str | None) -> str | None:
    """Why this text may not be stored (in the request's language), or None when it is fine.

    Within a request each distinct text is examined once, however many checks ask (a field's
    validator, then the operation's rules)."""
    if not text:
        return None
    if has_request_context():
        seen = g.setdefault("personal_data_checked", {})
        if text not in seen:
            seen[text] = _problem_kind(text)
        kind = seen[text]
    else:
        kind = _problem_kind(text)
    return None if kind is None else PROBLEMS[kind]()


def no_personal_data(text: str | None) -> None:
    """A marshmallow validator: the guard's refusal as the field's message."""
    problem = personal_data_problem(text)
    if problem:
        raise ValidationError(problem)
