"""The synthetic world holds what later stages are measured on: every event kind, hubs, notes, teams."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from clearpicture import standard, synth
from clearpicture.synth.pool import areas, name_pool


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.generate("small", 11, tmp_path_factory.mktemp("synth") / "small")


def test_every_event_kind_and_disruption_type_occurs(world: Path) -> None:
    ev = _read(world / "events.csv")
    assert {"crime", "intelligence", "referral", "missing_episode", "health_contact", "arrest", "disruption",
            "incident"} <= set(ev.kind)
    assert {"CAWN", "SHPO"} <= set(ev.disruption_type)
    grading = ev.grading[ev.kind == "intelligence"]
    assert grading.str.fullmatch(r"[A-E][1-3][PC]").all()


def test_cse_crimes_use_child_sexual_offence_codes_and_flags_are_incomplete(world: Path) -> None:
    cases = _read(world / "truth" / "cases.csv")
    ev = _read(world / "events.csv")
    crimes = cases[(cases.kind == "crime") & (cases.is_cse == "true")].merge(ev, on=["source", "event_id"])
    codes = standard.offence_codes()
    # all sexual offences (bar the few codes deliberately corrupted for validation to find)
    assert crimes.offence_code.map(lambda c: codes.get(c, ("", False, False))[1]).mean() > 0.97
    flagged = crimes.cse_flagged == "true"
    assert 0.4 < flagged.mean() < 0.95  # under-flagging is planted and recorded
    assert (crimes["flags"].str.contains("CSE") == flagged).all()
    assert (cases.gbcse_flagged == "true").any()
    # ordinary crime far outnumbers exploitation
    assert (cases.is_cse == "false").sum() > 3 * (cases.is_cse == "true").sum()


def test_outcomes_are_home_office_codes_with_dates(world: Path) -> None:
    ev = _read(world / "events.csv")
    crimes = ev[(ev.kind == "crime") & (ev.outcome != "")]
    assert set(crimes.outcome) <= {"1", "2", "8", "10", "14", "15", "16", "18", "20", "21"}
    assert (crimes.outcome_at != "").all()


def test_hub_places_are_shared_by_many_unrelated_people(world: Path) -> None:
    locs = _read(world / "truth" / "locations.csv")
    hubs = set(zip(locs[locs.is_hub == "true"].source, locs[locs.is_hub == "true"].location_id, strict=True))
    links = _read(world / "links.csv")
    visits = links[(links.to_type == "location") & (links.role == "visited")]
    at_hub = visits[[k in hubs for k in zip(visits.source, visits.to_id, strict=True)]]
    truth = _read(world / "truth" / "persons.csv")
    people = _read(world / "truth" / "people.csv").set_index("true_person")
    merged = at_hub.merge(truth, left_on=["source", "from_id"], right_on=["source", "person_id"])
    groups = people.loc[merged.true_person, "group_id"]
    assert merged.true_person.nunique() >= 20
    assert (groups == "").mean() > 0.5  # mostly people with no part in any group


def test_notes_mix_child_centred_victim_blaming_and_hard_negatives(world: Path) -> None:
    notes = _read(world / "notes.csv")
    truth = _read(world / "truth" / "notes.csv")
    assert len(notes) == len(truth) > 100
    assert set(truth.category) >= {"child_centred", "victim_blaming", "neutral"}
    assert truth.category.isin(["negation", "reported_speech", "correction"]).any()
    assert (notes.team != "").all() and (notes.author != "").all()
    length = notes.text.str.len()
    assert 150 < length.mean() < 450
    blame = notes.merge(truth, on=["source", "note_id"])
    assert blame[blame.victim_blaming == "true"].text.str.contains(
        "risk|boyfriend|prostituting|promiscuous|consented|streetwise|lifestyle").all()


def test_weaker_teams_are_planted_and_recorded(world: Path) -> None:
    inv = json.loads((world / "truth" / "investigations.json").read_text())
    assert len(inv["forces"]) == 2 and all(f["weaker_teams"] for f in inv["forces"])
    cases = _read(world / "truth" / "cases.csv")
    cse = cases[(cases.is_cse == "true") & (cases.kind == "crime") & (cases.outcome != "")]
    weak = cse[cse.weaker_team == "true"].outcome.isin(["14", "15", "16"]).mean()
    strong = cse[cse.weaker_team == "false"].outcome.isin(["14", "15", "16"]).mean()
    assert weak > strong


def test_victim_counts_add_up(world: Path) -> None:
    v = json.loads((world / "truth" / "victims.json").read_text())
    groups = _read(world / "truth" / "people.csv")
    assert v["total_victims"] == groups.role.isin(["group_victim", "lone_victim"]).sum()
    assert v["observed_total"] + v["unobserved"] == v["total_victims"]
    assert v["unobserved"] > 0


def test_name_pool_is_diverse_with_variants() -> None:
    pool = name_pool()
    assert len(pool.forenames_f) + len(pool.forenames_m) >= 200 and len(pool.surnames) >= 200
    assert "Muhammad" in pool.variant_list("forename:Mohammed")
    assert "Kasia" in pool.variant_list("forename:Katarzyna")
    assert "Beth" in pool.variant_list("forename:Elizabeth")


def test_areas_are_fictional_with_unique_codes() -> None:
    a = areas()
    assert len(a) == 43
    assert len({x.police_code for x in a}) == 43 and len({x.postcode_area for x in a}) == 43
    assert a[0].police_code == "NMP" and a[0].force_name == "Northmoor Police"


def test_protected_characteristics_are_independent_of_role(world: Path) -> None:
    people = _read(world / "truth" / "people.csv")
    ordinary = people[people.role == "ordinary"].ethnicity_self.value_counts(normalize=True)
    offenders = people[people.role.isin(["group_offender", "lone_offender"])]
    # the commonest category overall is also the commonest among offenders: no planted association
    assert offenders.ethnicity_self.value_counts().index[0] == ordinary.index[0]


def test_some_groups_are_also_recorded_by_the_neighbouring_force(tmp_path: Path) -> None:
    out = synth.write_scenario(synth.Scenario("two-forces", 2, 30_000, "csv"), 5, tmp_path / "x")
    cross = json.loads((out / "truth" / "scenario.json").read_text())["cross_force_groups"]
    assert cross
    truth = _read(out / "truth" / "persons.csv")
    people = _read(out / "truth" / "people.csv").set_index("true_person")
    forces = set(_read(out / "sources.csv").query("kind == 'police'").source)
    police = truth[truth.source.isin(forces)]
    offenders = police[people.loc[police.true_person, "role"].to_numpy() == "group_offender"]
    in_two = offenders.groupby("true_person").source.nunique()
    assert (in_two == 2).sum() >= len(cross)


def test_taxi_firm_phone_links_offenders_and_many_unrelated_people(world: Path) -> None:
    objs = _read(world / "truth" / "objects.csv")
    taxi = set(zip(*objs[objs.true_object.str.endswith(":hub-taxi")][["source", "object_id"]].T.values, strict=True))
    links = _read(world / "links.csv")
    users = links[[(s, t) in taxi for s, t in zip(links.source, links.to_id, strict=True)]]
    truth = _read(world / "truth" / "persons.csv").merge(
        users, left_on=["source", "person_id"], right_on=["source", "from_id"])
    roles = _read(world / "truth" / "people.csv").set_index("true_person").loc[truth.true_person, "role"]
    assert (roles == "ordinary").sum() >= 10
    assert roles.isin(["group_offender", "lone_offender"]).any()
