"""No user-facing English bypasses gettext: problems, validation messages and command output."""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "coalition"

# Calls whose first argument (and these keywords) reach a user as text.
USER_FACING_CALLS = {
    "ProblemError": {"detail", "errors"}, "BadRequest": {"detail", "errors"},
    "Unauthorized": {"detail", "errors"}, "Forbidden": {"detail", "errors"},
    "NotFound": {"detail", "errors"}, "Conflict": {"detail", "errors"},
    "ValidationFailed": {"detail", "errors"}, "ValidationError": {"message"},
    "ClickException": {"message"}, "UsageError": {"message"}, "BadParameter": {"message"},
    "SystemExit": set(), "echo": {"message"}, "secho": {"message"}, "abort": {"description"},
}
# Keywords whose value is text for a user in any call (marshmallow validators' error=).
USER_FACING_KEYWORDS = {"error"}
GETTEXT = {"_", "_l", "ngettext", "lazy_gettext"}
# snake_case names (client_id, invalid_token) are protocol and field names, not words.
IDENTIFIER = re.compile(r"\w*_\w*")


def _name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _is_text(value: str) -> bool:
    return any(character.isalpha() for character in IDENTIFIER.sub("", value))


def _literal_texts(node: ast.AST):
    """String literals and f-strings in `node` outside gettext calls; dict keys (field names)
    and subscripts (look-ups) are not text."""
    if isinstance(node, ast.Call) and _name(node.func) in GETTEXT:
        return
    if isinstance(node, ast.JoinedStr):
        parts = "".join(value.value for value in node.values if isinstance(value, ast.Constant))
        if _is_text(parts):
            yield node
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str) and _is_text(node.value):
            yield node
        return
    if isinstance(node, ast.Subscript):
        return
    if isinstance(node, ast.Dict):
        for value in node.values:
            yield from _literal_texts(value)
        return
    if isinstance(node, ast.DictComp):
        yield from _literal_texts(node.value)
        return
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.comprehension):
            yield from _literal_texts(child)


def _user_facing_arguments(node: ast.AST):
    if isinstance(node, ast.Call):
        keywords = USER_FACING_CALLS.get(_name(node.func))
        if keywords is not None:
            yield from node.args[:1]
        yield from (k.value for k in node.keywords if k.arg in (keywords or set()) | USER_FACING_KEYWORDS)
    # A marshmallow-style message mapping built by hand: {"field": ["A sentence.", ...]}.
    if isinstance(node, (ast.Dict, ast.DictComp)):
        for value in node.values if isinstance(node, ast.Dict) else [node.value]:
            if isinstance(value, ast.List):
                yield from (element for element in value.elts if _is_sentence(element))


def _is_sentence(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        node = node.values[0]
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value.strip()


def literals_bypassing_gettext(source: str, filename: str) -> list[str]:
    found = set()
    for node in ast.walk(ast.parse(source, filename)):
        for argument in _user_facing_arguments(node):
            for literal in _literal_texts(argument):
                found.add((literal.lineno, literal.col_offset, ast.unparse(literal)))
    return [f"{filename}:{line}: {text}" for line, _column, text in sorted(found)]


def test_the_scan_finds_literals_and_accepts_gettext():
    source = '''
raise ValidationFailed(errors={"reports": [f"Length must be between 1 and {n}."]})
raise ma.ValidationError("Not a country.")
click.echo("Done.")
field = ma.fields.String(validate=ma.validate.Length(max=5, error="Too long."))
raise NotFound(_("No campaign is called %(slug)s.", slug=slug))
raise ValidationFailed(errors={"labels": [_l("Unknown field.")]})
click.echo(json.dumps({"client_id": client_id}))
click.echo(f"client_id: {client_id}  " + _("(shown once)"))
raise ma.ValidationError([_l("Must be after since.")], "until")
unknown = {name: ["Unknown field."] for name in payload}
raise Unauthorized(_("A valid access token is required."), headers=_challenge("invalid_token"))
'''
    assert [line.split(": ", 1)[1] for line in literals_bypassing_gettext(source, "sample.py")] == [
        "f'Length must be between 1 and {n}.'", "'Not a country.'", "'Done.'", "'Too long.'",
        "'Unknown field.'",
    ]


def test_no_user_facing_literal_bypasses_gettext():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += literals_bypassing_gettext(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    assert found == []
