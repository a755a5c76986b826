"""Pin each catalog's Plural-Forms header: Babel releases change CLDR plural rules for some locales."""

import re
from pathlib import Path

HEADER_FIELD = re.compile(r'^"[A-Za-z-]+: ')

PLURAL_FORMS = {
    "en": "nplurals=2; plural=(n != 1);",
    "de": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "it": "nplurals=2; plural=(n != 1);",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
}

root = Path(__file__).resolve().parent.parent / "translations"
for locale, forms in PLURAL_FORMS.items():
    path = root / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        continue
    pinned, in_plural_forms = [], False
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith('"Plural-Forms:'):
            pinned.append(f'"Plural-Forms: {forms}\\n"\n')
            in_plural_forms = True
        elif in_plural_forms and line.startswith('"') and not HEADER_FIELD.match(line):
            continue  # a wrapped continuation of the old value
        else:
            in_plural_forms = False
            pinned.append(line)
    path.write_text("".join(pinned), encoding="utf-8")
