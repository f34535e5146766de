"""Reference pools for the synthetic generator: names, fictional areas, postcodes, phones, vehicles.

Names come from ONE pool of many origins, shipped as ``data/names.csv`` (forenames with sex and
variant/nickname lists, surnames with spelling variants, street names). Every role draws from the
same pool: no role is tied to any origin. Areas, forces and postcode areas are fictional; postcodes
and registration marks follow the valid UK formats. This module holds no randomness of its own
beyond what callers pass in, and must not know about tables or files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

__all__ = ["Area", "NamePool", "areas", "name_pool", "postcodes", "phones", "vehicle_marks"]

#: Real UK postcode areas: fictional areas must avoid them so no synthetic postcode is real.
_REAL_POSTCODE_AREAS = frozenset(
    ["AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH", "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W", "WA", "WC", "WD", "WE", "WF", "WN", "WR", "WS", "WV", "YO", "ZE"]
)

#: 43 fictional force areas (England and Wales has 43 territorial forces).
AREA_NAMES = (
    "Northmoor", "Eastvale", "Westmarch", "Southfen", "Greyhaven", "Ashcombe", "Brackenshire",
    "Coldwater", "Dunmere", "Elmshire", "Fernleigh", "Glenmoor", "Hollowmere", "Ironvale",
    "Kestrelshire", "Larkmoor", "Marshwick", "Netherwold", "Oakhollow", "Pennwick", "Quarrydale",
    "Ravensmoor", "Saltmarsh", "Thornvale", "Underhill", "Valewood", "Wolderness", "Yarrowshire",
    "Brightwater", "Copperfield", "Deepdale", "Foxmoor", "Goldhaven", "Highcombe", "Kingsmere",
    "Longmarsh", "Millbrook", "Redmarsh", "Silverfen", "Stonemoor", "Whitecombe", "Wyvernshire",
    "Amberwold",
)

_FORCE_CODES = (
    "NMP", "EVP", "WXP", "SFP", "GHP", "ACP", "BKP", "CWP", "DMP", "ELP", "FLP", "GLP", "HWP", "IVP",
    "KSP", "LMP", "MWP", "NTP", "OHP", "PWP", "QDP", "RVP", "SMP", "THP", "UHP", "VWP", "WDP", "YSP",
    "BWP", "CFP", "DDP", "FXP", "GVP", "HCP", "KMP", "LGP", "MBP", "RDP", "SLP", "STP", "WCP", "WVP",
    "AWP",
)
_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
_MARK_LETTERS = np.array(list("ABCDEFGHJKLMNOPRSTUVWXY"))


@dataclass(frozen=True)
class Area:
    """A fictional force area: its police force code, name and postcode area letters."""

    index: int
    name: str
    police_code: str
    postcode_area: str
    lat: float
    lon: float

    @property
    def force_name(self) -> str:
        return f"{self.name} Police"

    @property
    def social_care_code(self) -> str:
        return f"SC-{self.name.upper()}"


def _letters(name: str) -> list[str]:
    return [c for c in name.upper() if c.isalpha()]


@cache
def areas() -> tuple[Area, ...]:
    """The 43 fictional areas, with unique three-letter force codes and unreal postcode areas."""
    used_pc: set[str] = set()
    out = []
    for i, name in enumerate(AREA_NAMES):
        letters = _letters(name)
        force = _FORCE_CODES[i]
        pc = next(
            c for c in (letters[0] + b for b in letters[1:] + list("ABCDEFGHJKLMNPQRSTUVWXYZ"))
            if c not in used_pc and c not in _REAL_POSTCODE_AREAS and c[1] not in "IJZ"
        )
        used_pc.add(pc)
        # spread the areas over a fictional grid inside England and Wales' latitude band
        out.append(Area(i, name, force, pc, 51.0 + (i % 7) * 0.45, -3.5 + (i // 7) * 0.5))
    return tuple(out)


@dataclass(frozen=True)
class NamePool:
    """Forenames by sex, surnames and street names, each with its variants (nicknames, spellings)."""

    forenames_f: tuple[str, ...]
    forenames_m: tuple[str, ...]
    surnames: tuple[str, ...]
    street: tuple[str, ...]
    variants: dict[str, tuple[str, ...]]

    def variant_list(self, name: str) -> tuple[str, ...]:
        return self.variants.get(name, ())


@cache
def name_pool() -> NamePool:
    text = resources.files(__package__).joinpath("data", "names.csv").read_text(encoding="utf-8")
    f: list[str] = []
    m: list[str] = []
    s: list[str] = []
    st: list[str] = []
    variants: dict[str, tuple[str, ...]] = {}
    for row in csv.DictReader(text.splitlines()):
        kind, name = row["kind"], row["name"]
        if kind == "forename":
            (f if row["sex"] == "F" else m).append(name)
        elif kind == "surname":
            s.append(name)
        else:
            st.append(name)
        if row["variants"]:
            variants[f"{kind}:{name}"] = tuple(row["variants"].split("|"))
    return NamePool(tuple(f), tuple(m), tuple(s), tuple(st), variants)


def zipf_weights(n: int, exponent: float = 0.8) -> np.ndarray:
    """Name frequencies are skewed: a few common names, a long tail (so namesakes occur naturally)."""
    w = 1.0 / np.arange(1, n + 1) ** exponent
    return np.asarray(w / w.sum())


def postcodes(rng: np.random.Generator, area: Area, n: int, districts: int = 24) -> list[str]:
    """``n`` postcodes in the canonical ``AA9 9AA`` / ``AA99 9AA`` form inside a fictional area."""
    d = rng.integers(1, districts + 1, n)
    sector = rng.integers(0, 10, n)
    a = _INWARD_LETTERS[rng.integers(0, len(_INWARD_LETTERS), n)]
    b = _INWARD_LETTERS[rng.integers(0, len(_INWARD_LETTERS), n)]
    pa = area.postcode_area
    return [f"{pa}{x} {y}{p}{q}" for x, y, p, q in zip(d.tolist(), sector.tolist(), a.tolist(), b.tolist(),
                                                        strict=True)]


def phones(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` UK mobile numbers in canonical ``07xxx xxxxxx`` form."""
    block = rng.integers(7400, 7999, n)
    rest = rng.integers(0, 1_000_000, n)
    return [f"0{b} {r:06d}" for b, r in zip(block.tolist(), rest.tolist(), strict=True)]


def vehicle_marks(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` registration marks in the current UK format (``AB12 CDE``)."""
    letters = _MARK_LETTERS[rng.integers(0, len(_MARK_LETTERS), (n, 5))]
    age = rng.choice(np.array([11, 12, 13, 14, 15, 16, 17, 18, 19, 61, 62, 63, 64, 65, 66, 67, 68, 69]), n)
    return [f"{r[0]}{r[1]}{a:02d} {r[2]}{r[3]}{r[4]}" for r, a in zip(letters.tolist(), age.tolist(), strict=True)]
