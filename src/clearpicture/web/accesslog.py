"""Keeps person identifiers and stated purposes out of the web server's access log.

uvicorn writes one access line per request (client, method, path with query string, status) to its
``uvicorn.access`` logger, normally on stdout into the service's journal. Left alone, that journal
becomes a second record of whose data was opened (``/api/v1/persons/PF1/PF1-P-2?purpose=...``):
outside the section 62 log, with identifiers in clear, and out of reach of erasure. The filter
installed by :func:`install` rewrites each line's path: the query string (purposes, record keys of
the review tool, facets) is dropped, and the identifying segments of person and entity paths are
replaced. The section 62 log (``audit_log``) remains the record of who saw what.

It must not drop lines (failed requests and their status stay visible to operators) nor touch any
other logger.
"""

from __future__ import annotations

import logging
import re

__all__ = ["ACCESS_LOGGER", "RedactingAccessFilter", "install", "redact_path"]

ACCESS_LOGGER = "uvicorn.access"
_PERSONAL = re.compile(r"^(?P<prefix>/api/v1/persons|/dashboard/entities)/[^?]*")


def redact_path(path_with_query: str) -> str:
    """The path as the access log may show it: no query string, no person or entity ids."""
    path, sep, _ = path_with_query.partition("?")
    m = _PERSONAL.match(path)
    if m:
        path = f"{m['prefix']}/[redacted]"
    return path + ("?[redacted]" if sep else "")


class RedactingAccessFilter(logging.Filter):
    """Rewrites the path argument of uvicorn's access lines ('%s - "%s %s HTTP/%s" %d')."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact_path(args[2]), args[3], args[4])
        return True


def install() -> None:
    """Add the filter to uvicorn's access logger (once per process)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactingAccessFilter) for f in logger.filters):
        logger.addFilter(RedactingAccessFilter())
