"""Files shipped inside the package (static files, fonts, translations, bundled content), found via importlib.resources.

Nothing at run time refers to the source checkout: an installed wheel finds the same files inside site-packages.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path


def package_path(*parts: str) -> Path:
    """A file or folder inside the installed ``lms`` package as a filesystem path."""
    found = resources.files("lms").joinpath(*parts)
    if not isinstance(found, Path):  # e.g. a zipped install: templates, Alembic and the loaders need real files
        raise RuntimeError(f"the lms package must be installed as files on disk, not zipped ({found})")
    return found
