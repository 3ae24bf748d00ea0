"""Temporary: the remote store now lives in :mod:`kg.store.remote`; import it from there
(or from :mod:`kg.store`). This module only re-exports its public names."""

from kg.store.remote import (  # noqa: F401
    ENV,
    STAGING_PREFIX,
    RemoteSettings,
    RemoteStore,
    StoreURL,
    guess_update_endpoint,
    read_secret_file,
)
from kg.store.remote import __all__  # noqa: F401
