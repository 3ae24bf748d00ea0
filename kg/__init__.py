"""kg: turn news articles about international cooperation into an RDF knowledge graph.

Importing this package does no I/O; every capability lives in a submodule:
``kg.reading`` (files → Article), ``kg.extract`` (Article → Facts), ``kg.rdf`` (Facts → triples),
``kg.store`` (named graphs on disk or in memory), ``kg.query`` (named SPARQL queries),
``kg.validate`` (SHACL), ``kg.build`` (the pipeline) and ``kg.cli`` (the ``kg`` command).
"""

__version__ = "0.1.0"
