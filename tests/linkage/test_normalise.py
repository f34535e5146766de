"""Normalisers: the Python reference and its SQL twin agree, and known variants meet."""

from __future__ import annotations

import duckdb
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearpicture.engine import Dialect
from clearpicture.linkage import names
from clearpicture.linkage.features import clean_name_sql, phone_fast_sql, postcode_sql
from clearpicture.linkage.normalise import (
    ACCENTS_FROM,
    clean_name,
    letters_key,
    normalise_email,
    normalise_handle,
    normalise_phone,
    normalise_postcode,
    normalise_vrm,
    parse_dob,
    phonetic_key,
    postcode_outward,
    postcode_sector,
    surname_key,
    surname_parts,
    swap_day_month,
)

DUCK = Dialect("duckdb")
_con = duckdb.connect()
NAME_TEXT = st.text(alphabet="abcXYZ MmcO'’-.,éÉøłßŁñ1 " + ACCENTS_FROM[:20], max_size=20)


def _sql(expr: str, value: str | None) -> object:
    return _con.execute(f"SELECT {expr.replace('$v', '?')}", [value] * expr.count("$v")).fetchall()[0][0]


@settings(max_examples=150, deadline=None)
@given(NAME_TEXT)
def test_sql_name_cleaning_agrees_with_python(raw: str) -> None:
    assert _sql(clean_name_sql("$v", DUCK), raw) == clean_name(raw)


@settings(max_examples=100, deadline=None)
@given(NAME_TEXT)
def test_name_cleaning_is_idempotent_and_plain(raw: str) -> None:
    once = clean_name(raw)
    assert clean_name(once) == once
    assert once is None or all(c == " " or "a" <= c <= "z" for c in once)


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}", fullmatch=True) | st.text(max_size=9))
def test_sql_postcode_agrees_with_python(raw: str) -> None:
    py = normalise_postcode(raw)
    assert _sql(postcode_sql("$v", DUCK), raw) == py
    if py is not None:
        assert py == py.upper() and py.count(" ") == 1 and len(py.split(" ")[1]) == 3


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999), st.sampled_from(range(6)))
def test_uk_mobile_in_any_common_format_reaches_the_same_e164(n: int, fmt: int) -> None:
    digits = f"07{n:09d}"
    spelled = [f"+44 {digits[1:5]} {digits[5:]}", digits[1:], digits, f"{digits[:5]}-{digits[5:]}",
               f"+44{digits[1:]}", f"{digits[:5]} {digits[5:]}"][fmt]
    expected = phonenumbers.format_number(phonenumbers.parse(digits, "GB"), phonenumbers.PhoneNumberFormat.E164)
    assert normalise_phone(spelled) == expected
    assert _sql(phone_fast_sql("$v", DUCK), spelled) == expected


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789+() -", max_size=16))
def test_sql_phone_fast_path_never_disagrees_with_phonenumbers(raw: str) -> None:
    fast = _sql(phone_fast_sql("$v", DUCK), raw)
    if fast is not None:  # where SQL answers, it gives what phonenumbers gives
        assert fast == normalise_phone(raw)


def test_unusual_phone_spellings_fall_to_python() -> None:
    assert normalise_phone("+44 (0) 7886 283280") == "+447886283280"
    assert normalise_phone("0044 7886 283280") == "+447886283280"
    assert _sql(phone_fast_sql("$v", DUCK), "+44 (0) 7886 283280") is None
    assert normalise_phone("not a number") is None


@pytest.mark.parametrize(("a", "b"), [
    ("Mohammed", "Muhammad"), ("Mohammed", "Mo"), ("Katarzyna", "Kasia"), ("Elizabeth", "Beth"),
    ("William", "Bill"), ("Jakub", "Kuba"), ("Yusuf", "Yousef"),
])
def test_shipped_table_knows_forename_variants(a: str, b: str) -> None:
    assert names.are_variants("forename", clean_name(a), clean_name(b))


def test_a_name_in_two_groups_does_not_chain_them() -> None:
    assert names.are_variants("forename", "sam", "samuel") and names.are_variants("forename", "sam", "samantha")
    assert not names.are_variants("forename", "samuel", "samantha")


@pytest.mark.parametrize(("a", "b"), [("Mohammed", "Muhammad"), ("Yasmin", "Jasmine"), ("Stephen", "Steven"),
                                      ("Smith", "Smyth"), ("Khalid", "Kaled")])
def test_phonetic_key_joins_spelling_and_transliteration_variants(a: str, b: str) -> None:
    assert phonetic_key(clean_name(a)) == phonetic_key(clean_name(b))


def test_phonetic_key_separates_different_names() -> None:
    assert phonetic_key("olivia") != phonetic_key("khalid")


@pytest.mark.parametrize(("a", "b"), [("O'Brien", "OBrien"), ("O Brien", "o'brien"), ("McCarthy", "MacCarthy"),
                                      ("Mc Carthy", "McCarthy"), ("Da Silva", "DaSilva"), ("SMITH-JONES", "Smith Jones"),
                                      ("Łukasz", "lukasz"), ("Müller", "Muller")])
def test_surname_spellings_reduce_to_one_key(a: str, b: str) -> None:
    assert surname_key(a) == surname_key(b)


def test_double_barrelled_surname_keeps_each_part() -> None:
    assert surname_parts("Smith-Jones") == ["smith", "jones"]
    assert "jones" in surname_parts("Smith Jones")


def test_swapped_letters_share_a_letters_key() -> None:
    assert letters_key("christohper") == letters_key("christopher")
    assert letters_key("amy") is None


def test_dates_of_birth_year_only_swapped_and_impossible() -> None:
    assert parse_dob("1990").year == 1990 and parse_dob("1990").iso is None
    assert parse_dob("04/03/1990").iso == "1990-03-04"
    bad = parse_dob("1960-02-30")
    assert (bad.iso, bad.year, bad.month) == (None, 1960, 2)
    assert swap_day_month("1990-03-04") == "1990-04-03"
    assert swap_day_month("1990-03-25") is None and swap_day_month("1990-03-03") is None


def test_postcode_parts() -> None:
    pc = normalise_postcode(" no144tl ")
    assert pc == "NO14 4TL" and postcode_outward(pc) == "NO14" and postcode_sector(pc) == "NO14 4"
    assert normalise_postcode("not a postcode") is None


def test_objects_normalise_to_canonical_values() -> None:
    assert normalise_vrm("kt19 vwm") == normalise_vrm("KT19-VWM") == "KT19VWM"
    assert normalise_email(" Someone@Example.ORG ") == normalise_email("mailto:someone@example.org")
    assert normalise_email("no at sign") is None
    assert normalise_handle("@Kingy_99") == normalise_handle("https://www.instagram.com/kingy_99/") == "kingy_99"
