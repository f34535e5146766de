"""Context checks that decide whether a matched phrase is the writer's own framing of a child.

A candidate match is dropped when the words around it show that it is negated ("no suggestion she
consented"), reported from someone else ("he claims it was consensual"), quoted in order to correct
it, or about an adult; relationship words need an adult or markedly older other party. Every
function here is pure and works on the normalised lower-case note (same length as the original,
so offsets carry over). It must not know about individual rules or categories.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

__all__ = ["NoteContext", "normalise"]

# Typographic quotes and apostrophes become ASCII, one character for one, so offsets do not move.
_TYPOGRAPHIC = re.compile("[\u2018\u2019\u201c\u201d\u2032]")
_TRANSLATE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'"})


def normalise(text: str) -> str:
    """Lower-case and ASCII quotes, keeping every character at its offset."""
    low = text.lower()
    if low.isascii():  # the common case: nothing to map
        return low
    if len(low) != len(text):  # a few characters lower-case to two ("İ"): map one by one
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low.translate(_TRANSLATE) if _TYPOGRAPHIC.search(low) else low


_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$|[\"'])|\n")
# Boundaries for reported speech and subjects: a new clause starts after these.
_CLAUSE_BREAK = re.compile(r"[;:\u2013\u2014]|\s-\s|\b(?:but|however|although|though|whereas|while|yet)\b")
# Negation scope is shorter: commas and "and" also end it.
_NEG_BREAK = re.compile(r"[;:,\u2013\u2014]|\s-\s|\b(?:but|however|although|though|whereas|while|yet|and|so)\b")

_NEGATOR = re.compile(
    r"\b(?:not|no(?!\s+longer)|never|nothing|none|neither|nor|without|cannot|unable|"
    r"\w+n't|rather\s+than|instead\s+of|nobody|denied\s+that)\b"
)
_NEG_WINDOW_TOKENS = 6

_REPORTING = re.compile(
    r"\b(?:says?|said|saying|claims?|claimed|claiming|states?|stated|stating|alleges?|alleged|alleging|"
    r"maintains?|maintained|insists?|insisted|told|tells?|telling|describes?|described|describing|"
    r"calls?|called|calling|refers?\s+to|referred\s+to|referring\s+to|reports?|reported|thinks|thought|"
    r"believes|asserts?|asserted|admits?|admitted|denies|denied|texted|messaged|wrote|writes|"
    r"disclosed|explained|boasted|argued|argues|according\s+to|account\s+is\s+that|"
    r"in\s+(?:his|her|their)\s+(?:words|account|view)|"
    r"(?:he|she|they|suspect|defence|defense|solicitor|barrister|mother|father|mum|dad)\s+suggest(?:s|ed))\b"
)
_FIRST_PERSON_SUBJECT = re.compile(r"\b(?:i|we)\s+(?:\w+\s+)?$")
_TRAILING_REPORT = re.compile(
    r"^[^.!?;]*?,\s*(?:according\s+to(?!\s+(?:me|us)\b)|(?:he|she|they|the\s+\w+|his\s+\w+|her\s+\w+)\s+"
    r"(?:says|said|claims|claimed|states|stated|alleges|alleged|insists|insisted|maintains|told\s+\w+))\b"
)
_DOUBLE = re.compile('"')
_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(\[]))'(?=\S)")
_SINGLE_CLOSE = re.compile(r"(?<=\S)'(?=[\s.,;:!?)\]]|$)")
_CORRECTION = re.compile(
    r"victim[- ]blam\w*|\b(?:is|was|are|were)\s+(?:\w+\s+)?(?:inappropriate|not\s+appropriate|wrong|incorrect)\b|"
    r"\binappropriate\s+(?:language|term|wording|phrase|word|label)|\bamended\b|\bcorrect(?:ed|ion)\b|"
    r"\breplaced?\b|\breworded\b|\bshould\s+(?:instead\s+)?(?:read|say)\b|"
    r"\bavoid\s+(?:using|saying|writing|describing|the\s+(?:term|phrase|word|wording|label|language))|"
    r"\b(?:do\s+not|don't|should\s+not|shouldn't|must\s+not)\s+(?:write|use|say|describe|call|refer)|"
    r"\bno\s+longer\s+use|\bthe\s+(?:term|phrase|word|words|wording|label)\b|\blanguage\s+(?:such\s+as|like)\b|"
    r"\bcriticis\w+|\bcriticiz\w+|\bremoved\b"
)
_BACK_REFERENCE = re.compile(
    r"^\s*(?:this|that|the|such)\s+(?:wording|term|phrase|word|language|description|label|entry)\b|^[^.!?]*victim[- ]blam"
)

# People mentioned before a match: who the clause is about.
_AGE = r"(\d{1,2})"
_PERSON = re.compile(
    r"\b" + _AGE + r"[- ]?(?:year[- ]old|yrs?[- ]old|yo)s?\b|\baged\s+" + _AGE + r"\b|\(\s*(?:aged\s+)?" + _AGE
    + r"\s*\)|,\s*(?:aged\s+)?" + _AGE + r"\s*,|"
    r"\b(?P<adult>adults?|wom[ae]n|m[ae]n|males?|females?|mother|mum|mom|father|dad|step-?(?:father|mother|dad|mum)|"
    r"aunt|uncle|grand(?:mother|father|ma|pa)|landlord|landlady|suspects?|offenders?|perpetrators?|"
    r"defendants?|abusers?|groomers?|mr|mrs|ms|sister|brother)(?:'s)?\b|"
    r"\b(?P<child>child(?:ren)?|girls?|boys?|young\s+person|yp|teenagers?|daughter|son|pupils?|she|he|they)\b"
)
_SKIP_BEFORE = re.compile(r"\b(?:with|by|from|to|for|at|towards|of|about|around|among|against|near)\s+(?:\w+\s+){0,2}$")
_YOUNG_ADULT_MODIFIER = re.compile(r"young\s+$")

_OLDER_PARTY = re.compile(
    r"\bolder\b|\badults?\b|\bgrown\b|\b(?:1[89]|[2-9]\d)[- ]?(?:year[- ]old|yrs?|yo)\b|"
    r"\baged\s+(?:1[89]|[2-9]\d)\b|\b(?:is|was|are)\s+(?:1[89]|[2-9]\d)\b|\(\s*(?:aged\s+)?(?:1[89]|[2-9]\d)\s*\)|"
    r",\s*(?:1[89]|[2-9]\d)\s*,|\bin\s+(?:his|her|their)\s+(?:late\s+|early\s+|mid[- ])?(?:twenties|thirties|"
    r"forties|fifties|20s|30s|40s|50s)|\bm[ae]n\b|\bmales?\b|\bsuspects?\b|\boffenders?\b|\bperpetrators?\b|"
    r"\babusers?\b|\bteacher\b|\bcoach\b|\bage\s+gap\b|\bwom[ae]n\b"
)
_ANY_AGE = re.compile(
    r"\b(\d{1,2})[- ]?(?:year[- ]old|yrs?[- ]old|yo)\b|\baged\s+(\d{1,2})\b|\(\s*(?:aged\s+)?(\d{1,2})\s*\)|"
    r",\s*(?:aged\s+)?(\d{1,2})\s*,|\bis\s+(\d{1,2})\b"
)


def _last_tokens(text: str, n: int) -> str:
    parts = text.split()
    return " ".join(parts[-n:]) if parts else ""


@dataclass
class NoteContext:
    """Sentence and clause geometry of one note, computed once and only when a rule matched."""

    text: str  # normalised (see normalise)
    _ends: list[int] = field(default_factory=list)
    _quotes: tuple[list[int], list[int], list[int]] | None = None
    _corrections: dict[tuple[int, int], bool] = field(default_factory=dict)
    _clauses: dict[tuple[int, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ends = [m.end() for m in _SENTENCE_END.finditer(self.text)]

    # -- geometry -----------------------------------------------------------------------
    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """(start, end) of the sentence holding [start, end)."""
        ends = self._ends
        i = bisect_right(ends, start)
        j = bisect_left(ends, end, i)
        return (ends[i - 1] if i else 0), (ends[j] if j < len(ends) else len(self.text))

    def _clause_left(self, start: int, breaker: re.Pattern[str]) -> str:
        key = (start, breaker.pattern)
        cached = self._clauses.get(key)
        if cached is None:
            s, _ = self.sentence(start, start)
            left = self.text[s:start]
            cut = 0
            for m in breaker.finditer(left):
                cut = m.end()
            cached = self._clauses[key] = left[cut:]
        return cached

    # -- checks -------------------------------------------------------------------------
    def negated(self, start: int) -> bool:
        """A negator within a few words before the match, in the same short clause."""
        window = _last_tokens(self._clause_left(start, _NEG_BREAK), _NEG_WINDOW_TOKENS)
        return bool(_NEGATOR.search(window))

    def attributed(self, start: int, end: int) -> bool:
        """Reported speech or thought of someone other than the writer, before or after the match."""
        left = self._clause_left(start, _CLAUSE_BREAK)
        for m in _REPORTING.finditer(left):
            if not _FIRST_PERSON_SUBJECT.search(left[: m.start()]):
                return True
        _, e = self.sentence(start, end)
        return bool(_TRAILING_REPORT.match(self.text[end:e]))

    def quoted(self, start: int, end: int) -> bool:
        """Inside quotation marks: someone's words, or wording quoted in order to correct it."""
        if self._quotes is None:
            t = self.text
            self._quotes = (
                [m.start() for m in _DOUBLE.finditer(t)] if '"' in t else [],
                [m.start() for m in _SINGLE_OPEN.finditer(t)] if "'" in t else [],
                [m.start() for m in _SINGLE_CLOSE.finditer(t)] if "'" in t else [],
            )
        doubles, openers, closers = self._quotes
        if doubles:
            before = sum(1 for i in doubles if i < start)
            if before % 2 == 1 and any(i >= end for i in doubles):
                return True
        opener = max((i for i in openers if i < start), default=-1)
        if opener < 0 or any(opener < i < start for i in closers):
            return False
        return any(i >= end for i in closers)

    def correcting(self, start: int, end: int) -> bool:
        """The sentence (or the next one, referring back) corrects or criticises the wording."""
        s, e = self.sentence(start, end)
        if (s, e) not in self._corrections:
            self._corrections[(s, e)] = bool(
                _CORRECTION.search(self.text, s, e) or _BACK_REFERENCE.match(self.text[e : e + 160])
            )
        return self._corrections[(s, e)]

    def adult_subject(self, start: int, hit_start: int | None = None) -> bool:
        """The nearest person mentioned before the match in its clause is an adult.

        A possessive inside the match before the highlighted word counts as the person it is
        about ("her mum's boyfriend" is about the mother); ages inside the match do not.
        """
        left = self._clause_left(start, _CLAUSE_BREAK)
        if hit_start is not None and hit_start > start:
            owners = re.findall(r"\b\w+'s\b", self.text[start:hit_start])
            if owners:
                left = left + " " + owners[-1]
        for m in reversed(list(_PERSON.finditer(left))):
            if _SKIP_BEFORE.search(left[: m.start()]):
                continue
            age = next((g for g in m.groups()[:4] if g), None)
            if age is not None:
                return int(age) >= 18
            if m.group("adult"):
                word = m.group("adult")
                if word.startswith(("wom", "m")) and _YOUNG_ADULT_MODIFIER.search(left[: m.start()]):
                    return False  # "young woman" is the adultifying label, not an adult
                if word.startswith(("sister", "brother")):
                    continue  # siblings may be children: look further left
                return True
            return False  # a child word or a subject pronoun: the note is about a child
        return False

    def older_party(self, start: int, end: int) -> bool:
        """The sentence names an adult or markedly older other party (age, 'older', 'man', 'suspect')."""
        s, e = self.sentence(start, end)
        return bool(_OLDER_PARTY.search(self.text, s, e))

    def adult_ages_only(self, start: int, end: int) -> bool:
        """Every age given in the sentence is 18 or over (and there is at least one)."""
        s, e = self.sentence(start, end)
        ages = [int(next(g for g in m.groups() if g)) for m in _ANY_AGE.finditer(self.text, s, e)]
        return bool(ages) and all(a >= 18 for a in ages)
