"""Rules of area callbacks (see PROCEDURES.md)."""

from . import catalogue, rule  # noqa: F401
