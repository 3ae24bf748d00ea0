"""The extraction pipeline: Article → ArticleFacts, offline and deterministic.

Two readings of each article: a blank spaCy English tokenizer with gazetteer phrase matchers
(names, codes, roles), and the statistical pipeline of ``kg.extraction.syntax`` (tags, the
dependency parse, entities) that the rule steps read for who did what to whom. The steps run
in this order: sentences → mentions → the rule steps of ``kg.extraction.steps`` (posts →
quotations → agreements → memberships → commitments → events → figures), each declaring what
it needs and provides. ``Extractor(fast=True)`` skips the statistical
pipeline (the older, rule-only path: faster, and less accurate on real reporting). Build one
``Extractor`` and reuse it for many articles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.extraction.context import ArticleContext
from kg.extraction.entities import EntityOrganisations, short_names_to_full
from kg.extraction.facts import ArticleFacts, Evidence
from kg.extraction.mentions import COUNTRY, ORGANISATION, MentionFinder, make_nlp
from kg.extraction.people import PeopleFinder
from kg.extraction.quotes import quote_spans
from kg.extraction.sentences import split_sentences
from kg.extraction.steps import DEFAULT_STEPS, FACT_PRODUCTS, Step, check_order, run_steps
from kg.extraction.syntax import RULES_ONLY, PipelineInfo, load_pipeline
from kg.extraction.tokens import Tokens
from kg.reading.article import Article

if TYPE_CHECKING:
    from spacy.language import Language


class Extractor:
    """Holds the tokenizer, matchers and parser (built once, ~1.5 s); ``extract`` is then cheap."""

    def __init__(self, fast: bool = False, steps: tuple[Step, ...] = DEFAULT_STEPS) -> None:
        check_order(steps)
        self.steps = steps
        self.nlp = make_nlp()
        self.mention_finder = MentionFinder(self.nlp)
        self.people = PeopleFinder(self.nlp)
        self.parser: Language | None = None
        self.pipeline: PipelineInfo | None = None
        if not fast:
            self.parser, self.pipeline = load_pipeline()
        self.entity_orgs = EntityOrganisations()

    @property
    def fast(self) -> bool:
        """True when this extractor reads no parse (rules only)."""
        return self.parser is None

    @property
    def pipeline_label(self) -> str:
        """Which pipeline this extractor reads articles with, as one line."""
        return self.pipeline.label if self.pipeline is not None else RULES_ONLY

    def extract(self, article: Article) -> ArticleFacts:
        """All facts of one article, each with the sentence it came from."""
        text = article.text
        doc = self.nlp.make_doc(text)
        tokens = Tokens.of(doc)
        sentences = split_sentences(text)
        # spaCy's tokenizer is lossless (doc.text == text), so the article text stands for doc.text
        parsed = self.parser(text) if self.parser is not None and sentences else None
        mentions = self.mention_finder.find(doc, tokens, text)
        entity_orgs = self.entity_orgs.find(parsed, mentions) if parsed is not None else []
        if entity_orgs:  # not where the rules read a person ("Jelena Vuksanović, a spokeswoman")
            scratch = ArticleContext(article, doc, sentences, mentions, tokens=tokens)
            self.people.find(scratch)
            people = [(p.start, p.end) for p in scratch.person_mentions]
            entity_orgs = [m for m in entity_orgs if not any(s < m.end and m.start < e for s, e in people)]
        all_mentions = sorted(mentions + entity_orgs, key=lambda m: m.start)
        if entity_orgs:
            all_mentions = short_names_to_full(all_mentions)
        ctx = ArticleContext(article, doc, sentences, all_mentions, tokens=tokens, parsed=parsed)
        facts = ArticleFacts(article=article, pipeline=self.pipeline_label)
        if not sentences:
            return facts
        for m in ctx.mentions:  # every country and organisation named in the text is an actor
            if m.kind in (COUNTRY, ORGANISATION):
                ctx.registry.from_mention(m, ctx.evidence(m.start, m.end))
        products = run_steps(self.steps, ctx, {"quote_spans": quote_spans(text), "entity_orgs": entity_orgs}, self)
        for name in FACT_PRODUCTS:
            setattr(facts, name, products[name])
        facts.actors = ctx.registry.actors
        facts.sentences = [Evidence(s.start, s.end, s.text) for s in sentences]
        return facts
