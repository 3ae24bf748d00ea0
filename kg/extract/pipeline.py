"""The extraction pipeline: Article → ArticleFacts, offline and deterministic.

Two readings of each article: a blank spaCy English tokenizer with gazetteer phrase matchers
(names, codes, roles), and the statistical pipeline of ``kg.extract.syntax`` (tags, the
dependency parse, entities) that the rule steps read for who did what to whom. The steps run
in this order: sentences → mentions → persons and posts → quotations → agreements →
memberships → commitments → events → figures. ``Extractor(fast=True)`` skips the statistical
pipeline (the older, rule-only path: faster, and less accurate on real reporting). Build one
``Extractor`` and reuse it for many articles.
"""

from __future__ import annotations

from kg.extract.agreements import (
    commitments, find_agreement_mentions, memberships, only_persons_between, resolve_agreements,
)
from kg.extract.context import ArticleContext
from kg.extract.entities import EntityOrganisations, drop_entity_persons
from kg.extract.events import find_events
from kg.extract.facts import ArticleFacts, Evidence
from kg.extract.figures import find_figures
from kg.extract.mentions import COUNTRY, ORGANISATION, Mention, MentionFinder, make_nlp
from kg.extract.people import PeopleFinder
from kg.extract.quotes import find_quotes, quote_spans
from kg.extract.sentences import split_sentences
from kg.extract.syntax import RULES_ONLY, PipelineInfo, load_pipeline
from kg.extract.tokens import Tokens
from kg.reading.article import Article


class Extractor:
    """Holds the tokenizer, matchers and parser (built once, ~1.5 s); ``extract`` is then cheap."""

    def __init__(self, fast: bool = False) -> None:
        self.nlp = make_nlp()
        self.mention_finder = MentionFinder(self.nlp)
        self.people = PeopleFinder(self.nlp)
        self.parser, self.pipeline = (None, None) if fast else load_pipeline()
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
        ctx = ArticleContext(article, doc, sentences, sorted(mentions + entity_orgs, key=lambda m: m.start),
                             tokens=tokens, parsed=parsed)
        facts = ArticleFacts(article=article, pipeline=self.pipeline_label)
        if not sentences:
            return facts
        for m in ctx.mentions:  # every country and organisation named in the text is an actor
            if m.kind in (COUNTRY, ORGANISATION):
                ctx.registry.from_mention(m, ctx.evidence(m.start, m.end))
        facts.posts = self.people.find(ctx)
        if entity_orgs:  # an entity the parse took for an organisation that the rules read as a person
            drop_entity_persons(ctx, entity_orgs)
        spans = quote_spans(text)
        facts.quotes = find_quotes(ctx, spans)
        qspans = [(q.start, q.end) for q in spans]
        mentions = find_agreement_mentions(ctx, qspans)
        by_mention = resolve_agreements(ctx, mentions)
        agreements = list(dict.fromkeys(a for a in by_mention.values()))
        facts.agreements = [a.fact for a in agreements]
        facts.memberships = memberships(ctx, mentions, by_mention, qspans, ctx.affiliation_starts, facts.posts)
        # an unnamed "deal" or "partnership" with no party at all is not cooperation between
        # countries or organisations ("a new four-year deal", "a great deal of work")
        parties = {m.agreement for m in facts.memberships}
        keep = {a.fact.key for a in agreements if (a.fact.named and not a.organisation_like) or a.fact.key in parties}
        for a in agreements:  # "the Making Decisions Alliance, a group of charities": an organisation
            if a.fact.key not in keep and a.organisation_like:
                for m in a.mentions:
                    if m.named:
                        ctx.registry.from_mention(Mention(m.start, m.end, m.label, ORGANISATION, m.label),
                                                  ctx.evidence(m.start, m.end))
        facts.agreements = [a for a in facts.agreements if a.key in keep]
        by_mention = {k: a for k, a in by_mention.items() if a.fact.key in keep}
        facts.commitments = commitments(ctx, mentions, by_mention, qspans)
        person_agreements = [(m.start, m.end) for k, m in enumerate(mentions)
                             if k not in by_mention and m.head in {"agreement", "deal", "pact"}
                             and only_persons_between(ctx, m)]
        facts.events = find_events(ctx, facts.agreements, facts.memberships, person_agreements)
        facts.figures = find_figures(ctx)
        facts.actors = ctx.registry.actors
        facts.sentences = [Evidence(s.start, s.end, s.text) for s in sentences]
        return facts
