"""Free-text notes written by officers, social workers, nurses and charity staff.

Most notes about a child are child-centred; some use victim-blaming or adultifying language ("she is
putting herself at risk", "her older boyfriend", "promiscuous", "consented"), at a rate set by the
writer's team (weaker teams write more of it); some are hard negatives that a naive word search
would flag: negation, reported speech, or a correction of earlier wording. Each note is about 300
characters and carries a team and a pseudonymous author code. The truth row says whether the note
is victim-blaming and which category it was built from. Notes never name the person.
"""

from __future__ import annotations

import numpy as np

from .teams import Teams
from .world import AreaWorld

__all__ = ["CATEGORIES", "note_text", "write_note"]

CATEGORIES = ("child_centred", "victim_blaming", "negation", "reported_speech", "correction", "neutral")

_OPEN = (
    "Attended following a call from the school. ",
    "Return home interview completed today. ",
    "Strategy discussion held with police and social care. ",
    "Information received from the child's mother. ",
    "Child seen at home with a parent present. ",
    "Contact made following the missing episode overnight. ",
    "Visit to the address with a colleague. ",
)
_CHILD = (
    "{S} disclosed being given alcohol and a phone by older males before being abused.",
    "{S} is a child being groomed and exploited by adults and could not consent to what happened.",
    "{S} was found at a flat linked to adult males; {s} is a victim of sexual exploitation.",
    "{S} appeared frightened and said adults told {o} not to speak to police.",
    "{S} is being controlled by the men through gifts, threats and lifts in cars.",
    "Adults involved are exploiting {o}; the risk to the child is assessed as high.",
)
_BLAME = (
    "{S} is putting {r} at risk by going out with these men.",
    "{S} has an older boyfriend who buys {o} gifts and {s} says {s} is happy.",
    "{S} was prostituting {r} for cigarettes and alcohol.",
    "{S} is promiscuous and is known to associate with older males.",
    "{S} consented to sex with the males and went willingly to the hotel.",
    "{S} is streetwise and is making {r} available to older men.",
    "{S} is choosing this lifestyle and will not help {r}.",
)
_NEGATION = (
    "It would be wrong to say {s} is putting {r} at risk; {s} is a child who is being exploited.",
    "There is no suggestion that {s} consented: a child cannot consent to {p} own abuse.",
    "{S} is not promiscuous and must not be described that way; {s} is a victim.",
)
_REPORTED = (
    "The suspect claimed {s} was his girlfriend and had consented; this is not accepted, {s} is a child victim.",
    "A relative said {s} was 'prostituting {r}'; staff explained this is exploitation, not a choice.",
    "The male told officers {s} was 'his older boyfriend's friend' and came willingly; {s} is a victim.",
)
_CORRECTION = (
    "Correction to the earlier entry, which described {o} as promiscuous: that wording was wrong, {s} is a child victim.",
    "Earlier note said {s} was putting {r} at risk. Amended: adults were exploiting {o}.",
)
_NEUTRAL = (
    "Statement taken from the victim. House-to-house enquiries completed and CCTV requested from nearby premises.",
    "Suspect interviewed under caution and released under investigation pending forensic results.",
    "Report of damage to a vehicle outside the address. No witnesses identified at this time.",
    "Property recovered and returned to the owner. Crime reference given to the caller.",
    "Patient attended clinic; advice given and follow-up appointment booked in two weeks.",
)
_CLOSE = (
    " Actions: strategy meeting, CSE risk assessment, referral to the exploitation team.",
    " Plan agreed with the family; next visit booked for next week.",
    " Safeguarding referral made and intelligence submitted.",
    " Disruption options to be discussed at the next MACE meeting.",
    " Case to be reviewed by a supervisor.",
)
_FILLER = (
    "A phone was seized for examination and the downloads are awaited.",
    "Details of vehicles seen at the address have been passed to the intelligence unit.",
    "School attendance has dropped over the last term.",
    "Nothing further was disclosed at this time.",
    "Mother reports unexplained gifts and new clothes.",
    "Officers checked the hotel register with the manager's help.",
)
_PRONOUNS = {"F": ("she", "her", "herself", "her"), "M": ("he", "him", "himself", "his")}
_PARTNER_TEAMS = {
    "social_care": ("MASH", "Exploitation Team", "CIN Team 2"),
    "health": ("Safeguarding Nurses", "Sexual Health"),
    "ngo": ("Outreach",),
}
_PARTNER_BLAME = {"MASH": 0.06, "Exploitation Team": 0.03, "CIN Team 2": 0.18, "Safeguarding Nurses": 0.04,
                  "Sexual Health": 0.08, "Outreach": 0.02}


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(0, len(options)))]


def note_text(rng: np.random.Generator, category: str, sex: str) -> str:
    """A note of about 300 characters built from the category's sentences."""
    s, o, r, p = _PRONOUNS.get(sex, _PRONOUNS["F" if rng.random() < 0.5 else "M"])
    body = {
        "child_centred": _CHILD, "victim_blaming": _BLAME, "negation": _NEGATION,
        "reported_speech": _REPORTED, "correction": _CORRECTION, "neutral": _NEUTRAL,
    }[category]
    subject = _pick(rng, ("The child", "The young person", "YP", s.capitalize()))
    middle = _pick(rng, body).format(S=subject, s=s, o=o, r=r, p=p)
    text = _pick(rng, _OPEN) + middle + " " + _pick(rng, _FILLER) + _pick(rng, _CLOSE)
    return text


def _category(rng: np.random.Generator, p_blame: float, about_child: bool) -> str:
    if not about_child:
        return "neutral"
    u = rng.random()
    if u < p_blame:
        return "victim_blaming"
    if u < p_blame + 0.10:
        return str(rng.choice(np.array(["negation", "reported_speech", "correction"])))
    return "child_centred"


def write_note(w: AreaWorld, kind: str, about_type: str, about_id: str, day: int, team: str | None,
               teams: Teams, about_child: bool, sex: str | None = None) -> str:
    """Write one note about a record; the team (and its planted language rate) decides the wording."""
    rng = w.rng
    if kind == "police":
        team = team or teams.pick_cse(rng)
        author = teams.author(rng, team)
        p_blame = teams.profile(team).p_victim_blaming_note
    else:
        team = _pick(rng, _PARTNER_TEAMS[kind])
        author = f"{w.code(kind)[:2]}{int(rng.integers(100, 140)):03d}"
        p_blame = _PARTNER_BLAME[team]
    cat = _category(rng, p_blame, about_child)
    text = note_text(rng, cat, sex or ("F" if rng.random() < 0.7 else "M"))
    nid = w.new_id(kind, "notes")
    from .tables import fmt_datetimes

    written = fmt_datetimes(np.array([day]), np.array([int(rng.integers(0, 86400))]))[0]
    w.bufs["notes"].add(source=w.code(kind), note_id=nid, about_type=about_type, about_id=about_id,
                        written_at=written, author=author, team=team, text=text)
    w.truth["notes"].add(source=w.code(kind), note_id=nid, victim_blaming=str(cat == "victim_blaming").lower(),
                         category=cat, team=team, author=author)
    return nid
