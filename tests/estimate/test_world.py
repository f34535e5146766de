"""The agency lists on the shared synthetic world, measured against its truth (read here only to measure).

The `small` scenario plants social-care referrals flagged CSE by mistake (truth: not exploitation).
Under the default evidence rule fewer of those children are on the lists than under the bare
definition, while the true victims the police recorded crimes against all stay.
"""

from __future__ import annotations

from clearpicture.estimate.lists import records_cte_sql
from world import World


def _listed(world: World, rule: str) -> tuple[set[str], set[str], set[str]]:
    """(entities listed, entities none of whose records is a true victim's, true victims listed)."""
    persons, people = world.truth / "persons.csv", world.truth / "people.csv"
    with world.open() as store:
        rows = store.sql(records_cte_sql(True, rule) + f"""
            SELECT r.entity_id, tp.true_person, coalesce(tpe.role LIKE '%victim', false) AS victim
            FROM records r
            LEFT JOIN read_csv('{persons}', all_varchar = true) tp
                ON tp.source = r.source AND tp.person_id = r.person_id
            LEFT JOIN read_csv('{people}', all_varchar = true) tpe ON tpe.true_person = tp.true_person""",
                         ["cse-dfe-2017"] * (1 if rule == "records" else 2))
    listed = {e for e, _, _ in rows}
    with_victim = {e for e, _, v in rows if v}
    return listed, listed - with_victim, {p for _, p, v in rows if v}


def test_substantiated_lists_drop_most_mistaken_referrals_and_keep_the_victims(small_world: World) -> None:
    listed, not_victims, victims = _listed(small_world, "substantiated")
    listed_def, not_victims_def, victims_def = _listed(small_world, "definition")
    assert not_victims_def, "the scenario plants mistaken CSE referrals"
    assert len(not_victims) < len(not_victims_def)
    assert len(not_victims) <= 0.15 * len(listed)
    assert len(victims) >= 0.85 * len(victims_def)  # the stricter rule loses few true victims entirely
