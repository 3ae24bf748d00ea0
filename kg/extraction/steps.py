"""The rule steps of extraction, each declaring the products it needs and the ones it provides.

A step is a function of the article's ``ArticleContext`` (the text, its sentences, the
mentions and the actor registry, with lookups by offset), the products of the steps before
it, and the extractor's built-once tools (matchers, finders). It returns exactly the products
it declares; ``run_steps`` checks that, and ``check_order`` checks before any article is read
that every need is met by an input or an earlier step and that no product is made twice. A new
relation type (say, a guarantor or a mediator) is one module with its rules, its cue words in
``kg/extraction/data/cues.toml``, one ``Step`` here, and its mapping and shape.

Products of the default steps, in order: posts → quotes → agreement mentions (and which
agreement each refers to) → memberships → the agreements kept (those with parties or a name)
→ commitments → events → figures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kg.extraction.agreements import (
    commitments, find_agreement_mentions, memberships, only_persons_between, resolve_agreements,
)
from kg.extraction.context import ArticleContext
from kg.extraction.entities import drop_entity_persons
from kg.extraction.events import find_events
from kg.extraction.figures import find_figures
from kg.extraction.mentions import ORGANISATION, Mention
from kg.extraction.quotes import find_quotes

INPUTS = ("quote_spans", "entity_orgs")
"""What the extractor gives every step besides the context: the quotation spans of the text,
and the organisations the parse's NER added to the mentions."""

FACT_PRODUCTS = ("posts", "quotes", "agreements", "memberships", "commitments", "events", "figures")
"""The products that become the fields of ``ArticleFacts`` of the same name."""


@dataclass(frozen=True)
class Step:
    """One rule step: its name, the products it needs and provides, and the function."""

    name: str
    needs: tuple[str, ...]
    provides: tuple[str, ...]
    run: Callable[[ArticleContext, Mapping[str, Any], Any], dict[str, Any]]


class StepOrderError(ValueError):
    """A step needs a product no input or earlier step provides, or two steps provide one."""


def check_order(steps: tuple[Step, ...], inputs: tuple[str, ...] = INPUTS) -> None:
    """Raise ``StepOrderError`` unless every need is met in order and every product is made once."""
    available = set(inputs)
    for step in steps:
        missing = [n for n in step.needs if n not in available]
        if missing:
            raise StepOrderError(f"step {step.name!r} needs {missing}, which no input or earlier step provides")
        twice = [p for p in step.provides if p in available]
        if twice:
            raise StepOrderError(f"step {step.name!r} provides {twice}, which are provided already")
        available.update(step.provides)


def run_steps(steps: tuple[Step, ...], ctx: ArticleContext, inputs: Mapping[str, Any], tools: Any) -> dict[str, Any]:
    """Run ``steps`` in order; each sees the inputs and the products of the steps before it."""
    products: dict[str, Any] = dict(inputs)
    for step in steps:
        made = step.run(ctx, {n: products[n] for n in step.needs}, tools)
        if set(made) != set(step.provides):
            raise StepOrderError(f"step {step.name!r} made {sorted(made)}, not the {sorted(step.provides)} it declares")
        products.update(made)
    return products


# -- the default steps --------------------------------------------------------------------------

def _posts(ctx: ArticleContext, got: Mapping[str, Any], tools: Any) -> dict[str, Any]:
    posts = tools.people.find(ctx)
    if got["entity_orgs"]:  # an entity the parse took for an organisation that the rules read as a person
        drop_entity_persons(ctx, got["entity_orgs"])
    return {"posts": posts}


def _quotes(ctx: ArticleContext, got: Mapping[str, Any], tools: Any) -> dict[str, Any]:
    return {"quotes": find_quotes(ctx, got["quote_spans"])}


def _agreement_mentions(ctx: ArticleContext, got: Mapping[str, Any], tools: Any) -> dict[str, Any]:
    mentions = find_agreement_mentions(ctx, _spans(got))
    return {"agreement_mentions": mentions, "mention_agreements": resolve_agreements(ctx, mentions)}


def _memberships(ctx: ArticleContext, got: Mapping[str, Any], tools: Any) -> dict[str, Any]:
    return {"memberships": memberships(ctx, got["agreement_mentions"], got["mention_agreements"], _spans(got),
                                       ctx.affiliation_starts, got["posts"])}


def _agreements(ctx: ArticleContext, got: Mapping[str, Any], tools: Any) -> dict[str, Any]:
    """The agreements kept: named ones, and unnamed ones with a party ("a new four-year deal",
    "a great deal of work" have none); a name the parse reads as an organisation's and that
    has no party is that organisation ("the Making Decisions Alliance, a group of charities")."""
    by_mention = got["mention_agreements"]
    agreements = list(dict.fromkeys(by_mention.values()))
    parties = {m.agreement for m in got["memberships"]}
    keep = {a.fact.key for a in agreements if (a.fact.named and not a.organisation_like) or a.fact.key in parties}
    for a in agreements:
        if a.fact.key not in keep and a.organisation_like:
            for m in a.mentions:
                if m.named:
                    ctx.registry.from_mention(Mention(m.start, m.end, m.label, ORGANISATION, m.label),
                                              ctx.evidence(m.start, m.end))
    return {"agreements": [a.fact for a in agreements if a.fact.key in keep],
            "kept_agreements": {k: a for k, a in by_mention.items() if a.fact.key in keep}}


def _commitments(ctx: ArticleContext, got: Mapping[str, Any], tools: Any) -> dict[str, Any]:
    return {"commitments": commitments(ctx, got["agreement_mentions"], got["kept_agreements"], _spans(got))}


def _events(ctx: ArticleContext, got: Mapping[str, Any], tools: Any) -> dict[str, Any]:
    mentions, kept = got["agreement_mentions"], got["kept_agreements"]
    # "an agreement a year ago between Souza and Tanaka": between people, an event
    between_people = [(m.start, m.end) for k, m in enumerate(mentions)
                      if k not in kept and m.head in {"agreement", "deal", "pact"} and only_persons_between(ctx, m)]
    return {"events": find_events(ctx, got["agreements"], got["memberships"], between_people)}


def _figures(ctx: ArticleContext, got: Mapping[str, Any], tools: Any) -> dict[str, Any]:
    return {"figures": find_figures(ctx)}


def _spans(got: Mapping[str, Any]) -> list[tuple[int, int]]:
    return [(q.start, q.end) for q in got["quote_spans"]]


DEFAULT_STEPS: tuple[Step, ...] = (
    Step("posts", ("entity_orgs",), ("posts",), _posts),
    Step("quotes", ("posts", "quote_spans"), ("quotes",), _quotes),
    Step("agreement mentions", ("posts", "quote_spans"), ("agreement_mentions", "mention_agreements"),
         _agreement_mentions),
    Step("memberships", ("agreement_mentions", "mention_agreements", "posts", "quote_spans"), ("memberships",),
         _memberships),
    Step("agreements", ("mention_agreements", "memberships"), ("agreements", "kept_agreements"), _agreements),
    Step("commitments", ("agreement_mentions", "kept_agreements", "quote_spans"), ("commitments",), _commitments),
    Step("events", ("agreement_mentions", "kept_agreements", "agreements", "memberships"), ("events",), _events),
    Step("figures", (), ("figures",), _figures),
)
check_order(DEFAULT_STEPS)
