"""Rules of area scales (see PROCEDURES.md)."""

from . import catalogue, rule  # noqa: F401
