"""``clearpicture estimate``: how many victims, including the unrecorded (multiple systems estimation)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from .. import estimate as est
from ..errors import InputError
from ._common import echo_err, emit_json, json_option, progress_option, stage_progress
from ._existing import open_existing


def _fmt(x: Any, spec: str = ",.0f") -> str:
    return "—" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


@click.command("estimate")
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Workspace: estimate from the linked victims.")
@click.option("--counts", "counts", type=click.Path(dir_okay=False),
              help='JSON file {"lists": [...], "rows": [{"pattern": "1010", "count": n}]}.')
@click.option("--model", "model", default=None,
              help='Fix the model: terms beyond main effects, e.g. "LA:NG,PFNCA:GP"; "" = main effects only.')
@click.option("--method", type=click.Choice(est.METHODS), default="auto", show_default=True,
              help="Model choice when --model is not given (auto: AIC up to 5 lists, else stepwise_csv).")
@click.option("--max-order", "maxorder", type=int, default=2, show_default=True,
              help="Highest interaction order searched by bic/aic.")
@click.option("--pthresh", type=float, default=None, help="p-value threshold of the stepwise methods.")
@click.option("--interval", type=click.Choice(["averaged", "profile", "parametric", "lognormal", "bca"]),
              default=None, help="Which interval gives lower/upper. Default: averaged over the candidate models "
              "when the model is searched for, profile likelihood when --model fixes it or only one model is "
              "admissible (bca repeats the model choice on every resample: slow).")
@click.option("--bootstrap", "replicates", type=int, default=1000, show_default=True, help="Bootstrap replicates.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the bootstraps.")
@click.option("--level", type=float, default=0.95, show_default=True, help="Interval coverage.")
@click.option("--definition", default=est.stage.DEFAULT_DEFINITION, show_default=True,
              help="With --db: the definition whose victims are counted.")
@click.option("--strata", type=click.Choice(list(est.stage.STRATA)), default=None,
              help="With --db: estimate each stratum separately and add them up.")
@click.option("--kinds", default=None, help="With --db: source kinds used as lists, e.g. police,social_care,health.")
@click.option("--as-of", "as_of", default=None, help="With --strata age_band: date ages are taken on (YYYY-MM-DD).")
@click.option("--evidence", type=click.Choice(est.lists.EVIDENCE), default=est.lists.EVIDENCE[0], show_default=True,
              help="With --db: which records put a victim on an agency's list (docs/estimate.md).")
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True, help="Candidate models shown (all are in --json).")
@click.option("--audience", type=click.Choice(["internal", "partner"]), default="internal", show_default=True,
              help="partner: disclosure control (pattern counts under 10 suppressed with secondary suppression, "
              "others and modelled figures rounded to 5, fit statistics left out).")
@json_option
@progress_option
def estimate_command(db: str | None, counts: str | None, model: str | None, method: str, maxorder: int,
                     pthresh: float | None, interval: str | None, replicates: int, seed: int, level: float,
                     definition: str, strata: str | None, kinds: str | None, as_of: str | None, evidence: str,
                     top: int, audience: str, as_json: bool, show_progress: bool | None) -> None:
    """Estimate the total number of victims, recorded or not, from the overlap between lists.

    Every candidate model is shown with its estimate: when they disagree, the data cannot settle
    the number, and the interval of one model understates the uncertainty.
    """
    if (db is None) == (counts is None):
        raise InputError("give exactly one of --db or --counts")
    if counts is not None:
        ctx = click.get_current_context()
        given = [f"--{name.replace('_', '-')}" for name in ("definition", "strata", "kinds", "as_of", "evidence")
                 if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE]
        if given:  # they choose the victims in a workspace; with --counts they would be silently ignored
            raise InputError(f"{', '.join(given)} appl{'ies' if len(given) == 1 else 'y'} with --db only, "
                             "not with --counts")
    options = est.EstimateOptions(method=method, maxorder=maxorder, pthresh=pthresh, interval=interval,
                                  intervals=tuple(dict.fromkeys([*([interval] if interval else []), "averaged", "profile",
                                                                  "parametric"])),
                                  level=level, bootstrap=replicates, seed=seed)
    if counts is not None:
        table = est.read_counts_file(counts)
        doc = est.estimate_table(table, est.parse_model(model, table.lists), options).to_dict()
        by_stratum = {"all": {r["pattern"]: r["count"] for r in table.rows()}}
    else:
        try:
            when = date.fromisoformat(as_of) if as_of else None
        except ValueError as exc:
            raise InputError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from exc
        config = est.EstimateConfig(definition=definition, strata=strata, model=model, options=options, as_of=when,
                                    kinds=tuple(k.strip() for k in kinds.split(",") if k.strip()) if kinds else None,
                                    evidence=evidence)
        with open_existing(str(db)) as store:
            with stage_progress(show_progress, "estimate", store):
                _, doc = est.run_with_output(store, config)
            by_stratum = est.stage.pattern_counts(store, doc["run_id"])[1]
    if audience == "partner":
        doc = est.share.partner_document(doc, by_stratum)
    if as_json:
        emit_json(doc)
    else:
        _print(doc, top)
    for line in doc.get("warnings", []):
        echo_err(f"warning: {line}")


def _print(doc: dict[str, Any], top: int) -> None:
    console = Console()
    if doc.get("note"):
        console.print(doc["note"])
    console.print(f"lists: {', '.join(doc['lists'])}    observed: {_fmt(doc['observed'], ',')}")
    console.print(f"estimated total: [bold]{_fmt(doc['estimate'])}[/bold]  "
                  f"({doc.get('level', 0.95):.0%} interval {_fmt(doc['lower'])} – "
                  f"{'no finite upper limit' if doc['upper'] is None else _fmt(doc['upper'])}, "
                  f"{doc.get('interval')})")
    console.print(f"model: {doc['model'] or 'main effects only'}")
    out = Table(title=f"candidate models (best {min(top, len(doc['models']))} of {len(doc['models'])})")
    for col in ("model", "estimate", "AIC", "BIC", "note"):
        out.add_column(col, justify="left" if col in ("model", "note") else "right")
    for m in doc["models"][:top]:
        name = (f"{m['stratum']}: " if "stratum" in m else "") + (m["model"] or "main effects")
        note = "chosen" if m["chosen"] else (m["reason"] or "")
        out.add_row(name, _fmt(m["estimate"]), _fmt(m.get("aic"), ".1f"), _fmt(m.get("bic"), ".1f"), note)
    console.print(out)
    for st in doc.get("steps", []):
        stat = next((f"{k} {st[k]:.4g}" for k in ("poisson_p", "wald_p") if k in st), "")
        what = f"{st['pair']} {'added' if st.get('added') else 'not added'}" if "pair" in st else "stop"
        why = f"; stop: {st['stop']}" if st.get("stop") else ""
        console.print(f"step {st['step']}: {what}" + (f" ({stat})" if stat else "") + why)
    if doc.get("patterns"):
        grid = Table(title="capture patterns (* = suppressed)")
        columns = [k for k in doc["patterns"][0] if k not in ("pattern", "lists")]
        for col in ("pattern", "lists", *columns):
            grid.add_column(col, justify="left" if col in ("pattern", "lists") else "right")
        for row in doc["patterns"]:
            grid.add_row(row["pattern"], row["lists"], *("*" if row[c] is None else _fmt(row[c], ",") for c in columns))
        console.print(grid)


commands: list[click.Command] = [estimate_command]
