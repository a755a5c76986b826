"""What the API shows and takes of people. E-mail addresses serve sign-in only."""

from __future__ import annotations

import marshmallow as ma

from coalition.config import SUPPORTED_LOCALES
from coalition.people.models import PERSON_ROLES
from coalition.validation import LocaleTag, UTCDateTime

LOCALE_LIST = ma.validate.Length(max=50)


class PersonSchema(ma.Schema):
    id = ma.fields.String(dump_only=True, metadata={"description": "Opaque; the `sub` of the person's tokens"})
    organization = ma.fields.Function(lambda person: person.organization.slug, dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    email = ma.fields.String(dump_only=True)
    role = ma.fields.String(dump_only=True, metadata={"enum": list(PERSON_ROLES)})
    locales = ma.fields.List(ma.fields.String(), dump_only=True, allow_none=True,
                             metadata={"description": "Locales a translator or reviewer works in; null: every one."})
    locale = ma.fields.String(dump_only=True, allow_none=True,
                              metadata={"description": "The language of the pages for this person"})
    status = ma.fields.Function(lambda person: "active" if person.has_password else "invited", dump_only=True,
                                metadata={"enum": ["invited", "active"]})
    two_factor = ma.fields.Function(lambda person: person.uses_totp, dump_only=True,
                                    metadata={"type": "boolean"})
    created_date = UTCDateTime(dump_only=True)
    modified_date = UTCDateTime(dump_only=True)


class InvitedPersonSchema(PersonSchema):
    """A new person with the link that lets them set a password: answered once."""

    invitation_url = ma.fields.String(dump_only=True)
    invitation_expires = UTCDateTime(dump_only=True)


class _PersonFields(ma.Schema):
    display_name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    role = ma.fields.String(validate=ma.validate.OneOf(PERSON_ROLES))
    locales = ma.fields.List(LocaleTag(), allow_none=True, validate=LOCALE_LIST, metadata={
        "description": "For translators and reviewers: the locales they work in (null: every one); "
                       "other roles work in every locale."})
    locale = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(SUPPORTED_LOCALES))


class PersonCreateSchema(_PersonFields):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=320))
    display_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    role = ma.fields.String(load_default="member", validate=ma.validate.OneOf(PERSON_ROLES))


class PersonUpdateSchema(_PersonFields):
    """Every field optional; the e-mail address stays the one the person was invited with."""
