"""clearpicture: a clear picture of group-based child sexual exploitation from multi-agency records.

The public face is small on purpose: open a store, run stages, read results. Everything else is
behind the stage packages. A test pins ``__all__`` so each new public name is a decision.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import (  # noqa: E402
    AccessDenied,
    ClearPictureError,
    ConfigError,
    EngineError,
    InputError,
    StoreError,
)
from .store import StageResult, Store, open_store  # noqa: E402

__all__ = [
    "AccessDenied",
    "ClearPictureError",
    "ConfigError",
    "EngineError",
    "InputError",
    "StageResult",
    "Store",
    "StoreError",
    "__version__",
    "open_store",
]
