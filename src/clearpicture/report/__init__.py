"""The problem profile: a self-contained HTML report and the same as PDF.

Shaped as a National Intelligence Model problem profile (face sheet, terms of reference, scale,
trends, geography, victims and suspects, ethnicity recording, data quality, groups, language,
hidden victims, gaps and recommendations, method). ``audience="partner"`` applies statistical
disclosure control to every table and chart and says so on the page. This package reads the store
through query functions; it must not compute stage results itself.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..disclosure import DisclosureRule
from ..errors import EngineError
from ..store import StageResult, Store
from . import sections as _sections  # noqa: F401  (registers the shipped sections)
from . import sections_findings as _findings  # noqa: F401
from .model import REPORT_RULE, SECTIONS, Context, Section

__all__ = ["AUDIENCES", "Profile", "build_profile", "render_pdf", "run"]

MARKING = "OFFICIAL-SENSITIVE"
AUDIENCES = ("operational", "partner")


@dataclass(frozen=True)
class Profile:
    html: Path
    pdf: Path | None
    sections: list[Section]


def _env() -> Environment:
    return Environment(loader=PackageLoader("clearpicture.report", "templates"),
                       autoescape=select_autoescape(["html"]))


def build_sections(store: Store, audience: str = "operational", rule: DisclosureRule | None = None) -> list[Section]:
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}")
    ctx = Context(store, audience, rule or REPORT_RULE)
    return [builder(ctx) for _id, builder in SECTIONS]


def render_pdf(html_text: str, out: Path, base: Path) -> Path:
    """HTML to PDF with WeasyPrint, loaded only when a PDF is asked for."""
    try:
        weasyprint = importlib.import_module("weasyprint")
    except ImportError as exc:
        raise EngineError("PDF output needs WeasyPrint: pip install 'clearpicture[pdf]'") from exc
    weasyprint.HTML(string=html_text, base_url=str(base)).write_pdf(str(out))
    return out


def build_profile(store: Store, out_dir: str | Path, audience: str = "operational", pdf: bool = True,
                  rule: DisclosureRule | None = None) -> Profile:
    """Write ``profile.html`` (and ``profile.pdf``) for ``audience`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    secs = build_sections(store, audience, rule)
    note = ("Operational version: true counts, for authorised readers inside the need-to-know circle."
            if audience == "operational" else (rule or REPORT_RULE).note() + " This version may be shared with "
            "safeguarding partners.")
    html_text = _env().get_template("profile.html").render(
        title="Child sexual exploitation problem profile", marking=MARKING, sections=secs,
        generated=f"{datetime.now(UTC):%Y-%m-%d %H:%M}", version=__version__, workspace=Path(store.path).name,
        audience_note=note,
    )
    html_path = out / "profile.html"
    html_path.write_text(html_text, encoding="utf-8")
    pdf_path = render_pdf(html_text, out / "profile.pdf", out) if pdf else None
    return Profile(html_path, pdf_path, secs)


def run(store: Store, config: dict[str, object] | None = None) -> StageResult:
    """The report as a recorded stage run (writes files, not tables)."""
    cfg = config or {}
    out_dir = Path(str(cfg.get("out", "profile")))
    audience = str(cfg.get("audience", "operational"))
    with store.run("profile", {"out": str(out_dir), "audience": audience}) as result:
        prof = build_profile(store, out_dir, audience, pdf=bool(cfg.get("pdf", True)))
        result.counts = {"sections": len(prof.sections), "html": str(prof.html),
                         "pdf": str(prof.pdf) if prof.pdf else None}
    return result
