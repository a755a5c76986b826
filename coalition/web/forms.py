"""What page forms share: the API's problems shown as messages beside the fields they concern."""

from __future__ import annotations

from collections.abc import Mapping

from coalition.errors import DETAILS, ProblemError, translate_messages


def _flatten(messages) -> list[str]:
    if isinstance(messages, Mapping):
        return [text for value in messages.values() for text in _flatten(value)]
    if isinstance(messages, list | tuple):
        return [text for value in messages for text in _flatten(value)]
    return [messages]


def problem_messages(problem: ProblemError) -> dict[str, list[str]]:
    """Field → messages, as the API's problem document lists them; `""` holds the detail."""
    found = {str(name): _flatten(messages) for name, messages in translate_messages(problem.errors or {}).items()}
    detail = problem.detail or (None if found else DETAILS.get(problem.status))
    if detail:
        found.setdefault("", []).append(str(detail))
    return found


def form_values(names: tuple[str, ...], form) -> dict[str, str]:
    """The filled-in fields of a form among `names` (an empty field is one not given)."""
    return {name: form[name].strip() for name in names if form.get(name, "").strip()}
