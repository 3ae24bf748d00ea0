"""kg.store.sparql_text.surely_well_typed never calls sure a literal that the engine's casts
(ill_typed_query, what kg import and kg validate count) find ill-typed."""

from __future__ import annotations

import random

import pyoxigraph as ox
from rdflib import URIRef

from kg.store.sparql_text import CHECKED_DATATYPES, ill_typed_query, surely_well_typed

XSD = "http://www.w3.org/2001/XMLSchema#"
GRAPH = "https://example.org/graph/typed"


def candidates(rng: random.Random) -> list[str]:
    """Lexical forms near the edges of what the sure forms allow, valid and not."""
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    forms = ["0", "-0", "+0", "1", "00012", "true", "false", "1", "0", "INF", "-INF", "+INF", "NaN", "nan",
             "1e999", "1E-999", "1e9999", ".5", "5.", "-.5", "1.0e5", "1e", "e5", " 1", "1 ", "", "abc",
             "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999",
             "2024-02-29", "2023-02-29", "2023-02-28", "0000-01-01", "9999-12-31", "10000-01-01",
             "-0001-01-01", "2023-13-01", "2023-00-10", "2023-1-01",
             "2023-05-25T00:00:00", "2023-05-25T23:59:59.999999999", "2023-05-25T24:00:00",
             "2023-05-25T12:00:00Z", "2023-05-25T12:00:00+13:59", "2023-05-25T12:00:00+14:00",
             "2023-05-25T12:00:00-23:00", "2023-05-25T12:60:00", "2023-05-25T12:00:60", "2023-05-25 12:00:00",
             "12:00:00", "P1D", "PT1H", "P1Y2M"]
    for _ in range(300):
        integer, fraction = digits(rng.randint(1, 20)), digits(rng.randint(0, 20))
        sign = rng.choice(["", "-", "+"])
        forms += [sign + integer, f"{sign}{integer}.{fraction}", f"{sign}{integer}e{rng.choice(['', '-'])}{digits(rng.randint(1, 4))}"]
        forms.append(f"{digits(4)}-{digits(2)}-{digits(2)}")
        forms.append(f"{digits(4)}-{rng.randint(1, 12):02}-{rng.randint(1, 31):02}T{rng.randint(0, 24):02}:"
                     f"{rng.randint(0, 60):02}:{rng.randint(0, 60):02}{rng.choice(['', 'Z', '+01:00', '-14:00'])}")
    return forms


def test_no_literal_called_sure_is_found_ill_typed() -> None:
    forms = candidates(random.Random(2012))
    store = ox.Store()
    graph = ox.NamedNode(GRAPH)
    sure: dict[tuple[str, str], bool] = {}
    for i, form in enumerate(forms):
        for name in CHECKED_DATATYPES:
            datatype = XSD + name
            sure[(form, datatype)] = surely_well_typed(form, datatype)
            store.add(ox.Quad(ox.NamedNode(f"http://e/{i}"), ox.NamedNode(f"http://e/{name}"),
                              ox.Literal(form, datatype=ox.NamedNode(datatype)), graph))
    query = ill_typed_query([URIRef(GRAPH)]).replace("(COUNT(?o) AS ?n) (SAMPLE(?o) AS ?example)", "DISTINCT ?o")
    found = {(row[0].value, row[0].datatype.value) for row in store.query(query)}
    assert found, "the engine finds none of these ill-typed: the test would prove nothing"
    called_sure = sorted(key for key in found if sure[key])
    assert called_sure == []
    well_typed = [key for key in sure if key not in found]
    assert sum(sure[key] for key in well_typed) > 0.8 * len(well_typed)  # and most well-typed ones are sure


def test_sure_forms_of_each_family() -> None:
    assert surely_well_typed("2012-12-05", XSD + "date")
    assert surely_well_typed("12", XSD + "integer") and surely_well_typed("-1.5", XSD + "decimal")
    assert surely_well_typed("1.0e5", XSD + "double") and surely_well_typed("true", XSD + "boolean")
    assert surely_well_typed("anything", XSD + "string") and surely_well_typed("x", XSD + "int")  # not checked
    assert not surely_well_typed("abc", XSD + "integer")
    assert not surely_well_typed("2023-02-29", XSD + "date")
    assert not surely_well_typed("12:00:00", XSD + "time")  # well-typed, but only the engine says so


def test_import_scans_for_ill_typed_literals_only_when_a_literal_is_not_sure(tmp_path, monkeypatch) -> None:
    import kg.importer as importer
    from kg.store import Store

    scans: list[tuple] = []
    real_scan = importer._ill_typed
    monkeypatch.setattr(importer, "_ill_typed", lambda store, graphs: scans.append(graphs) or real_scan(store, graphs))
    sure = tmp_path / "sure.nt"
    sure.write_text(f'<http://e/a> <http://e/n> "12"^^<{XSD}integer> .\n<http://e/a> <http://e/d> "2012-12-05"^^<{XSD}date> .\n'
                    '<http://e/a> <http://e/l> "a label"@en .\n', encoding="utf-8")
    unsure = tmp_path / "unsure.nt"
    unsure.write_text(f'<http://e/a> <http://e/t> "12:00:00"^^<{XSD}time> .\n', encoding="utf-8")
    ill = tmp_path / "ill.nt"
    ill.write_text(f'<http://e/a> <http://e/n> "abc"^^<{XSD}integer> .\n', encoding="utf-8")
    with Store.open(tmp_path / "store") as store:
        first = importer.import_file(sure, store)
        assert (first.ill_typed, scans) == (0, [])  # every literal sure: no scan
        assert importer.import_file(unsure, store).ill_typed == 0 and len(scans) == 1  # scanned, and well-typed
        found = importer.import_file(ill, store)
        assert found.ill_typed == 1 and "abc" in found.ill_typed_example and len(scans) == 2
        again = importer.import_file(sure, store)  # a graph the store holds: the replacing path
        assert again.ill_typed == 0 and len(scans) == 2
