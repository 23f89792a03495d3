"""Language negotiation: Accept-Language parsed by q-value, matched per collaborative."""

from __future__ import annotations

from uuid import uuid4

from services.translations.languages import (
    LanguagePreference,
    is_language_tag,
    match,
    parse_accept_language,
)


def test_ranges_are_ordered_by_q_value_keeping_the_header_order_on_ties() -> None:
    header = "en;q=0.5, es-MX, fr;q=0.8, de;q=0.8, *;q=0.1"
    assert parse_accept_language(header) == ("es-mx", "fr", "de", "en", "*")


def test_q_zero_means_not_acceptable_and_malformed_ranges_are_dropped() -> None:
    assert parse_accept_language("es;q=0, en;q=abc, fr;q=2, ;q=1, de") == ("de",)
    assert parse_accept_language("") == ()
    assert parse_accept_language(None) == ()
    assert parse_accept_language("<script>, es") == ("es",)


def test_a_regional_range_matches_its_language_and_the_other_way_round() -> None:
    assert match(("es-mx",), ["en", "es"], "en") == "es"
    assert match(("pt",), ["en", "pt-BR"], "en") == "pt-BR"
    assert match(("ES",), ["en", "es"], "en") == "es"


def test_the_first_listed_language_wins_else_the_default() -> None:
    assert match(("fr", "es", "en"), ["en", "es"], "en") == "es"
    assert match(("fr", "de"), ["en", "es"], "es") == "es"
    assert match(("*", "es"), ["en", "es"], "en") == "en"
    assert match((), ["en", "es"], "es") == "es"


def test_an_explicit_language_comes_before_the_header_and_only_one_per_request() -> None:
    preference = LanguagePreference(header=("en",))
    collaborative = uuid4()
    assert preference.resolve(collaborative, ["en", "es"], "en") == "en"
    assert preference.choose("es")
    assert preference.resolve(collaborative, ["en", "es"], "en") == "es"  # cache cleared
    assert preference.choose("ES")
    assert not preference.choose("fr")
    assert preference.resolved(collaborative) == ("es", "en")


def test_language_tags() -> None:
    assert [is_language_tag(t) for t in ("es-MX", "zh-Hant-TW", "*", "es_MX", "")] == [
        True,
        True,
        False,
        False,
        False,
    ]
