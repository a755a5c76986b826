"""Pin each catalog's Plural-Forms header: Babel releases change CLDR plural rules for some locales.

PLURAL_FORMS holds, for the 24 official languages of the EU, exactly what Babel 2.18 writes on
`pybabel init` (`babel.messages.plurals.get_plural`); tests/i18n checks both.
"""

import re
from pathlib import Path

HEADER_FIELD = re.compile(r'^"[A-Za-z-]+: ')

PLURAL_FORMS = {
    "bg": "nplurals=2; plural=(n != 1);",
    "cs": "nplurals=3; plural=((n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2);",
    "da": "nplurals=2; plural=(n != 1);",
    "de": "nplurals=2; plural=(n != 1);",
    "el": "nplurals=2; plural=(n != 1);",
    "en": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "et": "nplurals=2; plural=(n != 1);",
    "fi": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "ga": "nplurals=5; plural=(n==1 ? 0 : n==2 ? 1 : n>=3 && n<=6 ? 2 : n>=7 && n<=10 ? 3 : 4);",
    "hr": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "hu": "nplurals=1; plural=0;",
    "it": "nplurals=2; plural=(n != 1);",
    "lt": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "lv": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2);",
    "mt": "nplurals=4; plural=(n==1 ? 0 : n==0 || ( n%100>=1 && n%100<=10) ? 1 : (n%100>10 && n%100<20 ) ? 2 : 3);",
    "nl": "nplurals=2; plural=(n != 1);",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "pt": "nplurals=2; plural=(n != 1);",
    "ro": "nplurals=3; plural=(n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2);",
    "sk": "nplurals=3; plural=((n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2);",
    "sl": "nplurals=4; plural=(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3);",
    "sv": "nplurals=2; plural=(n != 1);",
}

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def pin(path: Path, forms: str) -> None:
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


if __name__ == "__main__":
    for locale, forms in PLURAL_FORMS.items():
        path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        if path.exists():
            pin(path, forms)
