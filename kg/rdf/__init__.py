"""Facts → RDF: ``iris`` mints every resource IRI, ``mapping`` turns one article's facts into triples.

The vocabulary is ``kg.namespaces`` plus our ontology (``ontology/kg.ttl``); what a valid graph
holds is stated by ``ontology/shapes.ttl`` and checked by ``kg.validate``.
"""

from kg.rdf.mapping import facts_to_graph, facts_to_triples

__all__ = ["facts_to_graph", "facts_to_triples"]
