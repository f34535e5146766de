"""Definition files: the shipped ones load with their citations; invalid ones give one-line errors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from clearpicture.definitions import load_definition, shipped_definitions
from clearpicture.errors import ConfigError

SHIPPED = shipped_definitions()


def test_ships_the_required_definitions_with_citations_and_wording() -> None:
    for needed in ("cse-dfe-2017", "gbcse-iicsa-2019", "gbcse-multi-suspect", "gbcse-victim-window",
                   "gbcse-network"):
        d = SHIPPED[needed]
        assert d.version and len(d.citation) > 40 and d.wording and d.operationalisation
    assert "2017" in SHIPPED["cse-dfe-2017"].citation
    assert "imbalance of power" in SHIPPED["cse-dfe-2017"].wording
    assert "two or more individuals" in SHIPPED["gbcse-iicsa-2019"].wording
    assert SHIPPED["gbcse-iicsa-2019"].group_based and not SHIPPED["cse-dfe-2017"].group_based


def test_victims_must_be_under_18_in_every_shipped_definition() -> None:
    assert all(d.victim_age_limit == 18 for d in SHIPPED.values())


def _write(tmp_path: Path, doc: object, name: str = "local.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc) if not isinstance(doc, str) else doc)
    return p


def _valid() -> dict[str, object]:
    res = resources.files("clearpicture.definitions") / "data" / "definitions" / "30-gbcse-multi-suspect.yaml"
    return dict(yaml.safe_load(res.read_text(encoding="utf-8")))


def test_loads_a_local_definition_file(tmp_path: Path) -> None:
    doc = _valid()
    doc["id"] = "local-gbcse"
    d = load_definition(_write(tmp_path, doc))
    assert d.id == "local-gbcse" and [leaf.key for leaf in d.criteria.leaves()][-1] == "min_suspects_per_event"


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d.update(citaton="x"), "citaton"),
        (lambda d: d.pop("citation"), "citation"),
        (lambda d: d.update(criteria={"min_suspects_per_event": 0}), "criteria.min_suspects_per_event"),
        (lambda d: d.update(criteria={"flags_any": ["CSE"], "victim_age_under": 18}), "criteria"),
        (lambda d: d.update(criteria={"offence_codes_any": ["99/99"]}), "99/99"),
        (lambda d: d.update(criteria={"all": [{"victim_age_undr": 18}]}), "victim_age_undr"),
        (lambda d: d.update(case_kinds=["crim"]), "case_kinds"),
        (lambda d: d.update(id="Bad Id"), "id"),
    ],
)
def test_invalid_definition_gives_one_line_error_naming_the_key(tmp_path: Path, change: object, key: str) -> None:
    doc = _valid()
    change(doc)  # type: ignore[operator]
    path = _write(tmp_path, doc)
    with pytest.raises(ConfigError) as err:
        load_definition(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and key in msg


def test_not_yaml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_definition(_write(tmp_path, "id: [unclosed"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_definition(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="top level"):
        load_definition(_write(tmp_path, "- just a list"))
