"""Shared validation fields: strict integers, country codes, language tags, UTC timestamps."""

import marshmallow as ma
import pytest

from coalition.validation import CountryCode, Integer, LocaleTag, UTCDateTime


class Sample(ma.Schema):
    count = Integer()
    country = CountryCode()
    locale = LocaleTag()
    as_of = UTCDateTime()


@pytest.mark.parametrize("value, expected", [(7, 7), (3.0, 3), (0, 0)])
def test_integer_accepts_json_integers(value, expected):
    assert Sample().load({"count": value}) == {"count": expected}


@pytest.mark.parametrize("value", ["7", 2.5, True, None, [1]])
def test_integer_refuses_what_is_not_a_json_integer(value):
    with pytest.raises(ma.ValidationError):
        Sample().load({"count": value})


@pytest.mark.parametrize("value, expected", [("de", "DE"), ("EL", "GR"), (" fr ", "FR"), ("UK", "GB")])
def test_country_codes_are_normalised(value, expected):
    assert Sample().load({"country": value}) == {"country": expected}


@pytest.mark.parametrize("value", ["EU", "ZZ", "XA", "QO", "UN", "D", "DEU", "12"])
def test_country_codes_refuse_groupings_and_nonsense(value):
    with pytest.raises(ma.ValidationError):
        Sample().load({"country": value})


@pytest.mark.parametrize("value, expected", [("pt_br", "pt-BR"), ("DE", "de"), ("sr-latn", "sr-Latn")])
def test_locale_tags_are_normalised(value, expected):
    assert Sample().load({"locale": value}) == {"locale": expected}


def test_timestamps_need_an_offset_and_are_answered_in_utc():
    loaded = Sample().load({"as_of": "2026-03-01T13:00:00+01:00"})
    assert Sample().dump(loaded) == {"as_of": "2026-03-01T12:00:00Z"}
    with pytest.raises(ma.ValidationError):
        Sample().load({"as_of": "2026-03-01T12:00:00"})
