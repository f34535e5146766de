"""Network: evidence edges between resolved entities, offender groups, their explanation and exports.

The stage entry is :func:`run` (``clearpicture groups``). Edges carry the records that support them
(``edge_evidence``) and a strength summed per entity pair (``edge_entities``); groups are offenders
joined by strong non-victim evidence and linked to a child victim through events meeting the
group-based definition in force (``group_members``, ``group_summary``, ``group_evidence`` ...).
Roles belong to evidence links, a person only ever a victim is never in suspect-network measures,
no person is scored, and no protected characteristic is read anywhere in this package.
"""

from __future__ import annotations

from .config import DEFAULT_CONFIG, NetworkConfig, load_config
from .query import groups_document
from .stage import GROUP_TABLES, run

__all__ = ["DEFAULT_CONFIG", "GROUP_TABLES", "NetworkConfig", "groups_document", "load_config", "run"]
