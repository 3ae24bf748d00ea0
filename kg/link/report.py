"""Printing a :class:`kg.link.linker.LinkReport`: a summary line, and the full report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from kg.link.linker import LinkReport
from kg.link.resolve import Resolution
from kg.link.vocab import qid

__all__ = ["summary", "write_report"]


def _count(report: LinkReport, kind: str) -> str:
    everyone = [r for r in report.resolutions if r.actor.kind == kind]
    linked = [r for r in everyone if r.item is not None]
    plural = {"country": "countries", "organisation": "organisations", "person": "persons"}[kind]
    return f"{len(linked)} of {len(everyone)} {plural}"


def summary(report: LinkReport, where: str) -> str:
    """One paragraph: what was linked, inferred and checked, and where it was written."""
    parts = ", ".join(_count(report, kind) for kind in ("country", "organisation", "person"))
    lines = [f"Linked {parts} ({len(report.ambiguous)} ambiguous) using the {report.source}"]
    groups = [e for e in report.expansions if e.members]
    lines.append(f"Inferred {report.inferred} member(s) from {len(groups)} group(s); "
                 f"{report.places} place(s) linked to GeoNames; "
                 f"{len(report.contradictions)} role contradiction(s)")
    lines.append(f"→ graph <{report.graph}> ({report.triples} triples) in store {where}")
    return "\n".join(lines)


def _table(rows: Sequence[Sequence[str]], out: TextIO, indent: str = "  ") -> None:
    if not rows:
        out.write(f"{indent}(none)\n")
        return
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write(indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")


_KINDS = {"country": 0, "organisation": 1, "person": 2}


def _sorted(resolutions: list[Resolution]) -> list[Resolution]:
    return sorted(resolutions, key=lambda r: (_KINDS.get(r.actor.kind, 9), r.actor.label.casefold(), str(r.actor.iri)))


def _short(resolution: Resolution) -> str:
    return qid(resolution.item) or (str(resolution.item) if resolution.item else "")


def write_report(report: LinkReport, out: TextIO) -> None:
    """The full report: linked, unlinked and ambiguous actors, inferred members, role checks."""
    out.write(f"Source: {report.source}\n")
    out.write(f"\nLinked ({len(report.linked)}):\n")
    _table([[r.actor.kind, r.actor.label, _short(r), r.how] for r in _sorted(report.linked)], out)
    out.write(f"\nUnlinked ({len(report.unlinked)}):\n")
    _table([[r.actor.kind, r.actor.label, r.reason] for r in _sorted(report.unlinked)], out)
    out.write(f"\nAmbiguous ({len(report.ambiguous)}):\n")
    _table([[r.actor.kind, r.actor.label, r.reason] for r in _sorted(report.ambiguous)], out)
    out.write("\nGroups expanded:\n")
    rows = []
    for expansion in report.expansions:
        date = expansion.date.isoformat() if expansion.date else "no date"
        members = ", ".join(m.iso3 for m in expansion.members) or expansion.note
        skipped = "; ".join(f"{m.iso3} ({why})" for m, why in expansion.skipped)
        rows.append([expansion.mention.agreement_label, f"{qid(expansion.group)} as of {date}",
                     f"{len(expansion.members)} inferred: {members}" + (f"; not inferred: {skipped}" if skipped else "")])
    _table(rows, out)
    out.write("\nRoles at the date:\n")
    _table([[c.name, c.role, c.date.isoformat() if c.date else "undated", c.verdict, c.detail]
            for c in report.role_checks], out)
