"""Writers for the network export formats, a registry of them, and the disclosure record.

Formats: GraphML and GEXF (Gephi, yEd, networkx), an i2 Analyst's Notebook import CSV (entities and
links), Neo4j ``neo4j-admin database import`` CSVs (nodes and relationships with ``:ID``, ``:LABEL``,
``:START_ID``, ``:END_ID``, ``:TYPE`` headers), and an SVG picture of one group for reports. Each
carries the OFFICIAL-SENSITIVE marking where the format allows: a graph attribute and an XML comment,
a ``marking`` column in CSVs plus a ``MARKING.txt`` beside them. Every export is a disclosure: it is
checked and written to the audit log with recipient and purpose before any file is written. A force adds a format by registering a writer.
This module must not decide what goes into the graph (``export_graph`` does).
"""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from ..errors import InputError
from ..security import Actor, local_operator
from ..security.exports import authorise_disclosure, safe_cell
from ..store import Store
from .export_graph import MARKING, export_graph
from .query import group_ids

__all__ = ["ANB_ENTITY_COLUMNS", "ANB_LINK_COLUMNS", "EXPORT_FORMATS", "NEO4J_NODE_HEADER",
           "NEO4J_RELATIONSHIP_HEADER", "export_network", "register_format"]

Writer = Callable[[nx.Graph, Path], list[Path]]
EXPORT_FORMATS: dict[str, Writer] = {}

NEO4J_NODE_HEADER = ["entityId:ID", ":LABEL", "type", "role", "group_id", "degree:int", "betweenness:double",
                     "events:int", "records:int", "sources", "first_at:localdatetime", "last_at:localdatetime", "marking"]
#: Dates are typed (local date-times, UTC as the store keeps them) so Cypher can compare and range over them.
NEO4J_RELATIONSHIP_HEADER = [":START_ID", ":END_ID", ":TYPE", "kinds", "strength:double", "evidence_count:int",
                             "first_at:localdatetime", "last_at:localdatetime", "marking"]
ANB_ENTITY_COLUMNS = ["Entity Identity", "Entity Type", "Label", "Role", "Group", "Degree", "Betweenness",
                      "Records", "Sources", "First Date", "Last Date", "Protective Marking"]
ANB_LINK_COLUMNS = ["Entity 1 Identity", "Entity 1 Type", "Entity 1 Label", "Entity 2 Identity", "Entity 2 Type",
                    "Entity 2 Label", "Link Type", "Link Label", "Strength", "Evidence Count", "First Date",
                    "Last Date", "Protective Marking"]

_COMMENT = f"<!-- {MARKING}: clearpicture network export. Handle under the recipient's agreement. -->"


def register_format(name: str) -> Callable[[Writer], Writer]:
    """Register a writer ``(graph, out_path) -> written paths`` under ``name``."""
    def deco(writer: Writer) -> Writer:
        EXPORT_FORMATS[name] = writer
        return writer
    return deco


def _mark_xml(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("?>")
    path.write_text(head + sep + "\n" + _COMMENT + rest if sep else _COMMENT + "\n" + text, encoding="utf-8")


@register_format("graphml")
def write_graphml(graph: nx.Graph, out: Path) -> list[Path]:
    nx.write_graphml(graph, out)
    _mark_xml(out)
    return [out]


@register_format("gexf")
def write_gexf(graph: nx.Graph, out: Path) -> list[Path]:
    nx.write_gexf(graph, out)
    text = out.read_text(encoding="utf-8")
    text = text.replace("</creator>", f"</creator>\n    <description>{MARKING}</description>", 1)
    out.write_text(text, encoding="utf-8")
    _mark_xml(out)
    return [out]


def _folder(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: this format writes several files; give a folder for --out")
    out.mkdir(parents=True, exist_ok=True)
    (out / "MARKING.txt").write_text(f"{MARKING}\nclearpicture network export; every row carries the "
                                     "marking in its marking column.\n", encoding="utf-8")
    return out


def _cell(value: Any) -> Any:
    return "" if value is None else safe_cell(value)


@register_format("neo4j-csv")
def write_neo4j(graph: nx.Graph, out: Path) -> list[Path]:
    folder = _folder(out)
    nodes, rels = folder / "nodes.csv", folder / "relationships.csv"
    with nodes.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(NEO4J_NODE_HEADER)
        for node, a in sorted(graph.nodes(data=True)):
            labels = ["Entity", str(a.get("type", "entity")).title().replace("_", "")]
            labels += [r.title() for r in str(a.get("role", "")).split(",") if r]
            w.writerow([node, ";".join(dict.fromkeys(labels))] + [_cell(a.get(k)) for k in (
                "type", "role", "group_id", "degree", "betweenness", "events", "records", "sources", "first_at",
                "last_at")] + [MARKING])
    with rels.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(NEO4J_RELATIONSHIP_HEADER)
        for u, v, a in sorted(graph.edges(data=True)):
            w.writerow([u, v, str(a.get("type", "linked")).upper()] + [_cell(a.get(k)) for k in (
                "kinds", "strength", "evidence_count", "first_at", "last_at")] + [MARKING])
    return [nodes, rels, folder / "MARKING.txt"]


@register_format("anb-csv")
def write_anb(graph: nx.Graph, out: Path) -> list[Path]:
    folder = _folder(out)
    entities, links = folder / "entities.csv", folder / "links.csv"
    with entities.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(ANB_ENTITY_COLUMNS)
        for node, a in sorted(graph.nodes(data=True)):
            w.writerow([node, str(a.get("type", "entity")).title()] + [_cell(a.get(k)) for k in (
                "label", "role", "group_id", "degree", "betweenness", "records", "sources", "first_at",
                "last_at")] + [MARKING])
    with links.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(ANB_LINK_COLUMNS)
        for u, v, a in sorted(graph.edges(data=True)):
            ends = []
            for n in (u, v):
                na = graph.nodes[n]
                ends += [n, str(na.get("type", "entity")).title(), na.get("label", n)]
            w.writerow(ends + [str(a.get("type", "linked")).replace("_", " ").title(), _cell(a.get("kinds"))]
                       + [_cell(a.get(k)) for k in ("strength", "evidence_count", "first_at", "last_at")]
                       + [MARKING])
    return [entities, links, folder / "MARKING.txt"]


_COLOURS = {"offender": "#b2182b", "suspect": "#ef8a62", "associate": "#fddbc7", "victim": "#2166ac",
            "vehicle": "#4d4d4d", "phone": "#878787", "location": "#1b7837"}


@register_format("svg")
def write_svg(graph: nx.Graph, out: Path) -> list[Path]:
    """A picture of one group for a report: spring layout (fixed seed), no display needed."""
    groups = {g for g in str(graph.graph.get("groups", "")).split(",") if g}
    if len(groups) != 1:
        raise InputError("export network --format svg draws one group: give --group ID")
    width, height, pad = 800, 600, 60
    pos = nx.spring_layout(graph, seed=7, weight="strength") if graph.number_of_nodes() else {}
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]

    def at(node: str) -> tuple[float, float]:
        x, y = pos[node]
        sx = (x - min(xs)) / ((max(xs) - min(xs)) or 1)
        sy = (y - min(ys)) / ((max(ys) - min(ys)) or 1)
        return pad + sx * (width - 2 * pad), pad + sy * (height - 2 * pad)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">', _COMMENT,
             f"<title>{MARKING}: group {html.escape(next(iter(groups)))}</title>",
             f'<text x="10" y="18" font-weight="bold">{MARKING}</text>']
    for u, v, a in graph.edges(data=True):
        (x1, y1), (x2, y2) = at(u), at(v)
        w = 1 + 2 * math.log1p(float(a.get("strength", 1.0)))
        dash = ' stroke-dasharray="4 3"' if a.get("type") == "victim_link" else ""
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#999" '
                     f'stroke-width="{w:.1f}"{dash}><title>{html.escape(str(a.get("kinds", "")))}</title></line>')
    for node, a in graph.nodes(data=True):
        x, y = at(node)
        key = str(a.get("role") or a.get("type")).split(",")[0]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{_COLOURS.get(key, "#cccccc")}" '
                     f'stroke="#333"><title>{html.escape(key)}</title></circle>')
        parts.append(f'<text x="{x + 11:.1f}" y="{y + 4:.1f}">{html.escape(str(a.get("label", node)))}</text>')
    legend_y = height - 12
    for i, (key, colour) in enumerate(_COLOURS.items()):
        parts.append(f'<circle cx="{14 + i * 100}" cy="{legend_y - 4}" r="5" fill="{colour}"/>'
                     f'<text x="{22 + i * 100}" y="{legend_y}">{key}</text>')
    parts.append("</svg>")
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return [out]


def export_network(store: Store, fmt: str, out: Path, group_id: str | None = None, *,
                   recipient: str, purpose: str, actor: Actor | None = None,
                   pseudonymise: bool = False) -> dict[str, Any]:
    """Check and log the disclosure, then write the network in ``fmt`` to ``out``.

    The audit row names the recipient, the purpose, the sources and (by keyed reference) every
    person record disclosed, and the output path, so a later erasure can say whom to tell and
    which files still hold the person.
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"export network: unknown format {fmt!r} (one of {', '.join(sorted(EXPORT_FORMATS))})")
    ids = group_ids(store)
    if group_id is not None and group_id not in ids:
        raise InputError(f"export network: no group {group_id!r} in this workspace")
    if fmt == "svg" and group_id is None:
        raise InputError("export network --format svg draws one group: give --group ID")
    graph = export_graph(store, group_id, pseudonymise=pseudonymise)
    chosen = [group_id] if group_id else ids
    persons = [(str(s), str(p)) for s, p in store.sql(
        """SELECT DISTINCT ep.source, ep.person_id FROM group_members m
        JOIN entity_persons ep ON ep.entity_id = m.entity_id
        WHERE m.group_id IN (SELECT unnest(?)) ORDER BY 1, 2""", [chosen])] if chosen else []
    what = {"export": "network", "format": fmt, "group": group_id or "all", "path": str(Path(out).resolve()),
            "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(), "pseudonymised": pseudonymise,
            "marking": MARKING}
    authorise_disclosure(store, actor or local_operator(), what=what, recipient=recipient,
                         justification=purpose, persons=persons or None,
                         sources=None if persons else ["*"])
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    paths = EXPORT_FORMATS[fmt](graph, Path(out))
    return {"format": fmt, "paths": [str(p) for p in paths], "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(), "marking": MARKING}
