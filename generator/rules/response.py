"""Rules of area response (see PROCEDURES.md)."""

from . import catalogue, rule  # noqa: F401
