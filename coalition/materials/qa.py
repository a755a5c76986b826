"""Quality checks run on every save of a translation, and the length limits per material kind.

Errors block the save (422); warnings are answered with the saved translation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from coalition.i18n import _

# Characters per field and kind: a social post must fit the strictest network, a press release
# may run long. Translations answer to the same limits as their source.
LENGTH_LIMITS = {
    "leaflet": {"title": 120, "summary": 300, "body": 10_000},
    "social_post": {"title": 100, "summary": 280, "body": 500},
    "press_release": {"title": 200, "summary": 600, "body": 20_000},
    "faq": {"title": 200, "summary": 300, "body": 5_000},
    "email_template": {"title": 150, "summary": 300, "body": 10_000},
    "image": {"title": 120, "summary": 300, "body": 2_000},
    "other": {"title": 200, "summary": 1_000, "body": 20_000},
}

PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sd]|\{[A-Za-z_][A-Za-z0-9_]*\}")
HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?(/?)>")
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                           "source", "track", "wbr"})
CODE_SPAN = re.compile(r"`[^`]*`")
MARKDOWN_PAIRS = (("**", "**"), ("__", "__"))
# A blank line between paragraphs (white space on it included).
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass
class Report:
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def warn(self, name: str, check: str, message: str) -> None:
        self.warnings.append({"field": name, "check": check, "message": message})


def check_length(kind: str, name: str, text: str, report: Report) -> None:
    limit = LENGTH_LIMITS[kind][name]
    if len(text) > limit:
        report.error(name, _("At most %(limit)d characters for a %(kind)s %(field)s (this has %(length)d).",
                             limit=limit, kind=kind, field=name, length=len(text)))


def markup_problems(text: str) -> list[str]:
    """What is unbalanced in a text's HTML tags and Markdown emphasis, as messages."""
    problems = []
    stack: list[str] = []
    for closing, tag, self_closing in HTML_TAG.findall(text):
        tag = tag.lower()
        if self_closing or tag in VOID_ELEMENTS:
            continue
        if not closing:
            stack.append(tag)
        elif stack and stack[-1] == tag:
            stack.pop()
        else:
            problems.append(_("The closing tag </%(tag)s> does not match an open tag.", tag=tag))
    problems.extend(_("The tag <%(tag)s> is not closed.", tag=tag) for tag in stack)
    prose = CODE_SPAN.sub("", text)
    if prose.count("`") % 2:
        problems.append(_("A code span (`) is not closed."))
    for opening, _closing in MARKDOWN_PAIRS:
        if prose.count(opening) % 2:
            problems.append(_("The emphasis marker %(marker)s is not closed.", marker=opening))
    if prose.count("[") != prose.count("]"):
        problems.append(_("Square brackets [ ] are not balanced."))
    return problems


def check_translation(kind: str, source: dict[str, str | None], target: dict[str, str | None]) -> Report:
    """Check the given target fields against the source; absent fields (None) are not checked."""
    report = Report()
    for name, text in target.items():
        if text is None:
            continue
        original = source.get(name) or ""
        if not original:
            report.error(name, _("The source has no %(field)s to translate.", field=name))
            continue
        if not text.strip():
            report.error(name, _("The translation is empty."))
            continue
        check_length(kind, name, text, report)
        wanted, given = Counter(PLACEHOLDER.findall(original)), Counter(PLACEHOLDER.findall(text))
        for placeholder in sorted(wanted - given):
            report.error(name, _("The placeholder %(placeholder)s is missing.", placeholder=placeholder))
        for placeholder in sorted(given - wanted):
            report.error(name, _("The placeholder %(placeholder)s is not in the source.",
                                 placeholder=placeholder))
        for problem in markup_problems(text):
            report.error(name, problem)
        if text != text.strip() and original == original.strip():
            report.warn(name, "whitespace", _("The text starts or ends with white space."))
        wanted_breaks, given_breaks = len(PARAGRAPH_BREAK.findall(original)), len(PARAGRAPH_BREAK.findall(text))
        if given_breaks < wanted_breaks:
            # Often a tool that joined the paragraphs, or an import of a resegmented file.
            report.warn(name, "paragraphs", _("Paragraph breaks: %(wanted)d in the source, %(given)d in "
                                              "the translation.", wanted=wanted_breaks, given=given_breaks))
    return report


def check_source(kind: str, fields: dict[str, str | None]) -> Report:
    """The source must fit its kind's limits too; its markup is checked as a warning."""
    report = Report()
    for name, text in fields.items():
        if text is None:
            continue
        check_length(kind, name, text, report)
        for problem in markup_problems(text):
            report.warn(name, "markup", problem)
    return report
