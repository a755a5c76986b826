"""Demo people with published passwords, to try the pages at once; never in production."""

from __future__ import annotations

from coalition.people.operations import add_person, get_person_by_email, set_password

# e-mail, password, organization, display name, role, locales, page language
DEMO_PEOPLE = [
    ("coordinator@demo.example", "demo coordinator password", "edri", "Clara Coordinator", "coordinator",
     None, None),
    ("member@demo.example", "demo member password", "digitalcourage", "Max Member", "member", None, None),
    ("translator-de@demo.example", "demo translator password", "digitalcourage", "Tanja Übersetzerin",
     "translator", ["de"], "de"),
]


def load_demo_people(organizations: dict) -> list[tuple[str, str]]:
    """Add the demo people who are not there yet; (e-mail, password) of each."""
    for email, password, slug, name, role, locales, locale in DEMO_PEOPLE:
        if get_person_by_email(email) is None:
            person = add_person(organizations[slug], email=email, display_name=name, role=role,
                                locales=locales, locale=locale)
            set_password(person, password)
    return [(email, password) for email, password, *_rest in DEMO_PEOPLE]
