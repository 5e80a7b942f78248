"""Where huifang finds the files it ships: templates, the default MkDocs configuration, docs and the kit.

In this repository they sit at the top level (`templates/`, `mkdocs.yml`, `docs/`, `kit/`), where the
team edits them. A wheel carries copies under `generator/_shipped/` (see setup.py), so an installed
huifang works from any folder. A records repository may hold its own `templates/…` files and its own
`mkdocs.yml`; those win, file by file, over the shipped ones.

A leaf module: it imports nothing from huifang, so setup.py can read SHIPPED without the dependencies.
"""

from __future__ import annotations

from pathlib import Path

# Top-level files and folders of this repository that the wheel carries as package data.
SHIPPED = ("templates", "mkdocs.yml", "docs", "kit")
PACKAGED = "_shipped"  # their folder inside the `generator` package of a wheel

_HERE = Path(__file__).resolve().parent


def base() -> Path:
    """The folder holding the shipped files: the wheel's package data, else this source checkout."""
    packaged = _HERE / PACKAGED
    return packaged if packaged.is_dir() else _HERE.parent


def path(*parts: str) -> Path:
    """A shipped file or folder, e.g. path("templates", "records", "visit.yml")."""
    return base().joinpath(*parts)


def search_path(root: Path | None, *parts: str) -> list[Path]:
    """The repository's own `<root>/<parts>` (when it exists) before the shipped one.

    Used as a template search path, so a repository overrides single files and keeps the rest.
    """
    own = Path(root).joinpath(*parts) if root is not None else None
    dirs = [own] if own is not None and own.is_dir() else []
    shipped = path(*parts)
    if not dirs or shipped.resolve() != dirs[0].resolve():
        dirs.append(shipped)
    return dirs


def find(root: Path | None, *parts: str) -> Path:
    """One file: the repository's own copy if it has one, else the shipped one."""
    for d in search_path(root, *parts[:-1]):
        if (d / parts[-1]).is_file():
            return d / parts[-1]
    return path(*parts)
