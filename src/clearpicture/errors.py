"""One exception tree for clearpicture.

Every error a user can cause is a ``ClearPictureError``; the command line maps each family to an
exit code and prints its one-line message, so no traceback reaches a user::

    ClearPictureError                 exit 1
    ├── ConfigError                   exit 2   a mapping, definition, rule or threshold file is wrong
    ├── InputError                    exit 3   a data file cannot be read as the standard expects
    │   └── MissingColumnError                 a required column is absent
    ├── StoreError                    exit 4   the workspace database cannot be opened or is not ours
    ├── EngineError                   exit 5   an engine (DuckDB, Spark) failed or is not installed
    └── AccessDenied                  exit 6   the actor may not do this
"""

from __future__ import annotations


class ClearPictureError(Exception):
    """Base of every error clearpicture raises on purpose."""

    exit_code = 1


class ConfigError(ClearPictureError):
    """A configuration file (mapping, definition, rules, thresholds) is invalid.

    The message names the file and the key, so the user can fix it without reading code.
    """

    exit_code = 2


class InputError(ClearPictureError):
    """A data file cannot be read as a table of the exchange standard."""

    exit_code = 3


class MissingColumnError(InputError):
    """A required column of the standard is absent from a file."""


class StoreError(ClearPictureError):
    """The workspace database cannot be opened, migrated or written."""

    exit_code = 4


class EngineError(ClearPictureError):
    """An engine failed, or an optional engine is not installed."""

    exit_code = 5


class AccessDenied(ClearPictureError):
    """The actor is not allowed to perform this action on this resource."""

    exit_code = 6


def config_error(path: object, key: str, problem: str) -> ConfigError:
    """Build a ConfigError whose message names the file and the key."""
    return ConfigError(f"{path}: {key}: {problem}")
