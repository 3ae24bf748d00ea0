"""Locating the files kg ships with: the ontology, the SHACL shapes, the named queries, data.

Installed from a wheel they sit inside the package (``kg/ontology``, ``kg/queries``,
``kg/data``); in a source checkout ``ontology/`` and ``queries/`` sit next to the ``kg``
package directory. ``resource_path`` looks in that order and is the only place that knows it.
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import KgError

__all__ = ["resource_path"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    """The path of a bundled file or directory, e.g. ``resource_path("queries", "members.rq")``.

    Looks in the installed package (``kg/<parts>``) first, then in the source tree (the
    directory holding the ``kg`` package). Raises ``KgError`` when neither has it.
    """
    if not parts:
        raise KgError("resource_path needs a path, e.g. resource_path('ontology', 'kg.ttl')")
    relative = Path(*parts)
    if relative.is_absolute() or ".." in relative.parts:
        raise KgError(f"resource {relative} must be a relative path inside the kg resources")
    candidates = [_PACKAGE_DIR / relative, _PACKAGE_DIR.parent / relative]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise KgError(
        f"bundled resource {relative} not found (looked in {looked}); reinstall kg or check the checkout"
    )
