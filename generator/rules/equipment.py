"""Rules of area equipment (see PROCEDURES.md)."""

from . import catalogue, rule  # noqa: F401
