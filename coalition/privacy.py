"""The personal-data guard for free text: outreach logs hold places and numbers, not people.

It looks for e-mail addresses and phone numbers, the contact details people most often paste
into notes. Dates, times, years, counts and ranges ("1200 people", "2026-03-01", "10:00-18:00",
"10000-15000 visitors") are numbers a log legitimately holds and must not be mistaken for phones.
"""

from __future__ import annotations

import re

from coalition.i18n import _

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# "anna [at] example [dot] org", "anna(at)example.org": the usual ways of hiding an address.
OBFUSCATED_EMAIL = re.compile(
    r"[\w.+-]+\s*[\[({]\s*(?:at|@)\s*[\])}]\s*[\w-]+(?:\s*(?:[\[({]\s*dot\s*[\])}]|\.)\s*[\w-]+)+",
    re.IGNORECASE,
)
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Dates (2026-03-01, 01.03.2026, 1/3/26) and times (10:00), unless they are part of a longer
# digit chain such as 06-12-34-56-78, which is a phone number written with hyphens.
DATE_OR_TIME = re.compile(
    r"(?<![\d./-])(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}:\d{2}(?::\d{2})?)"
    r"(?![./:-]?\d)"
)
# A chain of digits joined by single spaces, dots, hyphens, slashes or parentheses.
DIGIT_CHAIN = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d()]*(?:[ ./-]?[\d()]+)*")
THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
YEAR = re.compile(r"(?:19|20)\d\d")


def _is_range(chain: str) -> bool:
    """`10000-15000`: two numbers of the same length, ascending, neither with a trunk zero."""
    low, sep, high = chain.partition("-")
    return (bool(sep) and low.isdigit() and high.isdigit() and len(low) == len(high)
            and not low.startswith("0") and int(low) < int(high))


def looks_like_phone_number(chain: str) -> bool:
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


def personal_data_problem(text: str | None) -> str | None:
    """Why this text may not be stored (in the request's language), or None when it is fine."""
    if not text:
        return None
    if EMAIL.search(text) or OBFUSCATED_EMAIL.search(text):
        return _("This looks like an e-mail address. The coalition stores no personal data: "
                 "leave contact details out.")
    cleaned = DATE_OR_TIME.sub(" ; ", URL.sub(" ; ", text))
    if any(looks_like_phone_number(m.group().strip()) for m in DIGIT_CHAIN.finditer(cleaned)):
        return _("This looks like a phone number. The coalition stores no personal data: "
                 "leave contact details out.")
    return None
