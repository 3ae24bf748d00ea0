"""Helpers shared by the command modules: the store option (a path or a SPARQL endpoint URL,
with its connection options) and ``--param`` parsing."""

from __future__ import annotations

import argparse
import os
import sys

from kg.errors import UsageError

DEFAULT_STORE = "kg-store"

# The remote-store options, by argparse destination; each can also come from the environment
# (kg.store.remote.ENV), and secrets only from the environment, a file or a prompt.
_REMOTE_OPTIONS = ("update_endpoint", "gsp_endpoint", "store_user", "store_password_file", "ask_store_password",
                   "store_token_file", "store_auth", "store_union", "store_timeout", "store_batch")


def store_path(args: argparse.Namespace) -> str | None:
    """The store the user asked for: ``--memory`` → None, else --store, $KG_STORE, ./kg-store.

    A SPARQL endpoint URL comes back as a :class:`kg.store.remote.StoreURL` carrying its
    connection settings (options first, then the environment); ``Store.open`` uses them.
    """
    if getattr(args, "memory", False):
        return None
    location = args.store or os.environ.get("KG_STORE") or DEFAULT_STORE
    from kg.store import is_remote

    if not is_remote(location):
        given = [f"--{name.replace('_', '-')}" for name in _REMOTE_OPTIONS
                 if getattr(args, name, None) not in (None, False)]
        if given:
            raise UsageError(f"{', '.join(given)} apply only to a remote store (--store http://…), "
                             f"not to the store directory {location}")
        return location
    return remote_store_url(location, args)


def remote_store_url(url: str, args: argparse.Namespace):
    """``url`` with the settings the options (else the environment) give, as a ``StoreURL``."""
    from kg.store.remote import ENV, RemoteSettings, StoreURL, read_secret_file

    password = token = None
    if getattr(args, "store_token_file", None):
        token = read_secret_file(args.store_token_file, "token")
    if getattr(args, "store_password_file", None):
        password = read_secret_file(args.store_password_file, "password")
    user = getattr(args, "store_user", None) or os.environ.get(ENV["user"]) or None
    if getattr(args, "ask_store_password", False):
        if not user:
            raise UsageError(f"--ask-store-password needs a user name: --store-user or ${ENV['user']}")
        if not sys.stdin.isatty():
            raise UsageError("--ask-store-password needs a terminal to type the password in; "
                             f"use ${ENV['password']} or --store-password-file instead")
        import getpass

        password = getpass.getpass(f"password for {user} at {url}: ")
    settings = RemoteSettings.from_env(
        update_endpoint=getattr(args, "update_endpoint", None),
        gsp_endpoint=getattr(args, "gsp_endpoint", None),
        user=user,
        password=password,
        token=token,
        auth=getattr(args, "store_auth", None),
        union=getattr(args, "store_union", None),
        timeout=getattr(args, "store_timeout", None),
        batch_size=getattr(args, "store_batch", None),
    )
    return StoreURL(url, settings)


def add_store_option(p: argparse.ArgumentParser) -> None:
    """``--store`` and the remote-store options; these parse everywhere but are explained once,
    in ``kg help remote``, so that every command's ``--help`` stays short."""
    p.add_argument("--store", metavar="PATH|URL",
                   help=f"store directory, or the URL of a SPARQL query endpoint "
                        f"(default: $KG_STORE or ./{DEFAULT_STORE}; a URL's connection options: kg help remote)")
    add_remote_options(p, shown=False)


REMOTE_TITLE = "remote store (--store http://…)"
REMOTE_DESCRIPTION = ("Every command that takes --store takes these options too. Credentials never go on the "
                      "command line: the password comes from $KG_STORE_PASSWORD, --store-password-file or "
                      "--ask-store-password; a bearer token from $KG_STORE_TOKEN or --store-token-file.")


def remote_help() -> str:
    """The text of ``kg help remote``: the remote-store options, with their help."""
    parser = argparse.ArgumentParser(prog="kg", usage="kg COMMAND --store URL [remote store options]",
                                     add_help=False)
    add_remote_options(parser)
    return parser.format_help()


def add_remote_options(p: argparse.ArgumentParser, *, shown: bool = True) -> None:
    """Connection options for a remote store; secrets are read from files, a prompt or the environment.

    ``shown=False`` adds them without help text (``kg help remote`` shows it)."""
    g = p.add_argument_group(REMOTE_TITLE, REMOTE_DESCRIPTION) if shown else p

    def add(*names: str, help: str, **kwargs) -> None:  # noqa: A002 - argparse's own name
        g.add_argument(*names, help=help if shown else argparse.SUPPRESS, **kwargs)

    add("--update-endpoint", metavar="URL",
        help="SPARQL Update endpoint (default: $KG_UPDATE_ENDPOINT, else the service description, "
             "else …/query → …/update, else the query URL)")
    add("--gsp-endpoint", metavar="URL",
        help="Graph Store Protocol endpoint to load graphs through (default: $KG_GSP_ENDPOINT; "
             "without one, SPARQL Update only)")
    add("--store-user", metavar="USER", help="user name for HTTP authentication (default: $KG_STORE_USER)")
    add("--store-password-file", metavar="FILE", help="read the password from the first line of FILE")
    add("--ask-store-password", action="store_true", help="type the password at a prompt")
    add("--store-token-file", metavar="FILE", help="read a bearer token from the first line of FILE")
    add("--store-auth", choices=("basic", "digest"), default=None,
        help="HTTP authentication scheme for the user and password (default: $KG_STORE_AUTH or basic)")
    add("--store-union", choices=("auto", "kg", "server"), default=None,
        help="who keeps the default graph the union of the named graphs: kg (writes it) or the "
             "server (Virtuoso, GraphDB, union-default-graph setups); auto asks the service "
             "description (default: $KG_STORE_UNION or auto)")
    add("--store-timeout", type=float, metavar="SECONDS",
        help="time limit of each HTTP request (default: $KG_STORE_TIMEOUT or 60)")
    add("--store-batch", type=int, metavar="N",
        help="most triples sent in one write request (default: $KG_STORE_BATCH or 5000)")


def parse_params(items: list[str]) -> dict[str, str]:
    """``["name=value", ...]`` → ``{"name": "value"}``; a leading ? or $ on a name is dropped."""
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param wants NAME=VALUE, got {item!r}")
        params[name.strip().lstrip("?$")] = value
    return params
