"""Fail when a claimed language's catalog lacks a translation of any extracted message."""

import sys
from pathlib import Path

from babel.messages.pofile import read_po

root = Path(__file__).resolve().parent.parent / "translations"
with open(root / "messages.pot", "rb") as handle:
    template_ids = {m.id for m in read_po(handle) if m.id}

problems = []
for locale in sys.argv[1:]:
    with open(root / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    for message_id in sorted(template_ids, key=str):
        message = catalog.get(message_id)
        translated = message is not None and (
            all(message.string) if isinstance(message.string, tuple) else bool(message.string)
        )
        if not translated or (message is not None and message.fuzzy):
            problems.append(f"{locale}: {message_id!r}")
if problems:
    print("Untranslated or fuzzy messages:\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"Catalogs complete for: {' '.join(sys.argv[1:])}")
