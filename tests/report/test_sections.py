"""The profile's figures agree with each other and with the tables they come from; the partner
version quotes no small count anywhere (tables, rates, running text)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from clearpicture.report import build_sections, queries
from clearpicture.report.model import Context, Section
from clearpicture.report.sections_findings import estimate as estimate_section
from clearpicture.store import Store
from world import World


@pytest.fixture(scope="module")
def store(small_world: World) -> Iterator[Store]:
    with small_world.open() as s:
        yield s


@pytest.fixture(scope="module")
def partner(store: Store) -> dict[str, Section]:
    return {s.id: s for s in build_sections(store, "partner")}


@pytest.fixture(scope="module")
def inside(store: Store) -> dict[str, Section]:
    return {s.id: s for s in build_sections(store, "operational")}


def test_headline_people_are_the_people_the_scale_table_counts(store: Store) -> None:
    """The summary, the scale table, the age table and the ethnicity tables count the same children."""
    o = queries.overview(store)
    scale = {r["definition_id"]: r for r in store.dicts("SELECT * FROM definition_summary")}[queries.CSE_DEFINITION]
    assert o["victims"] == scale["victims"] and o["suspects"] == scale["offenders"]
    assert o["cases"] == scale["cases"]
    ages = queries.age_sex_profile(store)
    groups = queries.ethnicity_aggregates(store)
    recording = {r["role"]: r["people"] for r in queries.ethnicity_recording(store)}
    for role, total in (("victim", o["victims"]), ("suspect", o["suspects"])):
        assert sum(r["people"] for r in ages if r["role"] == role) == total, role
        assert sum(r["people"] for r in groups if r["role"] == role + "s") == total, role
        assert recording[role + "s"] == total, role


def test_scale_table_shows_cases_as_the_headline_does(inside: dict[str, Section], store: Store) -> None:
    table = inside["scale"].tables[0]
    row = next(r for r in table.rows if r["id"] == queries.CSE_DEFINITION)
    assert "cases" in table.columns and row["cases"] == queries.overview(store)["cases"]


def _number_before(text: str, nouns: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(rf"(\d[\d,]*) (?:{nouns})", text)]


def test_partner_text_states_no_small_count(partner: dict[str, Section], store: Store) -> None:
    groups = store.count("group_summary")
    assert groups < 10, "the small world has few groups: the case this test is about"
    text = " ".join(p for s in partner.values() for p in [*s.paragraphs, *s.caveats])
    assert f"{groups} offending groups" not in text
    for n in _number_before(text, "offending groups|child victims|victims|groups"):
        assert n >= 10 and n % 5 == 0, n
    assert "fewer than 10 offending groups" in text.lower()


def test_partner_rates_follow_the_published_counts(partner: dict[str, Section]) -> None:
    """0.00 beside a hidden numerator would say it is 0; a rate of true counts undoes the rounding."""
    measures = partner["quality"].tables[0]
    assert any(r["numerator"] is None for r in measures.rows)
    for r in measures.rows:
        if r["numerator"] is None or r["denominator"] is None:
            assert r["value"] is None, r
        elif r["denominator"]:
            assert r["value"] == round(r["numerator"] / r["denominator"], 2), r
    language = partner["language"].tables[0]
    for r in language.rows:
        assert (r["per_1000"] is None) == (r["notes"] is None or r["flagged_notes"] is None or not r["notes"])


def test_partner_shares_in_the_text_are_shares_of_published_counts(partner: dict[str, Section]) -> None:
    recording = {r["role"]: r for r in partner["ethnicity"].tables[0].rows}
    shares = [p for p in partner["face"].paragraphs if p.startswith("Completeness for")]
    assert shares
    for para in shares:
        row = recording[para.split()[2].rstrip(":")]
        for column, label in (("self_defined_recorded", "self-defined ethnicity recorded for"),
                              ("officer_observed_recorded", "officer-observed for"),
                              ("nationality_recorded", "nationality for")):
            found = re.search(rf"{label} (\d+)%", para)
            if found:
                assert row[column] is not None and row["people"]
                assert int(found.group(1)) == round(100 * row[column] / row["people"]), (para, row)


def test_partner_tables_split_by_role_protect_each_role(partner: dict[str, Section], store: Store) -> None:
    """Each role's total is a headline figure, so one hidden cell per role could be worked out."""
    true = {(r["role"], r["age_band"], r["sex"]): r["people"] for r in queries.age_sex_profile(store)}
    shown = partner["people"].tables[0].rows
    for role in ("victim", "suspect"):
        cells = [r for r in shown if r["role"] == role]
        hidden = [true[(role, r["age_band"], r["sex"])] for r in cells if r["people"] is None]
        if hidden and len(hidden) < len(cells):
            assert len(hidden) >= 2 and sum(hidden) >= 10, (role, hidden)


def test_estimate_says_what_it_stands_on(store: Store) -> None:
    """List sizes, lists holding few children, and candidate models that could not be fitted."""
    run = store.sql("SELECT max_by(run_id, finished_at) FROM runs WHERE stage = 'estimate' AND status = 'ok'")[0][0]
    lists = store.sql("SELECT lists FROM estimate_results WHERE run_id = ? AND stratum = 'all'", [run])[0][0]
    names = re.findall(r'"([^"]+)"', lists)
    patterns = store.sql("SELECT pattern, count FROM estimate_patterns WHERE run_id = ? AND stratum = 'all'", [run])
    sizes = {name: sum(n for p, n in patterns if p[i] == "1") for i, name in enumerate(names)}
    inside = " ".join(estimate_section(Context(store, "operational")).paragraphs)
    for name, n in sizes.items():
        assert f"{name} {n:,}" in inside
    few = [name for name, n in sizes.items() if n < 10]
    warned = re.search(r"Warning: the (.*?) lists? holds? fewer than 10", inside)
    assert (warned is not None and all(name in warned.group(1) for name in few)) if few else warned is None
    tried, fitted = store.sql("SELECT count(*), count(*) FILTER (WHERE admissible) FROM estimate_models "
                              "WHERE run_id = ?", [run])[0]
    if fitted < tried:
        assert f"{tried - fitted} of {tried} candidate models could not be fitted" in inside
    shared = " ".join(estimate_section(Context(store, "partner")).paragraphs)
    listed = shared.split("Victims on each list:")[1].split(".")[0]
    for n in re.findall(r"\d[\d,]*", listed):
        assert int(n.replace(",", "")) >= 10 and int(n.replace(",", "")) % 5 == 0


def test_trends_count_a_gbcse_flag_as_flagged_as_the_definitions_do(small_world: World, tmp_path: Path) -> None:
    """A record flagged GBCSE alone is flagged for the scale table's 'unflagged'; the trend must agree."""
    with small_world.copy(tmp_path) as s:
        s.execute(f"""UPDATE raw_events SET flags = 'GBCSE' WHERE (source, event_id) IN (
            SELECT source, event_id FROM definition_cases WHERE definition_id = '{queries.CSE_DEFINITION}'
            AND meets AND flagged LIMIT 3)""")
        flagged = s.sql(f"""SELECT count(*) FROM definition_cases WHERE definition_id = '{queries.CSE_DEFINITION}'
                            AND meets AND flagged AND occurred_at IS NOT NULL""")[0][0]
        rows = queries.cases_by_quarter(s)
    assert sum(r["flagged"] for r in rows) == flagged


def _two_list_estimate() -> Store:
    """A workspace holding only a stored two-list estimate (police and social care)."""
    s = Store(":memory:")
    with s.run("estimate", {"definition": queries.CSE_DEFINITION, "evidence": "substantiated"}) as result:
        run = result.run_id
        s.execute("""CREATE TABLE estimate_results (run_id VARCHAR, definition VARCHAR, stratum VARCHAR, lists VARCHAR,
            observed BIGINT, estimate DOUBLE, unobserved DOUBLE, lower DOUBLE, upper DOUBLE, level DOUBLE,
            interval_method VARCHAR, model VARCHAR, method VARCHAR, warnings VARCHAR)""")
        s.execute("""INSERT INTO estimate_results VALUES (?, 'cse-dfe-2017', 'all', '["police", "social_care"]', 60,
            90.0, 30.0, 75.0, 120.0, 0.9, 'profile', '', 'fixed', '[]')""", [run])
        s.execute("CREATE TABLE estimate_patterns (run_id VARCHAR, stratum VARCHAR, lists VARCHAR, pattern VARCHAR, "
                  "count BIGINT)")
        for pattern, n in (("10", 30), ("01", 20), ("11", 10)):
            s.execute("INSERT INTO estimate_patterns VALUES (?, 'all', '[]', ?, ?)", [run, pattern, n])
        s.execute("CREATE TABLE estimate_models (run_id VARCHAR, model VARCHAR, admissible BOOLEAN, aic DOUBLE, "
                  "bic DOUBLE, estimate DOUBLE, chosen BOOLEAN)")
        s.execute("INSERT INTO estimate_models VALUES (?, '', TRUE, 10.0, 12.0, 90.0, TRUE)", [run])
    return s


def test_an_estimate_from_two_lists_says_it_assumes_they_are_independent() -> None:
    """Two lists leave no way to test or model how they overlap: the figure rests on an assumption."""
    with _two_list_estimate() as s:
        text = " ".join(estimate_section(Context(s, "operational")).paragraphs)
    assert "police 40; social_care 30" in text
    assert "Warning: only two lists" in text and "independent" in text


def test_the_method_names_only_versions_the_profile_can_produce(inside: dict[str, Section]) -> None:
    from clearpicture.report import AUDIENCES

    text = " ".join(inside["method"].paragraphs).lower()
    for audience in ("public", "partner"):
        assert audience in AUDIENCES or f"{audience} version" not in text, audience


def test_a_suppressed_share_reads_as_a_sentence() -> None:
    """12 child victims, 11 with self-defined ethnicity: the share would disclose the 1 without."""
    from clearpicture import standard
    from clearpicture.report.sections import face_sheet

    code = next(c for c, (_, sexual, child) in standard.offence_codes().items() if sexual and child)
    with Store(":memory:") as s:
        for i in range(12):
            s.execute("INSERT INTO raw_events (source, event_id, kind, offence_code, started_at) "
                      "VALUES ('P', ?, 'crime', ?, TIMESTAMP '2024-03-01 10:00:00')", [f"E{i}", code])
            s.execute("INSERT INTO raw_persons (source, person_id, date_of_birth, ethnicity_self) "
                      "VALUES ('P', ?, DATE '2010-01-01', ?)", [f"V{i}", None if i == 0 else "W1"])
            s.execute("INSERT INTO raw_links (source, from_type, from_id, to_type, to_id, role) "
                      "VALUES ('P', 'person', ?, 'event', ?, 'victim')", [f"V{i}", f"E{i}"])
        text = " ".join(face_sheet(Context(s, "partner")).paragraphs)
    assert "self-defined ethnicity recorded: share suppressed (small numbers)" in text
    assert "for suppressed" not in text and "92%" not in text


def test_partner_trend_is_by_year_so_that_some_of_it_can_be_shown(partner: dict[str, Section], store: Store) -> None:
    quarters = queries.cases_by_quarter(store)
    table = partner["trends"].tables[0]
    assert table.columns[0] == "year"
    assert {r["year"] for r in table.rows} == {q["quarter"][:4] for q in quarters}
    assert any(r["cases"] is not None for r in table.rows)


def test_scope_falls_back_to_the_proxy_when_only_other_definitions_were_applied(small_world: World,
                                                                                 tmp_path: Path) -> None:
    """`definitions --definition gbcse-iicsa-2019` alone must not leave the profile with no cases at all."""
    with small_world.copy(tmp_path) as s:
        for table in ("definition_cases", "definition_victims"):
            s.execute(f"DELETE FROM {table} WHERE definition_id = '{queries.CSE_DEFINITION}'")
        o = queries.overview(s)
        proxy = s.sql(f"""SELECT count(*) FROM raw_events WHERE kind = 'crime' AND (offence_code IN
            ({queries._child_sexual_codes()}) OR list_has_any(string_split(coalesce(flags, ''), '|'), ['CSE', 'GBCSE']))""")
    assert o["cases"] == proxy[0][0] > 0 and o["victims"] > 0
    assert o["scope"].startswith("crimes that are sexual offences against children") and "not applied" in o["scope"]


def test_scale_names_each_definition_source_and_the_stage_notes(small_world: World, tmp_path: Path) -> None:
    """A zero because the network stage has not run must say so; ids alone do not say what was applied."""
    from clearpicture.report.sections import scale

    with small_world.copy(tmp_path) as s:
        s.execute("UPDATE definition_summary SET note = 'network stage not run: no group_members' "
                  "WHERE definition_id = 'gbcse-network'")
        summary = {r["definition_id"]: r for r in s.dicts("SELECT * FROM definition_summary")}
        notes = " ".join(scale(Context(s, "partner")).caveats)
    for d in summary.values():
        assert d["definition_id"] in notes and d["citation"] in notes
    assert "network stage not run: no group_members" in notes


def test_partner_language_table_shows_the_notes_reviewed(partner: dict[str, Section]) -> None:
    """Hiding a team's few flagged notes need not hide how many notes were reviewed: they do not add up."""
    rows = partner["language"].tables[0].rows
    assert any(r["notes"] is not None for r in rows)
    assert all(r["flagged_notes"] is None or r["flagged_notes"] >= 10 for r in rows)


def test_the_estimate_states_its_own_interval_level_and_method() -> None:
    """An interval at 90% must not be printed as a 95% one."""
    with _two_list_estimate() as s:
        text = estimate_section(Context(s, "operational")).paragraphs[0]
    assert "90% interval 75 to 120" in text and "95%" not in text
    assert "profile likelihood" in text and "fixed by the analyst" in text


def test_quality_says_why_its_recording_rates_differ_from_the_summary(inside: dict[str, Section]) -> None:
    """Two different 'ethnicity recorded' figures on one page must say what each counts."""
    assert any("every victim and suspect record" in p and "people in scope" in p for p in inside["quality"].paragraphs)
