"""Synthetic corpus generator: a real corpus replicated K times with varied names, as JSON Lines.

Usage::

    python bench/synthetic.py CORPUS --copies K --out FILE.jsonl[.gz] [--seed N]

CORPUS is anything ``kg build`` reads (e.g. ``../shared/data/bbc-news``). Copy 0 is the corpus
as it is; in copy k ≥ 1 every person the extractor finds in an article is renamed — the full
name and every shorter form of it (surname, "Ms Surname") — to a generated name that depends
on (seed, k, original name), so the same person keeps one new name across the articles of a
copy, as in a real archive, and different copies have different people. Countries and
organisations keep their names (they are a closed world). Each article of copy k gets a URL
``https://synthetic.invalid/copy-k/<hash>``, so every copy of every article is a distinct
article with its own graph, even when it names nobody.

Copies are written one after the other (the whole corpus, then the whole corpus again, ...),
like an archive that keeps growing. Memory is bounded by the base corpus's list of names,
never by the output: the corpus is read once to find the names, then once per copy.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.reading.article import Article
from kg.reading.sources import iter_articles

SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "to", "vi", "dan", "el", "ro", "na", "bel", "cor", "ti", "ma",
             "lu", "ser", "va", "ni", "os", "tek", "ul", "ha", "jo", "pe", "ri", "zan", "go", "fe", "li")


def _pick(seed: str, count: int) -> list[int]:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return [digest[i] % len(SYLLABLES) for i in range(count)]


def synthetic_word(seed: str, syllables: int) -> str:
    """A pronounceable capitalised word, the same for the same seed."""
    return "".join(SYLLABLES[i] for i in _pick(seed, syllables)).capitalize()


def renamed(name: str, copy: int, seed: int) -> list[tuple[str, str]]:
    """(old, new) forms of one person's name for ``copy``: the full name, then its last word."""
    parts = name.split()
    new_parts = [synthetic_word(f"{seed}|{copy}|{name}|{i}", 2 + (i == len(parts) - 1)) for i in range(len(parts))]
    pairs = [(name, " ".join(new_parts))]
    if len(parts) > 1:
        pairs.append((parts[-1], new_parts[-1]))
    return pairs


def person_names(corpus: list[str]) -> Iterator[tuple[Article, list[str]]]:
    """Each article of the corpus with the full names of the persons the extractor finds."""
    from kg.extraction import default_extractor
    from kg.extraction.facts import PERSON

    extractor = default_extractor()
    for item in iter_articles(corpus):
        if isinstance(item, InputError):
            print(f"warning: {item}", file=sys.stderr)
            continue
        facts = extractor.extract(item)
        names = sorted({a.name for a in facts.actors.values() if a.kind == PERSON}, key=len, reverse=True)
        yield item, names


def vary(text: str, names: list[str], copy: int, seed: int) -> str:
    """``text`` with every form of every name replaced, longest forms first, whole words only."""
    pairs: dict[str, str] = {}
    for name in names:
        for old, new in renamed(name, copy, seed):
            pairs.setdefault(old, new)
    if not pairs:
        return text
    pattern = re.compile(r"\b(" + "|".join(re.escape(old) for old in sorted(pairs, key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda m: pairs[m.group(1)], text)


def record(article: Article, names: list[str], copy: int, seed: int) -> dict[str, str]:
    """The JSON record of ``article`` in copy ``copy``: title and text (persons in ``names`` renamed
    after copy 0), URL (a synthetic one in copies and for articles without), date and publisher."""
    text = article.text if copy == 0 else vary(article.text, names, copy, seed)
    title = article.title or article.text.split("\n", 1)[0]
    if copy:
        title = vary(title, names, copy, seed)
    key = hashlib.sha1(article.identity.encode("utf-8")).hexdigest()[:16]
    out = {"title": title, "text": text, "url": article.url if copy == 0 and article.url else
           f"https://synthetic.invalid/copy-{copy}/{key}"}
    if article.date:
        out["date"] = article.date.isoformat()
    if article.publisher:
        out["publisher"] = article.publisher
    return out


def generate(corpus: list[str], copies: int, out: Path, seed: int = 0) -> int:
    """Write ``copies`` copies of ``corpus`` to ``out``; returns the number of articles written."""
    started = time.perf_counter()
    names_by_article = [names for _article, names in person_names(corpus)]
    print(f"found persons in {len(names_by_article)} articles in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    opener = gzip.open if out.name.endswith(".gz") else open
    written = 0
    with opener(out, "wt", encoding="utf-8") as f:
        for copy in range(copies):
            articles = (a for a in iter_articles(corpus) if not isinstance(a, InputError))
            for article, names in zip(articles, names_by_article, strict=True):
                f.write(json.dumps(record(article, names, copy, seed), ensure_ascii=False) + "\n")
                written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    """Write the synthetic corpus the command line asks for and report its size on stderr; 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="+", help="article files or directories (e.g. ../shared/data/bbc-news)")
    parser.add_argument("--copies", type=int, default=4, help="how many copies of the corpus (default 4)")
    parser.add_argument("--out", type=Path, required=True, help="output .jsonl or .jsonl.gz")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.copies < 1:
        parser.error("--copies must be at least 1")
    n = generate(args.corpus, args.copies, args.out, args.seed)
    print(f"wrote {n} articles to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
