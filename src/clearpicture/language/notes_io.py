"""Reading notes to review from a CSV or JSON Lines file (or stdin) with columns ``id`` and ``text``.

Loose input at the edge: the format is chosen by file extension, or sniffed from the first
character when reading stdin. Rows are yielded one at a time so a large file streams. Problems are
InputError / MissingColumnError naming the file, line and column. This module must not review text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import TextIO

from ..errors import InputError, MissingColumnError

__all__ = ["read_notes"]

_REQUIRED = ("id", "text")


def _is_jsonl(name: str, first_char: str) -> bool:
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return True
    if lower.endswith((".csv", ".txt")):
        return False
    return first_char == "{"


def read_notes(stream: TextIO, name: str) -> Iterator[tuple[str, str]]:
    """Yield (id, text) for each row; ``name`` is used in error messages and to pick the format."""
    head = stream.read(1)
    while head and head.isspace():
        head = stream.read(1)
    if not head:
        return
    lines = _replay(head, stream)
    if _is_jsonl(name, head):
        yield from _jsonl(lines, name)
    else:
        yield from _csv(lines, name)


def _replay(first: str, stream: TextIO) -> Iterator[str]:
    """The stream's lines with the sniffed first character put back."""
    yield first + stream.readline()
    yield from stream


def _jsonl(lines: Iterator[str], name: str) -> Iterator[tuple[str, str]]:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: line {n}: not valid JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise InputError(f"{name}: line {n}: expected a JSON object with id and text")
        for col in _REQUIRED:
            if col not in obj:
                raise MissingColumnError(f"{name}: line {n}: missing column {col!r}")
        text = obj["text"]
        if text is not None and not isinstance(text, str):
            raise InputError(f"{name}: line {n}: column 'text' must be a string")
        yield str(obj["id"]), text or ""


def _csv(lines: Iterator[str], name: str) -> Iterator[tuple[str, str]]:
    reader = csv.DictReader(lines)
    fields = [f.strip().lstrip("\ufeff") for f in (reader.fieldnames or [])]
    for col in _REQUIRED:
        if col not in fields:
            raise MissingColumnError(f"{name}: missing column {col!r} (found: {', '.join(fields) or 'none'})")
    reader.fieldnames = fields
    for row in reader:
        if row.get("id") is None:
            raise InputError(f"{name}: line {reader.line_num}: row has fewer columns than the header")
        yield str(row["id"]), row.get("text") or ""
