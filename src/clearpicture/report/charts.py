"""Charts for reports: Vega-Lite specifications (Altair) rendered to SVG offline (vl-convert).

Nothing is fetched: vl-convert carries its own Vega engine. A chart is drawn from rows that have
already been through disclosure control where the audience needs it; suppressed values (None) are
left out of the drawing, and the table beside the chart marks them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["bar_chart_svg", "line_chart_svg"]

_WIDTH = 560


def _render(spec: dict[str, Any]) -> str:
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(spec))


def _values(rows: Sequence[dict[str, Any]], keep: Sequence[str]) -> list[dict[str, Any]]:
    return [{k: r[k] for k in keep} for r in rows if all(r.get(k) is not None for k in keep)]


def bar_chart_svg(rows: Sequence[dict[str, Any]], x: str, y: str, color: str | None = None,
                  title: str = "", horizontal: bool = False) -> str:
    """A (stacked) bar chart as SVG text."""
    keep = [x, y] + ([color] if color else [])
    enc: dict[str, Any] = {
        "x": {"field": x, "type": "nominal", "sort": None, "title": x.replace("_", " ")},
        "y": {"field": y, "type": "quantitative", "title": y.replace("_", " ")},
    }
    if horizontal:
        enc["x"], enc["y"] = (
            {"field": y, "type": "quantitative", "title": y.replace("_", " ")},
            {"field": x, "type": "nominal", "sort": "-x", "title": x.replace("_", " ")},
        )
    if color:
        enc["color"] = {"field": color, "type": "nominal", "title": color.replace("_", " ")}
    values = _values(rows, keep)
    if not values:
        return ""  # nothing drawable (no data, or all suppressed): the table says why
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title, "width": _WIDTH, "height": 220, "mark": "bar",
        "data": {"values": values}, "encoding": enc,
    }
    return _render(spec)


def line_chart_svg(rows: Sequence[dict[str, Any]], x: str, ys: Sequence[str], title: str = "") -> str:
    """Lines for several count columns against a shared x (e.g. quarters)."""
    long = [
        {x: r[x], "series": y.replace("_", " "), "value": r[y]} for r in rows for y in ys if r.get(y) is not None
    ]
    if not long:
        return ""
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title, "width": _WIDTH, "height": 220, "mark": {"type": "line", "point": True},
        "data": {"values": long},
        "encoding": {
            "x": {"field": x, "type": "ordinal", "title": x.replace("_", " ")},
            "y": {"field": "value", "type": "quantitative", "title": "count"},
            "color": {"field": "series", "type": "nominal", "title": None},
        },
    }
    return _render(spec)
