"""How agencies record a real person: person rows with realistic noise, per source kind.

Each record starts from the true person and is then damaged the way real records are: typos,
nicknames and spelling variants, street names among aliases, missing or approximate dates of birth
(day/month swaps, year only, a year out), changed or badly formatted postcodes, phones in several
formats, and a few plainly invalid values so validation has something to find. Rates are tuned so
most records keep two or three agreeing strong fields (a good probabilistic linkage can reach high
but not perfect accuracy). Ethnicity recording gaps depend on source and role, as in real data.
This module must not decide who appears where; callers pass the people to record.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .people import REF_DAY, People
from .pool import name_pool, postcodes
from .tables import fmt_dates, fmt_datetimes

__all__ = ["NOISE", "person_rows", "typo"]

#: Per-source-kind rates (missing DOB, alias recorded, ethnicity self/officer recorded, phone kept).
NOISE: dict[str, dict[str, float]] = {
    "police": {"dob_missing": 0.07, "alias": 0.7, "eth_self": 0.5, "eth_officer": 0.7, "phone": 0.6},
    "social_care": {"dob_missing": 0.03, "alias": 0.2, "eth_self": 0.85, "eth_officer": 0.0, "phone": 0.7},
    "health": {"dob_missing": 0.01, "alias": 0.05, "eth_self": 0.9, "eth_officer": 0.0, "phone": 0.8},
    "ngo": {"dob_missing": 0.25, "alias": 0.3, "eth_self": 0.4, "eth_officer": 0.0, "phone": 0.5},
}

_KEYS = "qwertyuiopasdfghjklzxcvbnm"


def typo(rng: np.random.Generator, s: str) -> str:
    """One keyboard-style slip: drop, double, swap or replace a letter (never the first)."""
    if len(s) < 3:
        return s
    i = int(rng.integers(1, len(s)))
    op = int(rng.integers(0, 4))
    if op == 0:
        return s[:i] + s[i + 1:]
    if op == 1:
        return s[:i] + s[i] + s[i:]
    if op == 2 and i < len(s) - 1:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + _KEYS[int(rng.integers(0, len(_KEYS)))] + s[i + 1:]


def _phone_format(rng: np.random.Generator, canonical: str) -> str:
    digits = canonical.replace(" ", "")  # 07xxxxxxxxx
    k = int(rng.integers(0, 6))
    if k == 0:
        return f"+44 {digits[1:5]} {digits[5:]}"
    if k == 1:
        return digits[1:]
    if k == 2:
        return digits
    if k == 3:
        return f"{digits[:5]}-{digits[5:]}"
    if k == 4:
        return f"+44{digits[1:]}"
    return canonical


def person_rows(people: People, idx: np.ndarray, kind: str, ids: list[str], source: str,
                rng: np.random.Generator, role_offender: np.ndarray | None = None) -> dict[str, Any]:
    """Columns of the persons table for records of people ``idx`` held by one source."""
    pool = name_pool()
    rate = NOISE[kind]
    n = len(idx)
    il = idx.tolist()
    u = rng.random((n, 24))
    fore = [people.forename[i] for i in il]
    sur = [people.surname[i] for i in il]
    mid: list[str | None] = [people.middle[i] if people.middle[i] is not None and u[j, 0] < 0.5 else None
                             for j, i in enumerate(il)]
    for j in np.flatnonzero(u[:, 1] < 0.10).tolist():  # nickname / variant
        v = pool.variant_list(f"forename:{fore[j]}")
        if v:
            fore[j] = v[int(rng.integers(0, len(v)))]
    for j in np.flatnonzero(u[:, 2] < 0.035).tolist():
        fore[j] = typo(rng, fore[j])
    for j in np.flatnonzero(u[:, 3] < 0.03).tolist():
        sur[j] = typo(rng, sur[j])
    for j in np.flatnonzero(u[:, 4] < 0.04).tolist():
        v = pool.variant_list(f"surname:{sur[j]}")
        if v:
            sur[j] = v[int(rng.integers(0, len(v)))]
    for j in np.flatnonzero(u[:, 5] < 0.006).tolist():  # forename and surname swapped
        fore[j], sur[j] = sur[j], fore[j]
    for j in np.flatnonzero(u[:, 6] < 0.03).tolist():  # case noise: all capitals
        fore[j], sur[j] = fore[j].upper(), sur[j].upper()

    aliases: list[str | None] = []
    for j, i in enumerate(il):
        parts = []
        a = people.alias[i]
        if a is not None and u[j, 7] < rate["alias"]:
            parts.append(a)
        if u[j, 8] < 0.05 * rate["alias"]:
            v = pool.variant_list(f"forename:{people.forename[i]}")
            if v:
                parts.append(v[0])
        aliases.append("|".join(parts) if parts else None)

    dob = people.dob_a[idx].copy()
    dob_s = fmt_dates(dob)
    for j in np.flatnonzero(u[:, 9] < 0.015).tolist():  # day and month swapped
        y, m, d = dob_s[j].split("-")
        if int(d) <= 12 and d != m:
            dob_s[j] = f"{y}-{d}-{m}"
    for j in np.flatnonzero(u[:, 10] < 0.015).tolist():  # a year out
        y, m, d = dob_s[j].split("-")
        dob_s[j] = f"{int(y) + (1 if u[j, 11] < 0.5 else -1):04d}-{m}-{d}"
    for j in np.flatnonzero(u[:, 12] < 0.01).tolist():  # day mistyped
        y, m, d = dob_s[j].split("-")
        dob_s[j] = f"{y}-{m}-{min(28, max(1, int(d) + int(rng.integers(-3, 4)))):02d}"
    for j in np.flatnonzero(u[:, 13] < 0.012).tolist():  # approximate: 1 January of the year
        dob_s[j] = dob_s[j][:4] + "-01-01"
    for j in np.flatnonzero(u[:, 13] > 0.996).tolist():  # year only
        dob_s[j] = dob_s[j][:4]
    for j in np.flatnonzero(u[:, 14] < 0.0015).tolist():  # invalid: impossible or in the future
        dob_s[j] = dob_s[j][:4] + "-02-30" if u[j, 11] < 0.5 else str(2031 + int(u[j, 15] * 5)) + dob_s[j][4:]
    dob_out: list[str | None] = [None if u[j, 16] < rate["dob_missing"] else s for j, s in enumerate(dob_s)]

    sex: list[str | None] = [None if u[j, 17] < 0.02 else people.sex[i] for j, i in enumerate(il)]

    hh = people.hh_a[idx]
    pc: list[str | None] = [people.hh_postcode[h] for h in hh.tolist()]
    moved = np.flatnonzero(u[:, 18] < 0.07)
    for j, p in zip(moved.tolist(), postcodes(rng, people.area, len(moved)), strict=True):
        pc[j] = p
    for j in range(n):
        x = u[j, 19]
        if x < 0.08:
            pc[j] = None
        elif x < 0.13:
            pc[j] = str(pc[j]).replace(" ", "")
        elif x < 0.17:
            pc[j] = str(pc[j]).lower()

    ages = (REF_DAY - people.dob_a[idx]) / 365.25
    phone: list[str | None] = []
    for j, i in enumerate(il):
        p = people.phone[i]
        if ages[j] < 18 and ((p is None and u[j, 20] < 0.2) or u[j, 20] < 0.05):
            p = people.hh_phone[people.hh[i]]  # a child recorded with the family phone
        if p is None or u[j, 21] > rate["phone"]:
            phone.append(None)
        else:
            phone.append(_phone_format(rng, p))

    off = np.zeros(n, bool) if role_offender is None else role_offender
    # suspects' ethnicity goes unrecorded about two times in three (national audit, 2025)
    eth_self_rate = np.where(off, min(rate["eth_self"], 0.33), rate["eth_self"])
    eth_off_rate = np.where(off, min(rate["eth_officer"], 0.36), rate["eth_officer"])
    ve = rng.random(n)
    es = np.where(ve < eth_self_rate, people.eth_self[idx], np.where(ve < eth_self_rate + 0.05, "NS", ""))
    eth_self: list[str | None] = es.tolist()
    eo = np.where(ve < eth_off_rate, people.eth_officer[idx], "")
    eth_off: list[str | None] = eo.tolist()
    nat: list[str | None] = np.where(u[:, 22] < 0.6, people.nationality[idx], "").tolist()
    for j in np.flatnonzero(u[:, 23] < 0.002).tolist():  # unknown or malformed codes
        eth_self[j] = "W9"
        eth_off[j] = "IC7"
        nat[j] = "uk"

    rec_day = rng.integers(REF_DAY - 6 * 365, REF_DAY, n)
    rec_sec = rng.integers(0, 86400, n)
    return {
        "source": [source] * n,
        "person_id": ids,
        "forename": fore,
        "middle_names": mid,
        "surname": sur,
        "aliases": aliases,
        "date_of_birth": dob_out,
        "sex": sex,
        "ethnicity_self": eth_self,
        "ethnicity_officer": eth_off,
        "nationality": nat,
        "postcode": pc,
        "phone": phone,
        "recorded_at": fmt_datetimes(rec_day, rec_sec),
    }
