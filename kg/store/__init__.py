"""The quad store: named graphs on disk (Oxigraph), in memory, or on a SPARQL server.

Being reorganised into a package; for now every name of the former ``kg.store`` module is
here, from :mod:`kg.store.embedded`.
"""

from __future__ import annotations

import os  # noqa: F401 - kg.store.os is reached by tests that slow the lock's writes

from kg.store.embedded import *  # noqa: F403
from kg.store.embedded import __all__  # noqa: F401
from kg.store.embedded import CHECKED_DATATYPES, ill_typed_query  # noqa: F401
