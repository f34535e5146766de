"""The true population of one synthetic area: real individuals, their households and attributes.

People are made in households (same surname mostly, same address, postcode and home phone) so that
relatives at one address are easily confused with each other, as in real records. Sex, ethnicity
and nationality are drawn independently of any role; names come from the one shared pool. This
module only describes people as they really are: how agencies record them (with noise) is
:mod:`records`' job.
"""

from __future__ import annotations

import numpy as np

from .pool import Area, name_pool, phones, postcodes, zipf_weights

__all__ = ["ETHNICITY", "People", "REF_DAY", "day"]

#: Self-defined ethnicity (2021 Census codes) and rough shares for England and Wales.
ETHNICITY: dict[str, float] = {
    "W1": 0.740, "W2": 0.009, "W3": 0.001, "W4": 0.002, "W5": 0.062, "M1": 0.009, "M2": 0.004,
    "M3": 0.008, "M4": 0.006, "A1": 0.031, "A2": 0.027, "A3": 0.011, "A4": 0.007, "A5": 0.016,
    "B1": 0.011, "B2": 0.025, "B3": 0.005, "O1": 0.006, "O2": 0.018,
}
#: Officer-observed code most often given for each self-defined group.
OFFICER = {"W": "IC1", "M": "IC9", "A": "IC4", "B": "IC3", "O": "IC6"}
NATIONALITY: dict[str, float] = {
    "GBR": 0.86, "POL": 0.02, "ROU": 0.02, "IND": 0.012, "PAK": 0.01, "IRL": 0.006, "ITA": 0.006,
    "PRT": 0.006, "NGA": 0.005, "LTU": 0.005, "BGR": 0.005, "CHN": 0.004, "SOM": 0.004, "AFG": 0.004,
    "IRQ": 0.004, "ESP": 0.004, "DEU": 0.003, "BGD": 0.003, "UKR": 0.003, "ZWE": 0.003, "JAM": 0.003,
    "VNM": 0.003, "TUR": 0.003, "ERI": 0.003,
}


def day(iso: str) -> int:
    """ISO date → integer days since 1970-01-01."""
    return int(np.datetime64(iso, "D").astype(np.int64))


#: The day ages are reckoned against when a person is described as a child or an adult.
REF_DAY = day("2025-01-01")


class People:
    """Growing arrays of the area's real individuals, built in batches by household."""

    def __init__(self, rng: np.random.Generator, area: Area) -> None:
        self.rng = rng
        self.area = area
        self.dob: list[int] = []
        self.sex: list[str] = []
        self.hh: list[int] = []
        self.kind: list[str] = []
        # household attributes
        self.hh_surname: list[str] = []
        self.hh_postcode: list[str] = []
        self.hh_street: list[str] = []
        self.hh_phone: list[str] = []
        pool = name_pool()
        self._sur_w = zipf_weights(len(pool.surnames), 0.5)
        self._fem_w = zipf_weights(len(pool.forenames_f), 0.5)
        self._mal_w = zipf_weights(len(pool.forenames_m), 0.5)

    @property
    def n(self) -> int:
        return len(self.dob)

    def households(self, n: int) -> np.ndarray:
        """Create ``n`` households; return their ids."""
        rng = self.rng
        pool = name_pool()
        start = len(self.hh_surname)
        sur = rng.choice(len(pool.surnames), n, p=self._sur_w)
        self.hh_surname.extend(pool.surnames[i] for i in sur.tolist())
        self.hh_postcode.extend(postcodes(rng, self.area, n))
        num = rng.integers(1, 240, n)
        st = rng.integers(0, len(_STREETS), n)
        suffix = rng.integers(0, len(_STREET_KINDS), n)
        self.hh_street.extend(
            f"{a} {_STREETS[b]} {_STREET_KINDS[c]}" for a, b, c in zip(num.tolist(), st.tolist(), suffix.tolist(),
                                                                       strict=True)
        )
        self.hh_phone.extend(phones(rng, n))
        return np.arange(start, start + n)

    def add(self, hh: np.ndarray, dob: np.ndarray, kind: str, sex: np.ndarray | None = None) -> np.ndarray:
        """Add one person per entry of ``hh`` with birth days ``dob``; return their indices."""
        n = len(hh)
        start = self.n
        if sex is None:
            sex = self.rng.choice(np.array(["F", "M", "X"]), n, p=[0.497, 0.497, 0.006])
        self.dob.extend(dob.astype(np.int64).tolist())
        self.sex.extend(sex.tolist())
        self.hh.extend(hh.astype(np.int64).tolist())
        self.kind.extend([kind] * n)
        return np.arange(start, start + n)

    def adults_dob(self, n: int, at_day: int | np.ndarray, lo: float = 18, hi: float = 60) -> np.ndarray:
        """Birth days for people aged ``lo``..``hi`` years at ``at_day``."""
        age = self.rng.uniform(lo, hi, n) * 365.25
        return (np.asarray(at_day) - age).astype(np.int64)

    def finish(self) -> None:
        """Draw names and the protected characteristics, independently of any role."""
        rng = self.rng
        pool = name_pool()
        n = self.n
        self.dob_a = np.asarray(self.dob, dtype=np.int64)
        self.sex_a = np.asarray(self.sex)
        self.hh_a = np.asarray(self.hh, dtype=np.int64)
        self.kind_a = np.asarray(self.kind)
        female = (self.sex_a == "F") | ((self.sex_a == "X") & (rng.random(n) < 0.5))
        fi = rng.choice(len(pool.forenames_f), n, p=self._fem_w)
        mi = rng.choice(len(pool.forenames_m), n, p=self._mal_w)
        self.forename = [pool.forenames_f[a] if f else pool.forenames_m[b]
                         for a, b, f in zip(fi.tolist(), mi.tolist(), female.tolist(), strict=True)]
        # a parent and child rarely share a forename: redraw repeats within a household
        seen: set[tuple[int, str]] = set()
        for p in range(n):
            for _ in range(4):
                key = (self.hh[p], self.forename[p])
                if key not in seen:
                    break
                names = pool.forenames_f if female[p] else pool.forenames_m
                self.forename[p] = names[int(rng.integers(0, len(names)))]
            seen.add((self.hh[p], self.forename[p]))
        has_mid = rng.random(n) < 0.3
        mid_f = rng.choice(len(pool.forenames_f), n)
        mid_m = rng.choice(len(pool.forenames_m), n)
        self.middle: list[str | None] = [
            (pool.forenames_f[a] if f else pool.forenames_m[b]) if h else None
            for a, b, f, h in zip(mid_f.tolist(), mid_m.tolist(), female.tolist(), has_mid.tolist(), strict=True)
        ]
        # most household members share the surname; some (step-parents, lodgers) do not
        own = rng.random(n) < 0.12
        other = rng.choice(len(pool.surnames), n, p=self._sur_w)
        self.surname = [pool.surnames[o] if w else self.hh_surname[h]
                        for h, o, w in zip(self.hh, other.tolist(), own.tolist(), strict=True)]
        codes = list(ETHNICITY)
        w = np.array([ETHNICITY[c] for c in codes])
        self.eth_self = np.asarray(codes)[rng.choice(len(codes), n, p=w / w.sum())]
        off = np.array([OFFICER[c[0]] for c in self.eth_self.tolist()])
        noise = rng.random(n) < 0.15
        off[noise] = rng.choice(np.array(["IC1", "IC2", "IC3", "IC4", "IC5", "IC6", "IC9"]), int(noise.sum()))
        self.eth_officer = off
        nats = list(NATIONALITY)
        nw = np.array([NATIONALITY[c] for c in nats])
        self.nationality = np.asarray(nats)[rng.choice(len(nats), n, p=nw / nw.sum())]
        age = (REF_DAY - self.dob_a) / 365.25
        own_phone = rng.random(n) < np.where(age >= 16, 0.9, np.where(age >= 11, 0.7, 0.0))
        mob = phones(rng, n)
        self.phone: list[str | None] = [m if o else None for m, o in zip(mob, own_phone.tolist(), strict=True)]
        # an alias or street name for some adults (those who have one use it across agencies)
        has_alias = (age >= 16) & (rng.random(n) < 0.06)
        al = rng.choice(len(pool.street), n)
        self.alias: list[str | None] = [pool.street[a] if h else None
                                        for a, h in zip(al.tolist(), has_alias.tolist(), strict=True)]

    def set_alias_share(self, idx: np.ndarray, share: float) -> None:
        """Give a share of ``idx`` (e.g. offenders, crew members) a street name."""
        pool = name_pool()
        pick = idx[self.rng.random(len(idx)) < share]
        names = self.rng.choice(len(pool.street), len(pick))
        for i, a in zip(pick.tolist(), names.tolist(), strict=True):
            self.alias[i] = pool.street[a]


_STREETS = (
    "Mill", "Church", "Station", "Victoria", "Park", "High", "Chapel", "Albert", "Queen", "King", "Grove",
    "Manor", "Orchard", "Brook", "Meadow", "Willow", "Beech", "Ash", "Elm", "Cedar", "Hawthorn", "Heather",
    "Moor", "Fen", "Canal", "Wharf", "Foundry", "Forge", "Tanners", "Weavers", "Cobden", "Peel",
    "Nelson", "Wellington", "Clifton", "Belmont", "Ridge", "Valley", "Spring", "Well",
)
_STREET_KINDS = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Terrace", "Way", "Crescent", "Grove")
