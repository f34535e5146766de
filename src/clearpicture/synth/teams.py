"""Investigating teams and the planted differences between stronger and weaker ones.

Each force has teams (``CSE Team``, ``PPU North``, ``PPU South`` for child protection work, ``CID
East``, ``CID West``, ``Response`` for the rest). Some forces and teams are planted as weaker: more
crimes closed with outcomes 14-16, slower outcomes, fewer safeguarding referrals within 7 days, fewer
arrests and disruption orders. The exact parameters are written to ``truth/investigations.json`` so
the investigations stage can be checked against them. Teams appear in the data only through the
notes their officers write about the crimes they investigate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["CSE_TEAMS", "OTHER_TEAMS", "Profile", "STRONG", "WEAK", "Teams"]

CSE_TEAMS = ("CSE Team", "PPU North", "PPU South")
OTHER_TEAMS = ("CID East", "CID West", "Response")


@dataclass(frozen=True)
class Profile:
    """How a team investigates: outcome shares, delays and safeguarding actions."""

    p_charge: float
    p_evidential: float  # outcomes 14, 15, 16 together
    outcome_delay_days: float  # mean days from crime to outcome
    p_open: float
    p_referral_7d: float  # a safeguarding referral within 7 days of a crime against a child
    p_disruption: float
    p_arrest: float
    p_victim_blaming_note: float


STRONG = Profile(0.30, 0.28, 75.0, 0.10, 0.80, 0.45, 0.70, 0.06)
WEAK = Profile(0.12, 0.55, 190.0, 0.10, 0.35, 0.12, 0.40, 0.22)


class Teams:
    """The teams of one force and which of them are planted as weaker."""

    def __init__(self, rng: np.random.Generator, force: str, weak_force: bool) -> None:
        self.force = force
        self.weak_force = weak_force
        self.group_leads: dict[str, str] = {}
        self.weak_teams = {CSE_TEAMS[1 + int(rng.integers(0, 2))]}
        if weak_force:
            self.weak_teams |= set(CSE_TEAMS)
        self.authors = {t: [f"{force[:2]}{i * 37 % 1000:03d}{chr(65 + j)}" for i in range(1, 9)]
                        for j, t in enumerate(CSE_TEAMS + OTHER_TEAMS)}

    def profile(self, team: str) -> Profile:
        return WEAK if team in self.weak_teams else STRONG

    def is_weak(self, team: str) -> bool:
        return team in self.weak_teams

    def pick_cse(self, rng: np.random.Generator) -> str:
        return CSE_TEAMS[int(rng.choice(3, p=[0.5, 0.25, 0.25]))]

    def pick_other(self, rng: np.random.Generator) -> str:
        return OTHER_TEAMS[int(rng.choice(3, p=[0.4, 0.4, 0.2]))]

    def pick_other_many(self, rng: np.random.Generator, n: int) -> list[str]:
        return np.asarray(OTHER_TEAMS, dtype=object)[rng.choice(3, n, p=[0.4, 0.4, 0.2])].tolist()  # type: ignore[no-any-return]

    def author(self, rng: np.random.Generator, team: str) -> str:
        a = self.authors[team]
        return a[int(rng.integers(0, len(a)))]

    def truth(self) -> dict[str, object]:
        return {"force": self.force, "weak_force": self.weak_force, "weaker_teams": sorted(self.weak_teams),
                "group_lead_teams": dict(sorted(self.group_leads.items()))}


def outcome(rng: np.random.Generator, prof: Profile, has_suspect: bool) -> str | None:
    """A Home Office outcome code for a crime, or None while the investigation is open."""
    u = rng.random()
    if u < prof.p_open:
        return None
    if not has_suspect:
        return "18" if rng.random() < 0.85 else "14"
    u = rng.random()
    if u < prof.p_charge:
        return "1"
    if u < prof.p_charge + prof.p_evidential:
        return str(rng.choice(np.array(["14", "15", "16"]), p=[0.15, 0.45, 0.40]))
    return str(rng.choice(np.array(["2", "8", "10", "20", "21"]), p=[0.2, 0.2, 0.1, 0.3, 0.2]))


def outcomes(rng: np.random.Generator, prof: Profile, n: int) -> list[str | None]:
    """Vectorised :func:`outcome` for ``n`` crimes with a suspect (the bulk of ordinary crime)."""
    codes = np.array(["", "1", "14", "15", "16", "2", "8", "10", "20", "21"], dtype=object)
    rest = 1.0 - prof.p_open
    other = rest * (1 - prof.p_charge - prof.p_evidential)
    p = np.array([prof.p_open, rest * prof.p_charge, rest * prof.p_evidential * 0.15,
                  rest * prof.p_evidential * 0.45, rest * prof.p_evidential * 0.40,
                  other * 0.2, other * 0.2, other * 0.1, other * 0.3, other * 0.2])
    picked = codes[rng.choice(len(codes), n, p=p / p.sum())]
    return [c or None for c in picked.tolist()]


def profiles_truth() -> dict[str, dict[str, float]]:
    return {"stronger": asdict(STRONG), "weaker": asdict(WEAK)}
