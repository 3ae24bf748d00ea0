"""Graph views, analysis and exports: the network behind the triples.

* ``kg.graph.views`` — named projections of the store onto networkx graphs (``build_view``);
* ``kg.graph.analysis`` — centrality, communities, components, scores written back as triples;
* ``kg.graph.paths`` — the shortest chains between two nodes, with the sentence behind each hop;
* ``kg.graph.focus`` — a view cut down by kind, degree and PageRank rank, quotations folded;
* ``kg.graph.layout`` — deterministic node positions for drawings;
* ``kg.graph.exports`` — GraphML, GEXF, node-link JSON, Cytoscape.js JSON, Graphviz DOT, a
  self-contained interactive HTML page, PNG and SVG pictures.

Importing this package does nothing but define ``VIEWS``; its modules import networkx, and
matplotlib and scipy are loaded only by the functions that need them.
"""

from __future__ import annotations

__all__ = ["VIEWS"]

VIEWS: dict[str, str] = {
    "actors": "persons, organisations, countries, agreements, events and quotations with typed relations",
    "membership": "the bipartite graph of agreements and their members",
    "countries": "countries linked by the agreements they share (weight = shared agreements)",
    "provenance": "facts → sentences → articles, for audit",
}
"""View name → what it shows, in the order they are listed to users (built by ``kg.graph.views``)."""
