"""Definitions: one clear, versioned definition of (group-based) child sexual exploitation, applied
everywhere, with its citation and the evidence for every case it counts.

Public face of the stage: ``run(store, config)`` applies definitions and writes
``definition_cases``/``definition_victims``/``definition_summary``; ``summarise(store)`` reads the
scale back; ``load_definition(path)`` validates a force's local definition file;
``shipped_definitions()`` lists the packaged ones; ``annual_return`` builds the national data
return (disclosure-controlled). Implementation lives in the private modules behind this one.
"""

from __future__ import annotations

from .data_return import annual_return, write_return
from .model import CATEGORIES, Category, Criterion, Definition, load_definition, shipped_definitions
from .stage import DEFAULT_CSE, DEFAULT_GROUP_BASED, DefinitionsConfig, run, summarise

__all__ = [
    "CATEGORIES",
    "DEFAULT_CSE",
    "DEFAULT_GROUP_BASED",
    "Category",
    "Criterion",
    "Definition",
    "DefinitionsConfig",
    "annual_return",
    "load_definition",
    "run",
    "shipped_definitions",
    "summarise",
    "write_return",
]
