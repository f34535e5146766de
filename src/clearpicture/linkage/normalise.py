"""Normalisers for the values people are recognised by: names, dates of birth, postcodes, phones,
vehicle registration marks, e-mail addresses and social-media handles.

These are pure functions on one value. They are the reference meaning of each normalised column:
the fast SQL forms in :mod:`clearpicture.linkage.features` must agree with them (a property test
checks it), and the exotic cases (phone numbers the SQL fast path cannot read, phonetic keys, name
variants) are computed here once per distinct value. Nothing here touches a store or changes a raw
value: normalised values sit beside the raw ones. Ethnicity, nationality and sex have no normaliser
because they are never compared.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers

__all__ = [
    "ACCENTS_FROM",
    "ACCENTS_TO",
    "DobParts",
    "clean_name",
    "forename_key",
    "letters_key",
    "normalise_email",
    "normalise_handle",
    "normalise_phone",
    "normalise_postcode",
    "normalise_vrm",
    "parse_dob",
    "phonetic_key",
    "postcode_outward",
    "postcode_sector",
    "surname_key",
    "surname_parts",
    "swap_day_month",
]

#: Letters folded one-to-one (the same table drives SQL ``translate``), so both paths agree.
ACCENTS_FROM = "àáâãäåāăąçćčďđèéêëēėęěğìíîïīįıłľĺñńňòóôõöøōőŕřśšşșťţțùúûüūůűųýÿžźż"
ACCENTS_TO = "aaaaaaaaacccddeeeeeeeegiiiiiiilllnnnoooooooorrsssstttuuuuuuuuyyzzz"
#: Letters that become two (done before the one-to-one table).
MULTI_LETTERS: tuple[tuple[str, str], ...] = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("þ", "th"))

_NON_LETTERS = re.compile(r"[^a-z]+")
_APOSTROPHES = re.compile(r"['’`‘]")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
_FOLD = str.maketrans(ACCENTS_FROM, ACCENTS_TO)


def clean_name(raw: str | None) -> str | None:
    """Lower case, accents folded, apostrophes dropped, other punctuation to single spaces.

    ``"O'Brien-Smith "`` → ``"obrien smith"``. Letters outside the Latin table are kept out
    (transliteration of other scripts is the agency's mapping, not ours). None when nothing is left.
    """
    if raw is None:
        return None
    s = raw.lower()
    for a, b in MULTI_LETTERS:
        s = s.replace(a, b)
    s = s.translate(_FOLD)
    s = _APOSTROPHES.sub("", s)
    s = _NON_LETTERS.sub(" ", s).strip()
    return s or None


def forename_key(raw: str | None) -> str | None:
    """The first given name, cleaned: ``"Mary-Ann"`` → ``"mary"`` (the rest counts as another name)."""
    s = clean_name(raw)
    return s.split(" ")[0] if s else None


def _surname_spaced(raw: str | None) -> str | None:
    s = clean_name(raw)
    if not s:
        return None
    # Prefixes written apart or together are the same name: "O Brien", "Mc Carthy", "MacCarthy".
    s = re.sub(r"^(o|mc|mac) ", r"\1", s)
    s = re.sub(r"^mac", "mc", s)
    return s


def surname_key(raw: str | None) -> str | None:
    """Surname for exact and fuzzy comparison: cleaned, Mc/Mac and O' unified, spaces removed.

    ``"Da Silva"`` and ``"DaSilva"`` agree; ``"Smith-Jones"`` → ``"smithjones"``.
    """
    s = _surname_spaced(raw)
    return s.replace(" ", "") if s else None


def surname_parts(raw: str | None) -> list[str]:
    """Each part of a double-barrelled or hyphenated surname, so "Smith-Jones" meets "Jones"."""
    s = _surname_spaced(raw)
    return [p for p in s.split(" ") if len(p) > 1] if s else []


_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    ("sch", "sk"), ("tch", "x"), ("ch", "x"), ("sh", "x"), ("sz", "x"), ("cz", "x"), ("ph", "f"),
    ("th", "t"), ("dh", "d"), ("kh", "k"), ("gh", "g"), ("ck", "k"), ("q", "k"), ("c(?=[eiy])", "s"),
    ("c", "k"), ("z", "s"), ("w", "v"), ("v", "f"), ("y", "i"), ("j", "i"), ("ou", "u"), ("ee", "i"), ("oo", "u"),
)
_PHONETIC = [(re.compile(a), b) for a, b in _PHONETIC_RULES]


def phonetic_key(name: str | None) -> str | None:
    """A sound-alike key tolerant of common spelling and transliteration variants.

    Spellings that sound alike (Mohammed/Muhammad, Yasmin/Jasmine, Khalid/Kaled, Stephen/Steven)
    share a key: consonant classes unified, repeated letters collapsed, vowels and h dropped after
    the first letter, at most six characters. Works on a cleaned name; spaces are ignored.
    """
    if not name:
        return None
    s = _NON_LETTERS.sub("", name.lower())
    if not s:
        return None
    for pat, rep in _PHONETIC:
        s = pat.sub(rep, s)
    s = re.sub(r"(.)\1+", r"\1", s)
    s = s[0] + re.sub(r"[aeiouh]", "", s[1:])
    s = re.sub(r"(.)\1+", r"\1", s)
    return s[:6]


def letters_key(name: str | None) -> str | None:
    """The name's letters in alphabetical order: catches two letters swapped ("Christohper"),
    which Levenshtein counts as two edits. Names under four letters get no key (too many collisions)."""
    if not name or len(name) < 4:
        return None
    return "".join(sorted(name))


@dataclass(frozen=True)
class DobParts:
    """A date of birth as far as it is known: the full date (ISO) when valid, else year and month."""

    iso: str | None
    year: int | None
    month: int | None
    day: int | None


_DOB_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})$"),
)


def parse_dob(raw: str | None) -> DobParts:
    """Read a recorded date of birth: a full date, a UK day/month/year, or a year alone.

    An impossible day (30 February) keeps its year and month, since those are still evidence.
    """
    none = DobParts(None, None, None, None)
    if raw is None:
        return none
    s = raw.strip()
    for pat in _DOB_PATTERNS:
        m = pat.match(s)
        if not m:
            continue
        g = m.groupdict()
        year = int(g["y"])
        if not 1900 <= year <= 2100:
            return none
        if "m" not in g or g.get("m") is None:
            return DobParts(None, year, None, None)
        month, day = int(g["m"]), int(g["d"])
        if not 1 <= month <= 12:
            return DobParts(None, year, None, None)
        try:
            iso = date(year, month, day).isoformat()
        except ValueError:
            return DobParts(None, year, month, None)
        return DobParts(iso, year, month, day)
    return none


def swap_day_month(iso: str | None) -> str | None:
    """The date with day and month exchanged, when that is a different valid date (3 April ↔ 4 March)."""
    if not iso:
        return None
    y, m, d = iso.split("-")
    if int(d) > 12 or d == m:
        return None
    return f"{y}-{d}-{m}"


def normalise_postcode(raw: str | None) -> str | None:
    """A UK postcode in canonical form ``"NO15 5XS"`` (upper case, one space), or None if not one."""
    if raw is None:
        return None
    s = re.sub(r"[^A-Z0-9]", "", raw.upper())
    if not _POSTCODE.match(s):
        return None
    return f"{s[:-3]} {s[-3:]}"


def postcode_outward(canonical: str | None) -> str | None:
    """The outward code (district): ``"NO15 5XS"`` → ``"NO15"``."""
    return canonical.split(" ")[0] if canonical else None


def postcode_sector(canonical: str | None) -> str | None:
    """The sector: ``"NO15 5XS"`` → ``"NO15 5"``."""
    return canonical[:-2] if canonical else None


def normalise_phone(raw: str | None, region: str = "GB") -> str | None:
    """A phone number in E.164 (``+447700900123``), or None when it cannot be a number.

    Numbers without a country code are read as UK numbers. Possible rather than strictly valid
    numbers are kept: an agency's record of a number is evidence even if the range is unallocated.
    """
    if raw is None or not re.search(r"\d", raw):
        return None
    try:
        num = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        # A UK mobile recorded without its leading zero ("7700900123") is still the same number.
        digits = re.sub(r"\D", "", raw)
        if len(digits) == 10 and digits.startswith("7"):
            return "+44" + digits
        return None
    return str(phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164))


def normalise_vrm(raw: str | None) -> str | None:
    """A vehicle registration mark: upper case letters and digits only (``"kt19 vwm"`` → ``"KT19VWM"``)."""
    if raw is None:
        return None
    s = re.sub(r"[^A-Z0-9]", "", unicodedata.normalize("NFKC", raw).upper())
    return s or None


def normalise_email(raw: str | None) -> str | None:
    """An e-mail address trimmed and lower-cased (``mailto:`` dropped); None if it has no ``@``."""
    if raw is None:
        return None
    s = raw.strip().lower()
    s = s.removeprefix("mailto:")
    if "@" not in s or s.startswith("@") or s.endswith("@") or " " in s:
        return None
    return s


def normalise_handle(raw: str | None) -> str | None:
    """A social-media handle: lower case, no leading ``@``, no profile URL around it."""
    if raw is None:
        return None
    s = raw.strip().lower()
    s = re.sub(r"^(https?://)?(www\.|m\.)?[a-z0-9.-]+\.(com|net|org|me|app|gg)/(@)?", "", s)
    s = s.strip("/").lstrip("@")
    s = s.split("?")[0].strip()
    return s or None
