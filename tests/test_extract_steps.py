"""The extraction steps declare what they need and provide: the order is checked before any
article is read, a step that makes something else is an error, and a new step is one entry."""

from __future__ import annotations

import datetime as dt

import pytest

from kg.extraction.pipeline import Extractor
from kg.extraction.steps import DEFAULT_STEPS, FACT_PRODUCTS, INPUTS, Step, StepOrderError, check_order, run_steps
from kg.reading.article import Article

ARTICLE = Article("t.txt", "Norway and Kenya signed a fisheries pact in Oslo on Monday. "
                  "The pact bans trawling near the coast.", title="Pact", date=dt.date(2021, 3, 2))


def test_every_need_of_the_default_steps_is_met_and_every_fact_is_made() -> None:
    check_order(DEFAULT_STEPS)
    made = set(INPUTS) | {p for s in DEFAULT_STEPS for p in s.provides}
    assert set(FACT_PRODUCTS) <= made


def test_a_need_nobody_provides_is_refused_before_any_article() -> None:
    orphan = Step("guarantors", ("guarantees",), ("guarantors",), lambda ctx, got, tools: {"guarantors": []})
    with pytest.raises(StepOrderError, match="needs \\['guarantees'\\]"):
        Extractor(fast=True, steps=DEFAULT_STEPS + (orphan,))


def test_a_product_made_twice_is_refused() -> None:
    again = Step("figures again", (), ("figures",), lambda ctx, got, tools: {"figures": []})
    with pytest.raises(StepOrderError, match="provided already"):
        check_order(DEFAULT_STEPS + (again,))


def test_a_step_that_makes_other_products_than_it_declares_fails() -> None:
    liar = Step("liar", (), ("mediators",), lambda ctx, got, tools: {"guarantors": []})
    extractor = Extractor(fast=True, steps=DEFAULT_STEPS + (liar,))
    with pytest.raises(StepOrderError, match="made \\['guarantors'\\]"):
        extractor.extract(ARTICLE)


def test_a_new_relation_type_is_one_more_step() -> None:
    seen: dict[str, object] = {}

    def mediators(ctx, got, tools):
        seen["members"] = sorted(m.member for m in got["memberships"])
        return {"mediators": []}

    extractor = Extractor(fast=True, steps=DEFAULT_STEPS + (Step("mediators", ("memberships",), ("mediators",),
                                                                 mediators),))
    facts = extractor.extract(ARTICLE)
    assert seen["members"] == ["country:KEN", "country:NOR"]
    assert [a.label for a in facts.agreements] == ["fisheries pact"]
    products = run_steps(DEFAULT_STEPS, *_context(extractor))
    assert set(FACT_PRODUCTS) <= set(products)


def _context(extractor: Extractor):
    """A fresh context for ``ARTICLE`` the way ``Extractor.extract`` builds it (rules only)."""
    from kg.extraction.context import ArticleContext
    from kg.extraction.mentions import COUNTRY, ORGANISATION
    from kg.extraction.quotes import quote_spans
    from kg.extraction.sentences import split_sentences
    from kg.extraction.tokens import Tokens

    doc = extractor.nlp.make_doc(ARTICLE.text)
    tokens = Tokens.of(doc)
    ctx = ArticleContext(ARTICLE, doc, split_sentences(ARTICLE.text),
                         extractor.mention_finder.find(doc, tokens, ARTICLE.text), tokens=tokens)
    for m in ctx.mentions:
        if m.kind in (COUNTRY, ORGANISATION):
            ctx.registry.from_mention(m, ctx.evidence(m.start, m.end))
    return ctx, {"quote_spans": quote_spans(ARTICLE.text), "entity_orgs": []}, extractor
