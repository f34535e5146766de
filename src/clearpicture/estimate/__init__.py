"""Multiple systems estimation: how many victims are there, including those no agency has recorded?

Poisson log-linear models over the list-membership patterns of 2 to 8 lists (agencies), with the
extended MLE, existence and identifiability checks of Chan, Silverman & Vincent (SparseMSE), model
choice by AIC/BIC or the published stepwise procedures, and profile-likelihood and bootstrap
intervals. Method, pitfalls and reproduced published figures: docs/estimate.md.

Public face::

    estimate_counts(lists, rows, model=None, **options) -> Estimate     # the --counts JSON shape
    estimate_table(table, terms=None, options=None) -> Estimate
    read_counts_file(path) -> CountTable
    run(store, config=None) -> StageResult                              # victims in the workspace
    share.partner_document(doc, counts) -> dict                         # disclosure control for partners

Which records put a victim on an agency's list: :mod:`.lists`.

Estimates describe how many children may be unseen; they never score or identify an individual.
"""

from __future__ import annotations

from . import evaluation, lists, share, stage  # evaluation: registers the `evaluate` section
from .estimator import Estimate, EstimateOptions, estimate_counts, estimate_table
from .intervals import Interval
from .model import ModelFit, fit_model
from .select import METHODS, Selection, select_model
from .stage import EstimateConfig, estimate_store, run, run_with_output
from .table import CountTable, load_counts, parse_model, read_counts_file

__all__ = [
    "METHODS",
    "CountTable",
    "Estimate",
    "EstimateConfig",
    "EstimateOptions",
    "Interval",
    "ModelFit",
    "Selection",
    "estimate_counts",
    "estimate_store",
    "estimate_table",
    "evaluation",
    "fit_model",
    "lists",
    "load_counts",
    "parse_model",
    "read_counts_file",
    "run",
    "run_with_output",
    "select_model",
    "share",
    "stage",
]
