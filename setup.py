"""Build step of the wheel: compile the translation catalogs (.po -> .mo), which are not committed.

All other metadata is in pyproject.toml. An editable install (make setup) compiles them in place, like
`make translations`; a wheel gets them in its build folder, so an installed LMS always has English.
"""
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGS = Path("lms") / "translations"


def compile_catalogs(source: Path, target: Path) -> list[str]:
    """Write a .mo file under target for every .po file under source (fuzzy entries included, as pybabel -f)."""
    written = []
    for po_file in sorted(source.glob("*/LC_MESSAGES/*.po")):
        mo_file = target / po_file.relative_to(source).with_suffix(".mo")
        mo_file.parent.mkdir(parents=True, exist_ok=True)
        with po_file.open("rb") as fh:
            catalog = read_po(fh, locale=po_file.parts[-3])
        with mo_file.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=True)
        written.append(str(mo_file))
    return written


class BuildPyWithCatalogs(build_py):
    """build_py that also compiles the translation catalogs into the build (or in place when editable)."""

    def run(self):
        super().run()
        target = CATALOGS if self.editable_mode else Path(self.build_lib) / CATALOGS
        self._catalogs = compile_catalogs(CATALOGS, target)

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + list(getattr(self, "_catalogs", []))


if __name__ == "__main__":  # setuptools runs this file as __main__; tests import compile_catalogs
    setup(cmdclass={"build_py": BuildPyWithCatalogs})
