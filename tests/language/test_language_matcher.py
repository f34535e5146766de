"""The matcher: one test per category, per context rule, and exact spans on multi-byte text.

Sentences here are not in the evaluation set (tests/language/data/eval.jsonl), so these tests add
cases rather than repeat the measured ones.
"""

from __future__ import annotations

import re

import pytest

import clearpicture.language as language
from clearpicture.language import review
from clearpicture.language.context import normalise
from clearpicture.language.matcher import default_matcher, trie_regex


def cats(text: str) -> set[str]:
    return {f.category for f in review(text)}


def test_public_names_are_pinned() -> None:
    assert sorted(language.__all__) == [
        "CATEGORIES", "Finding", "Matcher", "RulesFile", "load_rules", "partner_rates", "review", "run",
    ]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Jade (14) has chosen to stay at the flat again.", "choice_consent"),
        ("The sexual contact seems to have been consensual.", "choice_consent"),
        ("Once again Kyla is putting herself at risk at the bus station.", "putting_self_at_risk"),
        ("Concerns about his risky lifestyle in Leeds.", "putting_self_at_risk"),
        ("Promiscuous behaviour noted by the night staff.", "sexualised_label"),
        ("She has been sexually active since she was 11.", "sexualised_label"),
        ("Intelligence that she is prostituting herself near the station.", "transactional_prostitution"),
        ("He is trading sex for somewhere to sleep.", "transactional_prostitution"),
        ("Her boyfriend is 31 and drives a taxi.", "relationship_framing"),
        ("She has been seeing an older man from the car wash.", "relationship_framing"),
        ("She is 13 going on 30.", "adultification"),
        ("Street smart girl who can handle herself.", "adultification"),
        ("She has been messaging unknown men on Instagram.", "blame_behaviour"),
        ("Absconded from the unit at 23:00.", "blame_behaviour"),
        ("She was evasive and uncooperative with the duty officer.", "credibility_attitude"),
        ("Known to make false allegations.", "credibility_attitude"),
        ("Only kissed, so no further action.", "minimising"),
        ("Viewed as a teenage romance with the 22-year-old.", "minimising"),
        ("Suspect downloaded child pornography.", "terminology"),
    ],
)
def test_each_category_is_found(text: str, category: str) -> None:
    assert category in cats(text)


# -- context: negation --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "There is no suggestion she consented to any of it.",
        "She is not streetwise; she is a frightened child.",
        "This is not her lifestyle choice.",
        "There is no indication she was ever a willing participant.",
        "She never chose to go to the flat.",
    ],
)
def test_negation_cancels_a_finding(text: str) -> None:
    assert cats(text) == set()


def test_negation_does_not_reach_across_clauses() -> None:
    assert "putting_self_at_risk" in cats("She did not attend school and is putting herself at risk.")
    assert "choice_consent" in cats("She is not at home, but it was her own choice.")


def test_phrases_that_contain_a_negation_still_count() -> None:
    assert "credibility_attitude" in cats("She is not engaging with the CSE team.")
    assert "minimising" in cats("It was not that serious.")


# -- context: attribution -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "He claims it was consensual.",
        "The suspect called her his girlfriend, although she is 13.",
        "In interview the defendant said she was a willing participant.",
        "Her father says she is out of control.",
        "It was all consensual, he claims.",
        'She told us "I chose to go with them".',
    ],
)
def test_reported_speech_is_not_the_writers_framing(text: str) -> None:
    assert cats(text) == set()


def test_first_person_reporting_is_the_writers_own_words() -> None:
    assert "putting_self_at_risk" in cats("I told her she is putting herself at risk.")


# -- context: correction --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "The 2019 entry calls her 'streetwise'; this has been corrected to 'a 12-year-old child'.",
        "Earlier notes describe her as promiscuous. This wording is victim-blaming.",
        "Please avoid the term lifestyle choice in supervision notes.",
    ],
)
def test_quoting_earlier_wording_to_correct_it_is_not_flagged(text: str) -> None:
    assert cats(text) == set()


def test_correction_in_one_sentence_does_not_excuse_another() -> None:
    found = review("She is promiscuous. Staff met on Tuesday. The term 'streetwise' was removed.")
    assert [f.text for f in found] == ["promiscuous"]


# -- context: adult subject and older party -------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "The 38-year-old woman says she has been a sex worker for years.",
        "Her mother is promiscuous and drinks heavily.",
        "Mr Dane was uncooperative and hostile at the door.",
        "The suspect is a gang member from Bradford.",
        "The young woman, aged 22, was spoken to as a witness.",
        "Her stepdad's girlfriend lives at the address.",
    ],
)
def test_adults_described_factually_are_not_flagged(text: str) -> None:
    assert cats(text) == set()


def test_child_described_next_to_adults_is_still_flagged() -> None:
    assert "sexualised_label" in cats("Katie, 14, is promiscuous; the men are 30.")
    assert "choice_consent" in cats("The contact with the 30-year-old appears consensual.")


def test_relationship_words_need_an_older_party() -> None:
    assert cats("Her boyfriend walked her to school.") == set()
    assert cats("Her boyfriend (14) is in her class.") == set()
    assert "relationship_framing" in cats("Her boyfriend is 27.")
    assert "relationship_framing" in cats("Her boyfriend is an adult man known to police.")


def test_adult_as_actor_is_not_blame_but_child_as_actor_is() -> None:
    assert cats("Adult men have been contacting her on Snapchat.") == set()
    assert "blame_behaviour" in cats("She has been contacting adult men on Snapchat.")


# -- spans ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Zoë Müller-Ñúñez is streetwise.",
        "🙁🙁 Chloé (13) is streetwise.",
        "Anaïs 👍🏽 — Siân said nothing; Anaïs is streetwise.",
        "Zoe\u0308 (combining diaeresis) is streetwise.",
        "İlayda is streetwise.",  # 'İ' lower-cases to two characters
        "ΣΟΦΙΑ is STREETWISE.",
    ],
)
def test_spans_are_exact_character_offsets_on_multibyte_text(text: str) -> None:
    found = review(text)
    assert len(found) == 1
    f = found[0]
    assert text[f.start : f.end] == f.text
    assert f.text.lower() == "streetwise"
    assert f.start == text.casefold().index("streetwise") - (len(text.casefold()) - len(text))


def test_span_uses_highlight_group_and_is_exact() -> None:
    text = "Zoë's partner, aged 31, has a flat."
    (f,) = review(text)
    assert (f.start, f.end, f.text) == (6, 13, "partner")


def test_typographic_quotes_keep_offsets() -> None:
    text = "Entry said \u201cconsensual\u201d. She is \u2018streetwise\u2019 and mature for her age."
    found = review(text)
    assert [f.text for f in found] == ["mature for her age"]
    assert text[found[0].start : found[0].end] == "mature for her age"


def test_normalise_keeps_length() -> None:
    for text in ["İstanbul", "ΣΣ", "ß", "Ǆ", "\u201cA\u201d"]:
        assert len(normalise(text)) == len(text)


# -- matcher mechanics ----------------------------------------------------------------------------
def test_note_without_trigger_terms_is_cleared_by_the_prefilter_alone() -> None:
    m = default_matcher()
    note = "Strategy meeting held. Two men at the address arrested. Return interview offered."
    assert m.prefilter.search(normalise(note)) is None
    assert m.review(note) == []


def test_trie_regex_matches_exactly_its_terms() -> None:
    terms = ["risk", "risky", "risk taking", "rose", "r"]
    rx = re.compile(r"^(?:" + trie_regex(terms) + r")$")
    for t in terms + ["risk  taking"]:
        assert rx.match(t), t
    for t in ["ris", "riskyy", "ro", ""]:
        assert not rx.match(t), t


def test_findings_are_ordered_and_one_per_phrase_and_category() -> None:
    found = review("She is promiscuous and streetwise, and promiscuous again.")
    assert [f.start for f in found] == sorted(f.start for f in found)
    assert [f.text for f in found] == ["promiscuous", "streetwise", "promiscuous"]
    for f in found:
        assert f.why and f.suggestion and f.rule_id


def test_finding_json_shape() -> None:
    (f,) = review("She is streetwise.")
    assert set(f.as_dict()) == {"start", "end", "text", "category", "why", "suggestion"}


def _brute_force(text: str) -> set[tuple[str, int, int]]:
    """Every rule's every pattern over the whole note, same context checks: no prefilter, no windows."""
    from clearpicture.language.context import NoteContext
    from clearpicture.language.matcher import Matcher, _highlight

    m = default_matcher()
    low = normalise(text)
    ctx = NoteContext(low)
    out = set()
    for cr in m._compiled:
        for pattern in cr.patterns:
            for hit in pattern.finditer(low):
                start, end = _highlight(hit)
                if not Matcher._cancelled(cr.rule, ctx, hit.start(), hit.end(), start):
                    out.add((cr.rule.category, start, end))
    return out


def test_prefilter_and_sentence_windows_never_hide_a_match() -> None:
    from pathlib import Path

    from clearpicture.language import load_rules
    from clearpicture.language.evaluation import read_eval_set

    data = Path(__file__).parent / "data"
    texts = [i["text"] for f in ("eval.jsonl", "probe.jsonl") for i in read_eval_set(data / f)]
    texts += [e for r in load_rules().rules for e in r.examples + r.counter_examples]
    texts.append(" ".join(texts[:40]))  # one long multi-sentence note
    for text in texts:
        fast = {(f.category, f.start, f.end) for f in review(text)}
        slow = _brute_force(text)
        # the fast path may merge overlapping phrases of one category; it must not lose a category
        assert {c for c, _, _ in slow} == {c for c, _, _ in fast}, text
        for cat, s, e in fast:
            assert (cat, s, e) in slow, (text, cat, s, e)
