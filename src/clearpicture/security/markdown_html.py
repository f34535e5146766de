"""A small Markdown-to-HTML converter for the governance documents (headings, paragraphs, lists,
pipe tables, bold and code spans), so the package needs no Markdown dependency.

Everything is HTML-escaped before formatting is applied, so text from the workspace cannot inject
markup. It must not grow into a general Markdown implementation: the documents it renders are ours.
"""

from __future__ import annotations

import html
import re

__all__ = ["markdown_to_html"]

_STYLE = ("body{font:16px/1.5 system-ui,Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
          "table{border-collapse:collapse}th,td{border:1px solid #b1b4b6;padding:.25rem .5rem;text-align:left}"
          ".marking{background:#fff3cd;text-align:center;font-weight:700}")


def _inline(text: str) -> str:
    out = html.escape(text, quote=True)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def markdown_to_html(markdown: str, title: str, marking: str = "OFFICIAL-SENSITIVE") -> str:
    """A standalone HTML page (styles in a <style> element, no script) with the marking top and bottom."""
    body: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        heading = re.match(r"^(#{1,4}) (.*)$", line)
        if heading:
            level = len(heading.group(1))
            body.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            head, data = rows[0], [r for r in rows[1:] if not all(set(c) <= set("-: ") for c in r)]
            body.append("<table><thead><tr>" + "".join(f"<th scope=\"col\">{_inline(c)}</th>" for c in head)
                        + "</tr></thead><tbody>"
                        + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in data)
                        + "</tbody></table>")
        elif re.match(r"^[-*] ", line):
            items = []
            while i < len(lines) and re.match(r"^[-*] ", lines[i]):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            body.append("<ul>" + "".join(items) + "</ul>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"^(#{1,4} |\||[-*] )", lines[i]):
                para.append(lines[i].strip())
                i += 1
            body.append(f"<p>{_inline(' '.join(para))}</p>")
    mark = f'<p class="marking">{html.escape(marking)}</p>'
    return (f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body>{mark}{''.join(body)}{mark}</body></html>\n")
