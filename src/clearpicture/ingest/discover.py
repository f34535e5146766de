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

__all__ = ["SourceFile", "discover", "format_of", "table_of"]

FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
           ".xlsx": "xlsx"}


@dataclass(frozen=True)
class SourceFile:
    """One file to read; ``table`` is None when a mapping decides which tables it feeds."""

    path: Path
    format: str
    table: str | None
    display: str  # the name shown in messages (inside a zip: zip name + member)
    # Why a file found beside the others is not read without a mapping (None: it names a table).
    # The caller reports it: a file passed over without a word is data silently dropped.
    unread: str | None = None


def format_of(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unsupported file type '{path.suffix}' (use CSV, XLSX, Parquet or JSON Lines)")
    return fmt


def table_of(stem: str) -> str | None:
    """The standard table a file stem names (``persons``, ``Persons``), or None."""
    return stem.lower() if stem.lower() in standard.TABLE_NAMES else None


def _not_a_table(what: str) -> str:
    return f"{what} does not name a table of the standard ({', '.join(standard.TABLE_NAMES)})"


def _from_datapackage(folder: Path, display_root: str) -> list[SourceFile]:
    descriptor = folder / "datapackage.json"
    try:
        doc = json.loads(descriptor.read_text(encoding="utf-8-sig"))  # Windows tools add a byte-order mark
        resources = doc["resources"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{descriptor}: not a readable data package descriptor ({exc})") from exc
    files: list[SourceFile] = []
    listed: set[Path] = set()
    inside = folder.resolve()
    for i, res in enumerate(resources):
        if not isinstance(res, dict) or "path" not in res:
            raise InputError(f"{descriptor}: resources[{i}] has no path")
        # A Frictionless path is one file or a list of parts of one table.
        for part in res["path"] if isinstance(res["path"], list) else [res["path"]]:
            path = folder / str(part)
            display = f"{display_root}/{part}"
            if "://" in str(part) or not path.resolve().is_relative_to(inside):
                # Nothing is fetched at run time, and a descriptor may not reach outside its folder.
                files.append(SourceFile(path, "csv", None, display,
                                        "a path outside the package folder (give the file beside datapackage.json)"))
                continue
            listed.add(path.resolve())
            if not path.exists():
                continue  # a table may be absent when a source has none of it
            name = str(res.get("name") or path.stem)
            # The resource's name says which table; a name that is not a table (``people``) falls
            # back to the file's name, and failing both the file is reported, never passed over.
            table = name if name in standard.TABLE_NAMES else table_of(path.stem)
            unread = None if table else _not_a_table(f"its datapackage.json resource name '{name}'")
            fmt = str(res.get("format") or format_of(path)).lower()
            fmt = "jsonl" if fmt in ("json", "ndjson") else fmt
            files.append(SourceFile(path, fmt, table, display, unread))
    files += _unread_in(folder, display_root)
    for path in sorted(folder.iterdir()):
        if (path.is_file() and path.suffix.lower() in FORMATS and path.name != "datapackage.json"
                and not path.name.startswith(".") and path.resolve() not in listed):
            files.append(SourceFile(path, FORMATS[path.suffix.lower()], None, f"{display_root}/{path.name}",
                                    "not listed in datapackage.json"))
    return files


#: Endings of exports ingest cannot read, reported when found beside the files it reads.
UNSUPPORTED = {".gz": "compressed", ".bz2": "compressed", ".xz": "compressed", ".zst": "compressed",
               ".7z": "compressed", ".xls": "old Excel", ".xlsb": "binary Excel", ".xlsm": "macro Excel",
               ".ods": "OpenDocument", ".tsv": "tab-separated", ".tab": "tab-separated"}


def _unread_in(folder: Path, display_root: str) -> list[SourceFile]:
    """Zips and other exports lying in a folder that are not read here, so they can be reported:
    a zip is opened only when named on the command line; compressed or old-Excel files not at all."""
    found = []
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.name.startswith("."):
            continue
        suffix = p.suffix.lower()
        if suffix == ".zip":
            found.append(SourceFile(p, "unread", None, f"{display_root}/{p.name}",
                                    "a zip inside a folder is not opened (name the zip itself)"))
        elif suffix in UNSUPPORTED:
            found.append(SourceFile(p, "unread", None, f"{display_root}/{p.name}",
                                    f"a {UNSUPPORTED[suffix]} file (save it as CSV, XLSX, Parquet or JSON Lines)"))
    return found


def _from_folder(folder: Path, display_root: str, mapped: bool) -> list[SourceFile]:
    if (folder / "datapackage.json").exists() and not mapped:
        return _from_datapackage(folder, display_root)
    files = _unread_in(folder, display_root)
    for path in sorted(folder.iterdir()):
        if path.is_dir() or path.name.startswith(".") or path.suffix.lower() not in FORMATS:
            continue
        if path.name == "datapackage.json":
            continue
        table = table_of(path.stem)
        unread = None if table else _not_a_table("its name")
        files.append(SourceFile(path, format_of(path), table, f"{display_root}/{path.name}", unread))
    return files


def _from_zip(target: Path, display_root: str, mapped: bool) -> list[SourceFile]:
    """Every data package in an extracted zip, or, without one, every folder holding data files.

    Exports are zipped with a folder around them (``export/2024/persons.csv``) or as several
    packages side by side; reading only the first package found dropped the others silently.
    """
    if not mapped:
        roots = sorted(d.parent for d in target.rglob("datapackage.json"))
        if roots:
            return [f for root in roots for f in _from_folder(root, _inside(display_root, target, root), mapped)]
    folders = sorted({p.parent for p in target.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS})
    return [f for d in folders for f in _from_folder(d, _inside(display_root, target, d), mapped)]


def _inside(display_root: str, target: Path, folder: Path) -> str:
    rel = folder.relative_to(target).as_posix()
    return display_root if rel == "." else f"{display_root}/{rel}"


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
            found += _from_zip(target, str(p), mapped)
        elif p.name == "datapackage.json":
            found += _from_datapackage(p.parent, str(p.parent))
        else:
            table = table_of(p.stem)
            if table is None and not mapped:
                raise InputError(
                    f"{p}: file name does not name a table of the standard "
                    f"({', '.join(standard.TABLE_NAMES)}); rename it or give --mapping"
                )
            found.append(SourceFile(p, format_of(p), table, str(p)))
    order = {name: i for i, name in enumerate(standard.TABLE_NAMES)}
    return sorted(found, key=lambda f: order.get(f.table or "", len(order)))
