"""Find the files an ingest should read and which standard table each one feeds.

Accepts a folder or .zip holding a data package (``datapackage.json``), loose files named by table
(``persons.csv``, ``events.parquet`` …), or single files. A ``truth/`` folder written by the
synthetic generator is never read: no analysis may see it. This module only names files; reading
them is :mod:`readers`' job.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import standard
from ..errors import InputError

__all__ = ["SourceFile", "discover", "format_of"]

FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
           ".xlsx": "xlsx"}


@dataclass(frozen=True)
class SourceFile:
    """One file to read; ``table`` is None when a mapping decides which tables it feeds."""

    path: Path
    format: str
    table: str | None
    display: str  # the name shown in messages (inside a zip: zip name + member)


def format_of(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unsupported file type '{path.suffix}' (use CSV, XLSX, Parquet or JSON Lines)")
    return fmt


def _from_datapackage(folder: Path, display_root: str) -> list[SourceFile]:
    descriptor = folder / "datapackage.json"
    try:
        doc = json.loads(descriptor.read_text(encoding="utf-8"))
        resources = doc["resources"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{descriptor}: not a readable data package descriptor ({exc})") from exc
    files: list[SourceFile] = []
    for i, res in enumerate(resources):
        if not isinstance(res, dict) or "path" not in res:
            raise InputError(f"{descriptor}: resources[{i}] has no path")
        name = str(res.get("name") or Path(str(res["path"])).stem)
        path = folder / str(res["path"])
        if not path.exists():
            continue  # a table may be absent when a source has none of it
        fmt = str(res.get("format") or format_of(path))
        fmt = "jsonl" if fmt in ("json", "ndjson") else fmt
        files.append(SourceFile(path, fmt, name if name in standard.TABLE_NAMES else None,
                                f"{display_root}/{res['path']}"))
    return files


def _from_folder(folder: Path, display_root: str, mapped: bool) -> list[SourceFile]:
    if (folder / "datapackage.json").exists() and not mapped:
        return _from_datapackage(folder, display_root)
    files = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() or path.name.startswith(".") or path.suffix.lower() not in FORMATS:
            continue
        if path.name == "datapackage.json":
            continue
        table = path.stem if path.stem in standard.TABLE_NAMES else None
        if table is None and not mapped:
            continue
        files.append(SourceFile(path, format_of(path), table, f"{display_root}/{path.name}"))
    return files


def discover(paths: Iterable[str | Path], workdir: Path | None = None, mapped: bool = False) -> list[SourceFile]:
    """List the files under ``paths`` in load order (referenced tables first).

    Zips are extracted into ``workdir`` (a temporary folder the caller removes). ``mapped`` means a
    column mapping decides which tables a file feeds, so files not named after a table are kept.
    """
    found: list[SourceFile] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
        if p.is_dir():
            found += _from_folder(p, str(p), mapped)
        elif p.suffix.lower() == ".zip":
            target = Path(tempfile.mkdtemp(dir=workdir))
            try:
                with zipfile.ZipFile(p) as zf:
                    members = [m for m in zf.namelist() if not m.startswith("truth/") and "/truth/" not in m]
                    zf.extractall(target, members)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise InputError(f"{p}: not a readable zip file ({exc})") from exc
            roots = [d for d in target.rglob("datapackage.json")]
            folder = roots[0].parent if roots else target
            found += _from_folder(folder, str(p), mapped)
        elif p.name == "datapackage.json":
            found += _from_datapackage(p.parent, str(p.parent))
        else:
            table = p.stem if p.stem in standard.TABLE_NAMES else None
            if table is None and not mapped:
                raise InputError(
                    f"{p}: file name does not name a table of the standard "
                    f"({', '.join(standard.TABLE_NAMES)}); rename it or give --mapping"
                )
            found.append(SourceFile(p, format_of(p), table, str(p)))
    order = {name: i for i, name in enumerate(standard.TABLE_NAMES)}
    return sorted(found, key=lambda f: order.get(f.table or "", len(order)))
