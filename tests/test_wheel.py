"""The wheel: `python -m build` from the committed sources ships every package file, compiled catalogs included."""
import gettext
import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What a build needs; compiled catalogs and caches are left behind, so the build has to make the .mo files itself.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "lms")
LEFT_BEHIND = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")


def _build(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=LEFT_BEHIND)
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    # sdist first, then the wheel from the unpacked sdist (what `python -m build` does without --wheel).
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return source, next(dist.glob("*.whl"))


def test_wheel_ships_every_package_file_and_the_compiled_catalogs(tmp_path):
    """Every file under lms/ (code, templates, static, fonts, migrations, course, quizzes) is in the wheel,
    plus a .mo for every .po; nothing of the checkout outside lms/ is."""
    source, wheel = _build(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {path.relative_to(source).as_posix() for path in (source / "lms").rglob("*") if path.is_file()}
    catalogs = {name[:-3] + ".mo" for name in expected if name.endswith(".po")}
    assert "lms/translations/en/LC_MESSAGES/messages.mo" in catalogs
    assert not expected - names, sorted(expected - names)[:20]
    assert not catalogs - names, sorted(catalogs - names)
    for required in ("lms/static/css/app.css", "lms/content/courses/social_media_manager/course.toml",
                     "lms/content/courses/social_media_manager/content.lock",
                     "lms/content/quizzes/social_media_manager/final.toml", "lms/fonts/DejaVuSans.ttf",
                     "lms/templates/base.html", "lms/migrations/env.py"):
        assert required in names
    outside = {name for name in names if not name.startswith(("lms/", "social_media_lms-"))}
    assert not outside, sorted(outside)


def test_wheel_english_catalog_compiles_to_translations(tmp_path):
    """The build step's compiler turns the English .po into a catalog that translates a known German text."""
    spec = importlib.util.spec_from_file_location("lms_setup", ROOT / "setup.py")
    setup_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup_module)
    written = setup_module.compile_catalogs(ROOT / "lms" / "translations", tmp_path)
    assert [Path(path).relative_to(tmp_path).as_posix() for path in written] == ["en/LC_MESSAGES/messages.mo"]
    with open(written[0], "rb") as fh:
        assert gettext.GNUTranslations(fh).gettext("Anmelden") == "Sign in"
