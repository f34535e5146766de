"""Puts this folder on the path so tests can import the hand-built world (``defworld``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
