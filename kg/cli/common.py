"""Helpers shared by the command modules: the store option and ``--param`` parsing."""

from __future__ import annotations

import argparse
import os

from kg.errors import UsageError

DEFAULT_STORE = "kg-store"


def store_path(args: argparse.Namespace) -> str | None:
    """The store the user asked for: ``--memory`` → None, else --store, $KG_STORE, ./kg-store."""
    if getattr(args, "memory", False):
        return None
    return args.store or os.environ.get("KG_STORE") or DEFAULT_STORE


def add_store_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", metavar="PATH",
                   help=f"store directory (default: $KG_STORE or ./{DEFAULT_STORE})")


def parse_params(items: list[str]) -> dict[str, str]:
    """``["name=value", ...]`` → ``{"name": "value"}``; a leading ? or $ on a name is dropped."""
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param wants NAME=VALUE, got {item!r}")
        params[name.strip().lstrip("?$")] = value
    return params
