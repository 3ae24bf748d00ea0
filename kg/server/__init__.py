"""``kg serve``: the store over HTTP, as a SPARQL 1.1 Protocol endpoint with a web page.

* :mod:`kg.server.protocol` — requests, content negotiation, ``SERVICE``/``LOAD`` vetting,
  the service description (no I/O);
* :mod:`kg.server.workers` — worker processes that run each query under a time limit and
  a memory cap;
* :mod:`kg.server.app` — the ASGI application (routes, the protocol, who may ask) and the
  HTTP server that runs it (uvicorn, from the ``server`` extra), with the bundled web page
  in ``static/``.

``serve(config)`` runs a server until interrupted. Importing this package starts nothing
and imports no HTTP server library (``import kg`` does not import this package).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable

from kg.server.app import ServerConfig, SparqlServer, make_server

__all__ = ["ServerConfig", "SparqlServer", "make_server", "serve"]


def serve(config: ServerConfig, *, on_ready: Callable[[SparqlServer], None] | None = None) -> None:
    """Run the server until SIGINT or SIGTERM; ``on_ready`` is called once it is listening."""
    server = make_server(config)
    stop = threading.Event()

    def shut_down(_signum: int, _frame: object) -> None:
        """The SIGINT/SIGTERM handler: ask the server to stop; a second signal does nothing more."""
        if not stop.is_set():
            stop.set()
            server.shutdown()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, shut_down)
    try:
        if on_ready is not None:
            on_ready(server)
        server.serve_forever()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.server_close()
        sys.stderr.flush()
