"""Column buffers and file sinks for the synthetic generator.

A :class:`Buf` collects the rows of one table for one area chunk (row by row for the few planted
cases, column batches for the bulk), and a :class:`Sink` appends finished chunks to one file, CSV or
Parquet, so a national scenario streams area by area in bounded memory. Every value is written as
text (empty means unknown), in the standard's column order. This module knows nothing of people
or events.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = ["Buf", "Sink", "fmt_dates", "fmt_datetimes"]

_EPOCH = np.datetime64("1970-01-01", "D")


class Buf:
    """Rows of one table under construction, held as lists per column."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.data: dict[str, list[Any]] = {c: [] for c in self.columns}
        self.n = 0

    def add(self, **row: Any) -> None:
        for c in self.columns:
            self.data[c].append(row.get(c))
        self.n += 1

    def extend(self, cols: dict[str, Sequence[Any] | np.ndarray]) -> None:
        lengths = {len(v) for v in cols.values()}
        if not lengths:
            return
        (n,) = lengths
        for c in self.columns:
            v = cols.get(c)
            if v is None:
                self.data[c].extend([None] * n)
            elif isinstance(v, np.ndarray):
                self.data[c].extend(v.tolist())
            else:
                self.data[c].extend(v)
        self.n += n

    def to_arrow(self) -> pa.Table:
        arrays = []
        for c in self.columns:
            vals = self.data[c]
            try:
                arr = pa.array(vals, type=pa.string())
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                arr = pa.array([None if v is None else str(v) for v in vals], type=pa.string())
            # empty means unknown: write it as a missing value, never as an empty string
            arrays.append(pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr))
        return pa.Table.from_arrays(arrays, names=self.columns)


class Sink:
    """Appends chunks of one table to a CSV or Parquet file, header or schema written once."""

    def __init__(self, path: Path, columns: Sequence[str], fmt: str) -> None:
        self.path = path
        self.columns = list(columns)
        self.fmt = fmt
        self.rows = 0
        self._schema = pa.schema([(c, pa.string()) for c in self.columns])
        self._pq: pq.ParquetWriter | None = None
        self._fh: Any = None
        if fmt == "parquet":
            self._pq = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        else:
            self._fh = path.open("wb")
            self._fh.write((",".join(self.columns) + "\n").encode("utf-8"))

    def write(self, buf: Buf) -> None:
        if buf.n == 0:
            return
        table = buf.to_arrow()
        self.rows += table.num_rows
        if self._pq is not None:
            self._pq.write_table(table)
        else:
            pacsv.write_csv(table, self._fh, pacsv.WriteOptions(include_header=False,
                                                                 quoting_style="needed"))

    def close(self) -> None:
        if self._pq is not None:
            self._pq.close()
        if self._fh is not None:
            self._fh.close()


def fmt_dates(days: np.ndarray) -> list[str]:
    """Integer days since 1970-01-01 → ISO dates."""
    return list((_EPOCH + days.astype("timedelta64[D]")).astype(str))


def fmt_datetimes(days: np.ndarray, seconds: np.ndarray) -> list[str]:
    """Days and seconds into the day → ISO datetimes with ``Z``."""
    ts = _EPOCH.astype("datetime64[s]") + (days.astype(np.int64) * 86400 + seconds.astype(np.int64)).astype(
        "timedelta64[s]"
    )
    return [s + "Z" for s in ts.astype(str).tolist()]
