"""Benchmark: language review of synthetic notes against a no-context regular-expression baseline.

Generates N synthetic note texts (~300 characters, default 1,000,000) in chunks, and for each chunk
times, in the same run and on one core:
  * baseline (trie): one compiled regex of every rule's literal terms (factored as a trie), finditer
    over the note, no context: the cheapest thing that could call itself a detector;
  * baseline (plain): the same terms as a plain ``a|b|c`` alternation, for reference;
  * clearpicture: ``Matcher.review`` (prefilter, rule patterns, context checks).
Prints notes per second, the ratio to the baseline, findings, and the process's peak memory.
Rates are given twice: per CPU-second of this process (``time.process_time``: what one core
delivers, unaffected by other jobs on a shared machine) and per wall-clock second.

    .venv/bin/python benchmarks/language.py [--notes 1000000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import time

from clearpicture.language import load_rules
from clearpicture.language.matcher import Matcher, baseline_regex

# Sentence pools. Neutral operational text; text using neighbouring words safely (these reach the
# context checks); and wording the rules should flag. Names include accents and emoji on purpose.
NEUTRAL = [
    "Strategy meeting held at the MASH with police, health and social care.",
    "Return home interview offered by the commissioned service on {d}.",
    "Officers attended the address at {t} and spoke to the occupants.",
    "{n} attended school today and saw the pastoral lead.",
    "CCTV requests submitted to the council for the bus station.",
    "Safety plan reviewed with the family and the allocated worker.",
    "Vehicle VRM checked on PNC; registered keeper in Bradford.",
    "Referral sent to the sexual health clinic with consent of the parent.",
    "Telephone call from the school nurse; information logged.",
    "Missing episode closed; {n} found at a friend's house by officers.",
    "Intelligence submitted regarding the takeaway on the high street.",
    "No further contact made today; next visit booked for Monday.",
]
NEIGHBOURING = [
    "{n} is at risk of sexual exploitation from adults in the area.",
    "Adults have been contacting {n} through Snapchat and a gaming site.",
    "A 27-year-old man is grooming and sexually exploiting {n}.",
    "Partner agencies agreed the risk assessment at the strategy meeting.",
    "The suspect was hostile and uncooperative in interview.",
    "{n} said \"he's my boyfriend\"; he is 24 and the suspect.",
    "There is no suggestion that {n} consented; she is 13.",
    "Her mother's boyfriend has moved into the address.",
    "She was lying on the sofa when officers arrived.",
    "The men put her at risk by taking her to parties.",
]
FLAGGED = [
    "{n} continues to put herself at risk by going to the flat.",
    "Concerns raised due to her general proclivity with older men.",
    "{n} is streetwise and mature for her age.",
    "Her boyfriend, who is 26, collects her from school.",
    "She is making her own choices and refuses to engage.",
    "She absconded again and was found at the takeaway.",
    "Low-level CSE concerns only; lifestyle choice.",
    "She has been exchanging sex for cannabis.",
]
NAMES = ["Zoë", "Chloé", "Siân", "Anaïs", "Mia", "Olivia", "Amira", "Łucja", "Renée 🙂", "Kayla"]


def make_note(rng: random.Random) -> str:
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < 280:
        r = rng.random()
        pool = FLAGGED if r < 0.04 else NEIGHBOURING if r < 0.20 else NEUTRAL
        parts.append(rng.choice(pool).format(n=rng.choice(NAMES), d=f"{rng.randint(1, 28)} May",
                                             t=f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"))
    return " ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=20_000)
    ap.add_argument("--plain-sample", type=int, default=50_000,
                    help="time the (slow) plain-alternation baseline on this many notes only")
    args = ap.parse_args()

    rules = load_rules()
    matcher = Matcher(rules)
    trie = baseline_regex(rules)
    terms = sorted({t for r in rules.rules for t in r.terms}, key=len, reverse=True)
    plain = re.compile(r"\b(?:" + "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms) + ")", re.I)
    rng = random.Random(args.seed)

    t_trie = t_plain = t_match = 0.0
    c_trie = c_match = 0.0
    plain_done = 0
    chars = flagged = findings = base_hits = 0
    done = 0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    while done < args.notes:
        n = min(args.chunk, args.notes - done)
        notes = [make_note(rng) for _ in range(n)]
        chars += sum(map(len, notes))

        c0, t0 = time.process_time(), time.perf_counter()
        for note in notes:
            base_hits += bool(trie.findall(note))
        c1, t1 = time.process_time(), time.perf_counter()
        if plain_done < args.plain_sample:
            for note in notes:
                plain.findall(note)
            plain_done += n
            t_plain += time.perf_counter() - t1
        c2, t2 = time.process_time(), time.perf_counter()
        for note in notes:
            found = matcher.review(note)
            flagged += bool(found)
            findings += len(found)
        c3, t3 = time.process_time(), time.perf_counter()
        c_trie += c1 - c0
        c_match += c3 - c2
        t_trie += t1 - t0
        t_match += t3 - t2
        done += n
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    rate = done / c_match
    print(f"notes: {done:,}  mean length: {chars / done:.0f} characters  rules v{rules.version} ({len(rules.rules)} rules)")
    print("                                                 per CPU-second   per wall-second")
    print(f"baseline, trie regex of all terms (no context): {done / c_trie:>14,.0f} {done / t_trie:>17,.0f}"
          f"   notes with a term: {base_hits / done:.1%}")
    print(f"baseline, plain alternation of all terms:       {'':>14} {plain_done / t_plain:>17,.0f}"
          f"   (first {plain_done:,} notes)")
    print(f"clearpicture review (prefilter + context):      {rate:>14,.0f} {done / t_match:>17,.0f}"
          f"   flagged notes: {flagged / done:.1%}; findings: {findings:,}")
    print(f"review / trie baseline: {c_match / c_trie:.2f}x CPU time ({t_match / t_trie:.2f}x wall); "
          f"review / plain baseline: {(t_match / done) / (t_plain / plain_done):.2f}x wall")
    print(f"peak RSS: {peak_kib / 1024:.0f} MiB (at start {rss_before / 1024:.0f} MiB; chunks of {args.chunk:,} notes)")
    print(f"target >= 20,000 notes/s per core: {'met' if rate >= 20_000 else 'NOT met'}; within 3x of baseline: "
          f"{'met' if c_match / c_trie <= 3 else 'NOT met'}")

if __name__ == "__main__":
    main()
