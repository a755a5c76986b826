"""Pin each catalog's Plural-Forms header: Babel releases change CLDR plural rules for some locales."""

from pathlib import Path

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
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    pinned = [f'"Plural-Forms: {forms}\\n"\n' if line.startswith('"Plural-Forms:') else line for line in lines]
    path.write_text("".join(pinned), encoding="utf-8")
