"""Benchmark of the graph layer: views, analysis and every export on a store of ~1M triples.

    python bench/graph_bench.py                      # 1,000,000 triples, a fresh temporary store
    python bench/graph_bench.py --triples 200000     # smaller
    python bench/graph_bench.py --store /tmp/big --keep   # build once, reuse the store next time

The store is filled with synthetic articles made by ``synthetic_articles``: real countries
(from kg's gazetteer), invented officials, ministries, agreements and quotations, mapped to
RDF by kg's own mapping (``kg.rdf.facts_to_graph``) and stored one named graph per article,
exactly as ``kg build`` stores real ones. Agreements recur across articles and draw most
members from one regional bloc, so the graph has hubs and communities like real news.

Each step is timed on its own (wall clock, ``time.perf_counter``); the peak resident memory
of the process so far is read after each step (``resource.getrusage``). Views are built from
the store every time (no caching between steps). Exports are written to a temporary
directory and their sizes reported. Run by hand; the numbers go in the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from kg.extraction.facts import (
    COUNTRY,
    FOUNDER,
    MEMBER,
    NON_SIGNATORY,
    OBSERVER,
    ORGANISATION,
    PARTNER,
    PERSON,
    SIGNATORY,
    Actor,
    Agreement,
    ArticleFacts,
    Commitment,
    Event,
    Evidence,
    Figure,
    Membership,
    Place,
    Post,
    Quote,
)
from kg.reading.article import Article

_FIRST = ["Ana", "Boris", "Chen", "Dara", "Emil", "Fatou", "Goran", "Hana", "Ivo", "Jun", "Kofi", "Lena", "Mateo",
          "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zofia"]
_LAST = ["Abara", "Berg", "Costa", "Dimitrov", "Eze", "Farouk", "Garcia", "Haddad", "Ito", "Jensen", "Kaur", "Lindqvist",
         "Mensah", "Novak", "Okafor", "Petrov", "Quispe", "Rossi", "Sato", "Tanaka", "Umarov", "Varga", "Weber", "Xu",
         "Yilmaz", "Zuniga"]
_PORTFOLIOS = ["foreign affairs", "trade", "health", "defence", "environment", "finance", "energy", "interior"]
_KINDS = ["alliance", "pact", "partnership", "treaty", "accord", "coalition", "initiative", "agreement"]
_THEMES = ["Ocean", "Clean Air", "Digital", "Grain", "Health", "River", "Border", "Solar", "Arctic", "Trade",
           "Forest", "Cyber", "Water", "Vaccine", "Fisheries", "Rail", "Space", "Energy", "Migration", "Data"]
_EVENTS = ["summit", "signing", "meeting", "press conference", "launch"]
_STATUSES = [MEMBER] * 10 + [SIGNATORY] * 4 + [FOUNDER] * 2 + [OBSERVER, PARTNER, NON_SIGNATORY]
_CITIES = [("Geneva", 2660646, "CH"), ("Nairobi", 184745, "KE"), ("Jakarta", 1642911, "ID"), ("Lima", 3936456, "PE"),
           ("Oslo", 3143244, "NO"), ("Dakar", 2253354, "SN"), ("Hanoi", 1581130, "VN"), ("Vienna", 2761369, "AT")]


def _countries() -> list[tuple[str, str, str]]:
    from kg.extraction.gazetteer import countries

    found = sorted((c.iso3, c.iso2, c.name) for c in countries() if c.is_sovereign and c.iso3 and c.iso2)
    return found


class _Text:
    """Sentences appended to an article's text, each giving its Evidence."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def say(self, sentence: str) -> Evidence:
        start = self.length + (2 if self.parts else 0)
        self.parts.append(sentence)
        self.length = start + len(sentence)
        return Evidence(start, start + len(sentence), sentence)

    @property
    def text(self) -> str:
        return "\n\n".join(self.parts)


def synthetic_articles(count: int, *, seed: int = 0) -> Iterator[ArticleFacts]:
    """``count`` synthetic articles' facts, the same for the same seed."""
    rng = random.Random(seed)
    nations = _countries()
    bloc_size = 24
    blocs = [nations[i : i + bloc_size] for i in range(0, len(nations), bloc_size)]
    people = [f"{rng.choice(_FIRST)} {last}-{i}" for i, last in enumerate(rng.choice(_LAST) for _ in range(3000))]
    treaties = [
        (f"{rng.choice(_THEMES)} {kind.title()} {i}", kind, rng.randrange(len(blocs)))
        for i, kind in enumerate(rng.choice(_KINDS) for _ in range(400))
    ]
    start = dt.date(2010, 1, 1)
    for number in range(count):
        text = _Text()
        date = start + dt.timedelta(days=number % 4000)
        label, kind, bloc_index = rng.choice(treaties)
        bloc = blocs[bloc_index]
        size = rng.randint(8, 22)
        chosen = rng.sample(bloc, min(size, len(bloc)))
        chosen += rng.sample(nations, rng.randint(0, 4))
        chosen = list(dict.fromkeys(chosen))
        place_name, geonames, iso2 = rng.choice(_CITIES)
        place = Place(place_name, geonames, iso2)
        actors: dict[str, Actor] = {}
        opening = text.say(f"{', '.join(n for _i3, _i2, n in chosen[:-1])} and {chosen[-1][2]} on Monday joined the {label}.")
        for iso3, code2, name in chosen:
            actors[f"country:{iso3}"] = Actor(f"country:{iso3}", COUNTRY, name, iso2=code2, iso3=iso3, evidence=[opening])
        agreement = Agreement("agreement:main", label, kind, named=True, date=date, date_text="on Monday", place=place,
                              evidence=[opening])
        memberships = [
            Membership("agreement:main", f"country:{iso3}", rng.choice(_STATUSES), opening) for iso3, _c, _n in chosen
        ]
        posts: list[Post] = []
        quotes: list[Quote] = []
        officials = []
        for iso3, _code2, name in rng.sample(chosen, min(len(chosen), rng.randint(2, 5))):
            person = rng.choice(people)
            portfolio = rng.choice(_PORTFOLIOS)
            key = f"person:{person.lower()}"
            if rng.random() < 0.5:
                ministry = f"Ministry of {portfolio.title()} of {name}"
                org_key = f"org:{ministry.lower()}"
                sentence = text.say(f"{person}, who works at the {ministry}, attended the talks.")
                actors[org_key] = Actor(org_key, ORGANISATION, ministry, org_type="ministry", country=iso3, evidence=[sentence])
                posts.append(Post(key, f"{portfolio} official", org_key, sentence))
            else:
                sentence = text.say(f"{name}'s {portfolio} minister, {person}, signed for her government.")
                posts.append(Post(key, f"{portfolio} minister", f"country:{iso3}", sentence))
            actors[key] = Actor(key, PERSON, person, {person.split()[-1]}, evidence=[sentence])
            officials.append(key)
            for _ in range(rng.randint(0, 2)):
                words = f"We will work together on {rng.choice(_THEMES).lower()} matters number {rng.randrange(10**6)}"
                said = text.say(f"\"{words},\" said {person}.")
                quotes.append(Quote(words, key, said.start + 1, said.start + 1 + len(words), said))
        commitments = [
            Commitment("agreement:main", f"cut {rng.choice(_THEMES).lower()} losses by {rng.randint(5, 60)} percent",
                       text.say(f"The {kind} aims to cut losses by {rng.randint(5, 60)} percent by {2030 + rng.randrange(10)}."))
            for _ in range(rng.randint(1, 3))
        ]
        events = []
        for index in range(rng.randint(1, 3)):
            event_type = rng.choice(_EVENTS)
            sentence = text.say(f"A {event_type} in {place_name} brought the delegations together (item {index}).")
            participants = rng.sample(officials, min(len(officials), 2)) + [f"country:{chosen[0][0]}"]
            events.append(Event(f"event:{index}", event_type, f"{event_type} on the {label}", date, place,
                                participants, "agreement:main", sentence))
        figures = [
            Figure(f"{value:,}", float(value), None, "people affected", text.say(f"Some {value:,} people are affected."))
            for value in (rng.randint(1000, 10**7) for _ in range(rng.randint(1, 2)))
        ]
        article = Article(
            source=f"synthetic/{number}.txt",
            text=text.text,
            title=f"Synthetic article {number}: {label}",
            date=date,
            publisher="Synthetic Wire",
            url=f"https://news.example.org/synthetic/{number}",
        )
        sentences = []
        for part in text.parts:
            begin = article.text.index(part)
            sentences.append(Evidence(begin, begin + len(part), part))
        yield ArticleFacts(article=article, actors=actors, posts=posts, agreements=[agreement], memberships=memberships,
                           quotes=quotes, commitments=commitments, events=events, figures=figures, sentences=sentences)


def fill_store(store: object, triples: int, *, seed: int = 0, quiet: bool = False) -> int:
    """Add synthetic articles to ``store`` until its union holds about ``triples`` triples."""
    from kg.rdf import facts_to_graph, iris

    added = 0
    count = 0
    for facts in synthetic_articles(10**9, seed=seed):
        graph = facts_to_graph(facts)
        store.replace_graph(iris.graph_iri(facts.article), graph)  # type: ignore[attr-defined]
        added += len(graph)
        count += 1
        if count % 100 == 0:
            if not quiet:
                print(f"  {count:,} articles, ~{added:,} triples", file=sys.stderr)
            if store.union_size() >= triples:  # type: ignore[attr-defined]
                break
        if added >= triples * 3:  # never loop forever
            break
    return count


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    """Fill (or reuse) a store of about ``--triples`` synthetic triples, time each view, analysis,
    path and export on it, and print the markdown table of steps; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--store", default=None, help="store directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the store for the next run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from kg.formats import VIEW_FORMATS
    from kg.graph.analysis import analyse
    from kg.graph.exports import export_view
    from kg.graph.paths import shortest_chains
    from kg.graph.views import build_view
    from kg.store import Store

    work = Path(tempfile.mkdtemp(prefix="kg-graph-bench-"))
    store_dir = Path(args.store) if args.store else work / "store"
    rows: list[tuple[str, float, str]] = []

    def step(name: str, started: float, detail: str = "") -> None:
        """Record step ``name`` as the time since ``started``; print it with the peak memory so far."""
        seconds = time.perf_counter() - started
        rows.append((name, seconds, detail))
        print(f"{name:<40} {seconds:8.2f} s  peak {_peak_mib():7.0f} MiB  {detail}", file=sys.stderr)

    try:
        exists = (store_dir / "CURRENT").exists()
        if not exists:
            started = time.perf_counter()
            with Store.open(store_dir) as store:
                articles = fill_store(store, args.triples, seed=args.seed)
            step("fill store (synthetic articles)", started, f"{articles:,} articles")
        with Store.open(store_dir, read_only=True) as store:
            size, quads, graphs = store.union_size(), len(store), len(store.graphs())
            print(f"store: {size:,} triples ({quads:,} quads) in {graphs:,} named graphs", file=sys.stderr)
            views = {}
            for name in ("actors", "membership", "countries", "provenance"):
                started = time.perf_counter()
                views[name] = build_view(store, name)
                g = views[name]
                step(f"view {name}", started, f"{g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges")
            started = time.perf_counter()
            first_agreement = next(n for n, a in views["actors"].nodes(data=True) if a.get("kind") == "agreement")
            limited = build_view(store, "actors", agreement=first_agreement)
            step("view actors --agreement", started, f"{limited.number_of_nodes():,} nodes")
            started = time.perf_counter()
            first_article = store.graphs()[0]
            limited = build_view(store, "actors", article=str(first_article))
            step("view actors --article", started, f"{limited.number_of_nodes():,} nodes")
        actors = views["actors"]
        for name in ("actors", "countries"):
            started = time.perf_counter()
            result = analyse(views[name])
            step(f"analyse {name} (all measures, louvain)", started,
                 f"{len(result.communities):,} communities; " + "; ".join(result.notes)[:160])
        started = time.perf_counter()
        people = sorted(n for n, a in actors.nodes(data=True) if a.get("kind") == "person")
        chains = shortest_chains(actors, people[0], people[-1], limit=5)
        step("path (first to last person)", started, f"{len(chains[0].hops) if chains else 0} hops")
        for fmt in VIEW_FORMATS:
            target = work / f"actors{fmt.extensions[0]}"
            started = time.perf_counter()
            export_view(actors, fmt, target)
            step(f"export actors as {fmt.name}", started, f"{target.stat().st_size / 2**20:,.1f} MiB")
    finally:
        for child in work.iterdir():  # exports, and the temporary store unless --keep
            if args.keep and child == store_dir:
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        if not any(work.iterdir()):
            work.rmdir()
        if args.keep:
            print(f"kept the store {store_dir}", file=sys.stderr)
    print("\n| step | seconds | detail |\n|---|---:|---|")
    for name, seconds, detail in rows:
        print(f"| {name} | {seconds:.2f} | {detail} |")
    print(f"\npeak resident memory: {_peak_mib():,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
