"""kg: turn news articles about international cooperation into an RDF knowledge graph.

Importing this package does no I/O; every capability lives in a submodule:
``kg.reading`` (files → Article), ``kg.extract`` (Article → Facts), ``kg.rdf`` (Facts → triples),
``kg.store`` (named graphs on disk, in memory or on a SPARQL server), ``kg.query`` (named SPARQL queries),
``kg.validate`` (SHACL), ``kg.build`` (the pipeline), ``kg.link`` (Wikidata, GeoNames, ISO),
``kg.graph`` (networkx views, analysis, network exports), ``kg.server`` (``kg serve``) and ``kg.cli`` (the ``kg`` command, one module per command).
"""

__version__ = "0.1.0"
