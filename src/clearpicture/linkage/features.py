"""Normalised features beside the raw records: SQL builders plus the per-distinct-value lookups.

The bulk of normalisation (case, accents, punctuation, postcodes, dates of birth, the common phone
formats, registration marks) is SQL, so it runs at millions of rows on DuckDB or Spark. What SQL
cannot do well (name variant groups, phonetic keys, unusual phone numbers, e-mail and handles) is
computed in Python once per *distinct* value and joined back as a lookup table. What the standard
keeps outside the person record is gathered per person from ``raw_links``: the address of a place the
person is ``resident`` at, and identity numbers (objects of kind ``other`` the person is ``owner``
of, e.g. a national insurance or social-security number). Raw values are never
changed: outputs are new tables (``entity_person_features``, ``entity_object_features``,
``entity_location_features``). Builders named ``*_sql`` are pure: values and a dialect in, text out.
Ethnicity, nationality and sex are never read here.
"""

from __future__ import annotations

import pyarrow as pa

from ..engine import Dialect, Engine
from . import names
from .normalise import (
    ACCENTS_FROM,
    ACCENTS_TO,
    MULTI_LETTERS,
    clean_name,
    forename_key,
    letters_key,
    normalise_email,
    normalise_handle,
    normalise_phone,
    phonetic_key,
    surname_key,
    surname_parts,
)

__all__ = [
    "PERSON_FEATURES",
    "build_location_features",
    "build_object_features",
    "build_person_features",
    "clean_name_sql",
    "dob_sql",
    "person_clean_sql",
    "person_links_sql",
    "phone_fast_sql",
    "postcode_sql",
]

PERSON_FEATURES = "entity_person_features"
#: The store tables (and columns) :func:`person_links_sql` reads.
PERSON_LINK_INPUTS: dict[str, tuple[str, ...]] = {
    "raw_links": ("source", "from_type", "from_id", "to_type", "to_id", "role"),
    "raw_locations": ("source", "location_id", "address"),
    "raw_objects": ("source", "object_id", "kind", "value"),
}
_POSTCODE_PATTERN = "[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}"


def clean_name_sql(expr: str, d: Dialect) -> str:
    """SQL twin of :func:`normalise.clean_name` (a property test keeps them equal)."""
    s = f"lower({expr})"
    for a, b in MULTI_LETTERS:
        s = f"replace({s}, '{a}', '{b}')"
    s = f"translate({s}, '{ACCENTS_FROM}', '{ACCENTS_TO}')"
    s = d.replace_all(s, "[''’`‘]", "")
    s = d.replace_all(s, "[^a-z]+", " ")
    return f"nullif(trim({s}), '')"


def postcode_sql(expr: str, d: Dialect) -> str:
    """SQL twin of :func:`normalise.normalise_postcode`: canonical ``OUTWARD INWARD`` or NULL."""
    pc = d.replace_all(f"upper({expr})", "[^A-Z0-9]", "")
    return (f"CASE WHEN {d.full_match(pc, _POSTCODE_PATTERN)} "
            f"THEN substr({pc}, 1, length({pc}) - 3) || ' ' || substr({pc}, length({pc}) - 2) END")


def other_postcode_sql(expr: str, d: Dialect) -> str:
    """A postcode that is not a UK one (an address abroad): letters and digits only, kept for exact
    comparison; it has no sector or district."""
    pc = d.replace_all(f"upper({expr})", "[^A-Z0-9]", "")
    return f"CASE WHEN length({pc}) >= 3 THEN {pc} END"


def phone_fast_sql(expr: str, d: Dialect) -> str:
    """E.164 for the common UK spellings of a number; NULL where Python (phonenumbers) must decide."""
    digits = d.replace_all(expr, "[^0-9]", "")
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL "
        f"WHEN trim({expr}) LIKE '+%' AND instr(substr(trim({expr}), 2), '+') = 0 "
        f"AND {d.full_match(digits, '447[0-9]{9}')} THEN '+' || {digits} "
        # A '+' anywhere else makes the spelling unusual: leave it to phonenumbers.
        f"WHEN instr({expr}, '+') > 0 THEN NULL "
        f"WHEN {d.full_match(digits, '07[0-9]{9}')} THEN '+44' || substr({digits}, 2) "
        f"WHEN {d.full_match(digits, '7[0-9]{9}')} THEN '+44' || {digits} END"
    )


def dob_sql(typed: str, raw: str, d: Dialect) -> dict[str, str]:
    """Date-of-birth parts: full date (typed, else an ISO raw value), year, and the forms compared."""
    iso_raw = f"CASE WHEN {d.full_match(f'trim({raw})', '[0-9]{4}-[0-9]{2}-[0-9]{2}')} " \
              f"THEN CAST(TRY_CAST(trim({raw}) AS DATE) AS {d.text}) END"
    dob = f"coalesce(CAST({typed} AS {d.text}), {iso_raw})"
    year_text = f"nullif(regexp_extract(trim({raw}), '^([0-9]{{4}})', 1), '')"
    year = f"coalesce(year({typed}), TRY_CAST({year_text} AS INT))"
    return {"dob": dob, "dob_year": year}


def person_clean_sql(d: Dialect) -> str:
    """Step 1 over ``raw_persons``: everything SQL can normalise row by row.

    Names are cleaned once per distinct spelling and joined back: the cleaning chain (accents,
    apostrophes, punctuation) is the costliest expression here, and a million records hold some
    tens of thousands of distinct names.
    """
    dob = dob_sql("date_of_birth", "date_of_birth_raw", d)
    return f"""
    WITH names AS (
        SELECT raw, {clean_name_sql('raw', d)} AS clean FROM (
            SELECT forename AS raw FROM raw_persons UNION SELECT surname AS raw FROM raw_persons) u
        WHERE raw IS NOT NULL)
    SELECT p.source || '|' || p.person_id AS unique_id, p.source, p.person_id,
        fn.clean AS forename_clean,
        sn.clean AS surname_clean,
        nullif(trim(p.aliases), '') AS aliases,
        {dob['dob']} AS dob,
        {dob['dob_year']} AS dob_year,
        coalesce({postcode_sql('p.postcode', d)}, {other_postcode_sql('p.postcode', d)}) AS postcode,
        nullif(trim(p.phone), '') AS phone_raw,
        {phone_fast_sql('p.phone', d)} AS phone_fast
    FROM raw_persons p
    LEFT JOIN names fn ON fn.raw = p.forename
    LEFT JOIN names sn ON sn.raw = p.surname"""


def _sorted_distinct_of_lists(expr: str, d: Dialect) -> str:
    """Aggregate: every element of the ``expr`` lists in the group, once each, sorted (deterministic)."""
    if d.name == "spark":
        return f"array_sort(array_distinct(flatten(collect_list({expr}))))"
    return f"list_sort(list_distinct(flatten(list({expr}))))"


def _sorted_distinct(expr: str, d: Dialect) -> str:
    """Aggregate: the non-null values of ``expr`` in the group, once each, sorted."""
    if d.name == "spark":
        return f"array_sort(collect_set({expr}))"
    return f"list_sort(list_distinct(list({expr})))"


def address_clean_sql(expr: str, d: Dialect) -> str:
    """An address line as lower-case words and numbers separated by single spaces (NULL if empty)."""
    return f"nullif(trim({d.replace_all(f'lower({expr})', '[^a-z0-9]+', ' ')}), '')"


def person_links_sql(d: Dialect) -> str:
    """Per person record: home address and identity numbers, from the records linked to it.

    Home: every place the person is ``resident`` at (its address line, cleaned; the first in sort
    order is compared whole, the words of all of them as a set). Identity numbers: every object of
    kind ``other`` the person is ``owner`` of, as upper-case letters and digits. Vehicles, phones and
    handles are not identity: households and groups share them.
    """
    addr = address_clean_sql("loc.address", d)
    ident = f"nullif({d.replace_all('upper(o.value)', '[^A-Z0-9]', '')}, '')"
    return f"""
    WITH homes AS (
        SELECT k.source, k.from_id AS person_id, {addr} AS address
        FROM raw_links k JOIN raw_locations loc ON loc.source = k.source AND loc.location_id = k.to_id
        WHERE k.from_type = 'person' AND k.to_type = 'location' AND k.role = 'resident'),
    ids AS (
        SELECT k.source, k.from_id AS person_id, {ident} AS identifier
        FROM raw_links k JOIN raw_objects o ON o.source = k.source AND o.object_id = k.to_id
        WHERE k.from_type = 'person' AND k.to_type = 'object' AND k.role = 'owner' AND o.kind = 'other'),
    h AS (
        SELECT source, person_id, min(address) AS home_address,
            {_sorted_distinct_of_lists(d.split('address', ' '), d)} AS address_words
        FROM homes WHERE address IS NOT NULL GROUP BY source, person_id),
    i AS (
        SELECT source, person_id, min(identifier) AS identifier,
            {_sorted_distinct('identifier', d)} AS identifiers
        FROM ids WHERE identifier IS NOT NULL GROUP BY source, person_id)
    SELECT coalesce(h.source, i.source) || '|' || coalesce(h.person_id, i.person_id) AS unique_id,
        h.home_address, h.address_words,
        nullif(regexp_extract(h.home_address, '([0-9]+)', 1), '') AS address_number,
        i.identifier, i.identifiers
    FROM h FULL OUTER JOIN i ON h.source = i.source AND h.person_id = i.person_id"""


def person_features_sql(d: Dialect) -> str:
    """Step 2: join the per-distinct-value lookups and derive the compared forms."""
    swapped_ok = "(substr(c.dob, 9, 2) <= '12' AND substr(c.dob, 9, 2) <> substr(c.dob, 6, 2))"
    return f"""
    SELECT c.unique_id, c.source, c.person_id,
        f.forename, f.forename_groups, f.forename_phon, f.forename_letters,
        s.surname, s.surname_parts, s.surname_groups, s.surname_phon, s.surname_letters,
        a.other_names,
        CASE WHEN a.other_names IS NULL AND f.forename IS NULL THEN NULL
             WHEN a.other_names IS NULL THEN {d.array_of('f.forename')}
             WHEN f.forename IS NULL THEN a.other_names
             ELSE {d.array_concat(d.array_of('f.forename'), 'a.other_names')} END AS all_names,
        c.dob,
        CASE WHEN c.dob IS NOT NULL AND {swapped_ok}
             THEN substr(c.dob, 1, 5) || substr(c.dob, 9, 2) || '-' || substr(c.dob, 6, 2) END AS dob_swapped,
        substr(c.dob, 1, 7) AS dob_ym,
        substr(c.dob, 6, 5) AS dob_md,
        c.dob_year,
        c.postcode,
        CASE WHEN c.postcode LIKE '% %' THEN substr(c.postcode, 1, length(c.postcode) - 2) END AS pc_sector,
        CASE WHEN c.postcode LIKE '% %' THEN substr(c.postcode, 1, length(c.postcode) - 4) END AS pc_outward,
        coalesce(c.phone_fast, p.e164) AS phone,
        k.home_address, k.address_words, k.address_number, k.identifier, k.identifiers
    FROM lk_person_clean c
    LEFT JOIN lk_forename f ON f.forename_clean = c.forename_clean
    LEFT JOIN lk_surname s ON s.surname_clean = c.surname_clean
    LEFT JOIN lk_aliases a ON a.aliases = c.aliases
    LEFT JOIN lk_phone p ON p.raw = c.phone_raw AND c.phone_fast IS NULL
    LEFT JOIN lk_person_links k ON k.unique_id = c.unique_id"""


def _str_list(values: list[list[str] | None]) -> pa.Array:
    return pa.array(values, type=pa.list_(pa.string()))


def forename_lookup(cleaned: list[str]) -> pa.Table:
    keys = [forename_key(c) for c in cleaned]
    return pa.table({
        "forename_clean": pa.array(cleaned, pa.string()),
        "forename": pa.array(keys, pa.string()),
        "forename_groups": _str_list([list(names.name_groups("forename", k)) or None for k in keys]),
        "forename_phon": pa.array([phonetic_key(k) for k in keys], pa.string()),
        "forename_letters": pa.array([letters_key(k) for k in keys], pa.string()),
    })


def surname_lookup(cleaned: list[str]) -> pa.Table:
    keys = [surname_key(c) for c in cleaned]
    return pa.table({
        "surname_clean": pa.array(cleaned, pa.string()),
        "surname": pa.array(keys, pa.string()),
        "surname_parts": _str_list([surname_parts(c) or None for c in cleaned]),
        "surname_groups": _str_list([list(names.name_groups("surname", k)) or None for k in keys]),
        "surname_phon": pa.array([phonetic_key(k) for k in keys], pa.string()),
        "surname_letters": pa.array([letters_key(k) for k in keys], pa.string()),
    })


def alias_names(aliases: str) -> list[str] | None:
    """Each recorded alias as a name key (spaces dropped), duplicates removed, order kept."""
    out: list[str] = []
    for part in aliases.split("|"):
        c = clean_name(part)
        key = c.replace(" ", "") if c else None
        if key and key not in out:
            out.append(key)
    return out or None


def alias_lookup(values: list[str]) -> pa.Table:
    return pa.table({"aliases": pa.array(values, pa.string()),
                     "other_names": _str_list([alias_names(v) for v in values])})


def phone_lookup(values: list[str]) -> pa.Table:
    return pa.table({"raw": pa.array(values, pa.string()),
                     "e164": pa.array([normalise_phone(v) for v in values], pa.string())})


def _distinct(engine: Engine, column: str, table: str, where: str = "") -> list[str]:
    rows = engine.fetch(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL {where}")
    return sorted(str(r[0]) for r in rows)


def build_person_features(engine: Engine) -> int:
    """Write ``entity_person_features`` (one row per person record) through ``engine``; return rows."""
    d = engine.dialect
    engine.run_steps([("lk_person_clean", person_clean_sql(d)), ("lk_person_links", person_links_sql(d))],
                     inputs={"raw_persons": ("source", "person_id", "forename", "surname", "aliases",
                                             "date_of_birth", "date_of_birth_raw", "postcode", "phone"),
                             **PERSON_LINK_INPUTS})
    with engine.step("name lookups (python, per distinct value)"):
        engine.load_arrow("lk_forename", forename_lookup(_distinct(engine, "forename_clean", "lk_person_clean")))
        engine.load_arrow("lk_surname", surname_lookup(_distinct(engine, "surname_clean", "lk_person_clean")))
        engine.load_arrow("lk_aliases", alias_lookup(_distinct(engine, "aliases", "lk_person_clean")))
        engine.load_arrow("lk_phone", phone_lookup(
            _distinct(engine, "phone_raw", "lk_person_clean", "AND phone_fast IS NULL")))
    counts = engine.run_steps([(PERSON_FEATURES, person_features_sql(d))], keep=[PERSON_FEATURES])
    if engine.name == "duckdb":
        # Free the per-record scratch now rather than at the end of the run: the model's training
        # and prediction come next and want the memory (on DuckDB outside the run's transaction,
        # a dropped table is freed at once).
        for scratch in ("lk_person_clean", "lk_person_links", "lk_forename", "lk_surname", "lk_aliases", "lk_phone"):
            engine.drop(scratch)
    return counts[PERSON_FEATURES]


# -- objects and locations -------------------------------------------------------------------------

def object_clean_sql(d: Dialect) -> str:
    """Objects: canonical value by kind in SQL; phones' odd spellings, e-mail and handles come later."""
    value = "trim(value)"
    return f"""
    SELECT source, object_id, kind, {value} AS value,
        CASE WHEN kind = 'phone' THEN {phone_fast_sql(value, d)}
             WHEN kind = 'vehicle' THEN nullif({d.replace_all(f'upper({value})', '[^A-Z0-9]', '')}, '')
             WHEN kind = 'bank_account' THEN nullif({d.replace_all(value, '[^0-9]', '')}, '')
             WHEN kind IN ('email', 'social_media') THEN NULL
             ELSE nullif(lower({value}), '') END AS canonical_fast
    FROM raw_objects"""


def object_features_sql(d: Dialect) -> str:
    canonical = "coalesce(o.canonical_fast, x.canonical)"
    own = d.hash_text("'record|' || o.source || '|' || o.object_id")
    shared = d.hash_text(f"o.kind || ':' || {canonical}")
    return f"""
    SELECT o.source, o.object_id, o.kind, {canonical} AS canonical,
        'O' || substr(CASE WHEN {canonical} IS NULL THEN {own} ELSE {shared} END, 1, 16) AS entity_id
    FROM lk_object_clean o
    LEFT JOIN lk_object_python x ON x.kind = o.kind AND x.value = o.value AND o.canonical_fast IS NULL"""


def _object_python(kind: str, value: str) -> str | None:
    if kind == "phone":
        return normalise_phone(value)
    if kind == "email":
        return normalise_email(value)
    if kind == "social_media":
        return normalise_handle(value)
    return None


def build_object_features(engine: Engine) -> int:
    """Write ``entity_objects``: each object record with its kind, canonical value and entity."""
    d = engine.dialect
    engine.run_steps([("lk_object_clean", object_clean_sql(d))],
                     inputs={"raw_objects": ("source", "object_id", "kind", "value")})
    with engine.step("object lookups (python, per distinct value)"):
        rows = engine.fetch("SELECT DISTINCT kind, value FROM lk_object_clean "
                            "WHERE canonical_fast IS NULL AND value IS NOT NULL AND kind IS NOT NULL")
        rows = sorted((str(k), str(v)) for k, v in rows)
        engine.load_arrow("lk_object_python", pa.table({
            "kind": pa.array([k for k, _ in rows], pa.string()),
            "value": pa.array([v for _, v in rows], pa.string()),
            "canonical": pa.array([_object_python(k, v) for k, v in rows], pa.string()),
        }))
    return engine.run_steps([("entity_objects", object_features_sql(d))], keep=["entity_objects"])["entity_objects"]


def premises_key_sql(name: str, address: str, d: Dialect) -> str:
    """The premises within a postcode: its cleaned name ("The" dropped), else its cleaned address.

    Addresses keep their numbers ("flat 11 92 wharf lane"); the town after the last comma is
    dropped because agencies write it inconsistently and the postcode already places it.
    """
    cleaned_name = d.replace_all(clean_name_sql(name, d), "^the ", "")
    addr = d.replace_all(address, ",[^,]*$", "")
    addr = d.replace_all(f"lower({addr})", "[^a-z0-9]+", " ")
    return f"coalesce(nullif(replace({cleaned_name}, ' ', ''), ''), nullif(replace(trim({addr}), ' ', ''), ''))"


def location_features_sql(d: Dialect) -> str:
    key = f"{postcode_sql('postcode', d)} || '|' || {premises_key_sql('name', 'address', d)}"
    own = d.hash_text("'record|' || source || '|' || location_id")
    return f"""
    SELECT source, location_id, kind, {key} AS canonical,
        'L' || substr(CASE WHEN {key} IS NULL THEN {own} ELSE {d.hash_text(key)} END, 1, 16) AS entity_id
    FROM raw_locations"""


def build_location_features(engine: Engine) -> int:
    """Write ``entity_locations``: same postcode and same premises name (or address) is one place."""
    counts = engine.run_steps(
        [("entity_locations", location_features_sql(engine.dialect))], keep=["entity_locations"],
        inputs={"raw_locations": ("source", "location_id", "kind", "name", "address", "postcode")})
    return counts["entity_locations"]
