"""Where the name of an organisation or an agreement ends in running text."""

from __future__ import annotations

import datetime as dt

import pytest

from kg.extraction import default_extractor
from kg.extraction.facts import ArticleFacts
from kg.reading.article import Article


def extract(sentence: str) -> ArticleFacts:
    return default_extractor().extract(Article("s.txt", sentence, title="t", date=dt.date(2022, 5, 6)))


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [("The Baltic Ports Agency on Friday said so.", "Baltic Ports Agency"),
     ("Kenya signed with the Coastal Fisheries Union in Nairobi on Wednesday.", "Coastal Fisheries Union"),
     ("The Sahel Water Authority at Niamey will fund it.", "Sahel Water Authority"),
     ("The Ministry of Health in March said so.", "Ministry of Health"),
     ("The Council on Foreign Relations agreed.", "Council on Foreign Relations"),
     ("The Commission for Peace in Africa met.", "Commission for Peace in Africa"),
     ("The Kuwait-based Regional Organization for the Protection of the Marine Environment met.",
      "Regional Organization for the Protection of the Marine Environment"),
     ("The Andean Water Council and the Pacific Ports Authority will fund it.", "Pacific Ports Authority")],
)  # fmt: skip
def test_an_organisation_name_stops_before_a_date_or_a_place(sentence: str, expected: str) -> None:
    """A name shaped like an organisation ("... Agency") does not run on into "on Friday",
    "in March" or, after its head noun, "in Nairobi"; it goes on through "for the", not
    through "and the"; "Kuwait-based" is not part of it."""
    facts = extract(sentence)
    names = {actor.name for actor in facts.actors.values() if actor.kind == "organisation"}
    assert expected in names, names


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [("Kenya and Uganda signed the Lake Victoria Water Pact in Arusha on Friday.", "Lake Victoria Water Pact"),
     ("They discussed the Nile Basin Accord of March.", "Nile Basin Accord"),
     ("They discussed the Coastal Shipping Pact on Monday.", "Coastal Shipping Pact"),
     ("Russia left the Treaty on Conventional Armed Forces in Europe.", "Treaty on Conventional Armed Forces in Europe"),
     ("France ratified the Convention on Biological Diversity.", "Convention on Biological Diversity")],
)  # fmt: skip
def test_an_agreement_name_stops_before_a_date_or_a_place_after_its_head(sentence: str, expected: str) -> None:
    labels = {agreement.label for agreement in extract(sentence).agreements}
    assert expected in labels, labels
