"""kg: turn news articles about international cooperation into an RDF knowledge graph.

The Python front door is four functions (:mod:`kg.api`), imported lazily::

    import kg
    store = kg.open("my-kg")                  # a folder, a SPARQL endpoint URL, or None: memory
    report = kg.build(["news/"], store=store)  # the same options as kg build
    rows = kg.query("members", store=store, memberLabel="Albania")
    facts = kg.extract(text)                   # typed records with evidence, no store

Importing this package does no I/O and loads nothing heavy; every capability lives in a
submodule: ``kg.reading`` (files → Article), ``kg.extraction`` (Article → Facts), ``kg.rdf``
(Facts → triples), ``kg.store`` (named graphs on disk, in memory or on a SPARQL server),
``kg.builder`` (the pipeline), ``kg.sparql`` (named SPARQL queries and their answers),
``kg.validate`` (SHACL), ``kg.link`` (Wikidata, GeoNames, ISO), ``kg.graph`` (networkx views,
analysis, network exports), ``kg.server`` (``kg serve``) and ``kg.cli`` (the ``kg`` command,
one module per command).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["Rows", "__version__", "build", "extract", "open", "query", "sample_article"]

_API = frozenset({"Rows", "build", "extract", "open", "query", "sample_article"})


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    from kg import api

    value = getattr(api, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
