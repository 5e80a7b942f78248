"""Rules of area complaints (see PROCEDURES.md)."""

from . import catalogue, rule  # noqa: F401
