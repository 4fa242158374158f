"""Dependency direction: no module of lms/ imports upwards (layers in docs/architecture.md, "Dependency direction").

The graph is read with ast from every import statement, function-level (lazy) imports included, so a lazy
import cannot hide an upward dependency.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Layers, lowest first: a module may import its own layer and the layers below. Modules not named are in
# the layer of their top package (lms.<package>); a dotted name names a module or a sub-package.
LAYERS = [
    ("core", {"lms.db", "lms.clock", "lms.config", "lms.converters", "lms.safejson", "lms.signals", "lms.policy",
              "lms.ratelimit", "lms.security", "lms.i18n", "lms.nav", "lms.errors", "lms.outbox", "lms.loops",
              "lms.cli", "lms.csvsafe", "lms.blueprint", "lms.migrations", "lms.dbcli", "lms.fragments", "lms.resources",
              # the extension object's registries (prefix, blueprints, navigation, hooks); it knows no package
              "lms.extension", "lms.sqlite_gate", "lms.sqlite_wal"}),
    ("base", {"lms.audit", "lms.auth", "lms.localtime"}),
    ("learning", {"lms.catalog", "lms.courses", "lms.quizzes", "lms.tasks",
                  # the guideline package's content files (questionnaire, builder steps), which the catalog and
                  # `flask content check` load like quiz and task files
                  "lms.guidelines.rules", "lms.guidelines.steps"}),
    ("features", {"lms.assignments", "lms.certificates", "lms.cmi5", "lms.forwarding", "lms.guidelines", "lms.lti",
                  "lms.mail", "lms.scorm", "lms.sso", "lms.xapi", "lms.lrs",
                  # privacy's reporting-level reads (and their table), which feature views consult
                  "lms.privacy.settings", "lms.privacy.enforce", "lms.privacy.models"}),
    ("top", {"lms.privacy", "lms.reports", "lms.jobs", "lms.imports"}),
    # lms/__init__.py (create_app, LMS) and lms/wiring.py (LMS.mount): the only places that wire every package;
    # lms/access.py, the access step wiring installs: it enforces lms/policy.py with the LRS check and auth's
    # department scope
    ("app", {"lms", "lms.wiring", "lms.access"}),
]
# The LRS (lms/lrs) stores and serves statements for any client: it knows nothing of the learning content; the
# app's own statements (lms/xapi: emit, receivers, vocabulary) may.
LRS = ("lms.lrs",)
LRS_FORBIDDEN = ("lms.courses", "lms.quizzes", "lms.certificates", "lms.guidelines", "lms.tasks", "lms.reports")
# Specific directions inside a layer (docs/architecture.md) as (importer, imported); "*" is any package but the
# imported one's: courses learns of quizzes and tasks only through signals and app.extensions hooks; nothing but
# the app imports reports.
FORBIDDEN = [
    ("lms.courses", "lms.quizzes"),
    ("lms.courses", "lms.tasks"),
    ("*", "lms.reports"),
]
# Known upward imports, each with the reason it stays for now. An entry that no longer occurs fails
# test_import_layers_allow_list_is_current, so the list only shrinks.
ALLOWED = {
    # i18n.init_app installs Jinja helpers of two packages (organisation time zone, inline Markdown); the
    # extension object of "plugin" is the place for that wiring.
    ("lms.i18n", "lms.localtime"),
    ("lms.i18n", "lms.courses.markdown"),
}


def module_name(path: Path, root: Path) -> str:
    """The dotted module name of a file below root (a package's __init__.py is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, package: str = "lms") -> dict[str, set[str]]:
    """Every module of the package (migration scripts excepted) → the modules of the package it imports."""
    files = {module_name(p, root): p for p in (root / package).rglob("*.py") if "versions" not in p.parts}
    graph = {}
    for name, path in files.items():
        base = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                parts = base.split(".")
                source = ".".join(parts[:len(parts) - node.level + 1] + [node.module or ""]) if node.level \
                    else node.module or ""
                source = source.rstrip(".")
                # "from . import signals" imports the module lms.signals, not the package lms
                targets.update(f"{source}.{a.name}" if f"{source}.{a.name}" in files else source for a in node.names)
        graph[name] = {t for t in targets if t == package or t.startswith(package + ".")}
    return graph


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(name: str) -> int:
    """The index of the module's layer: the longest named prefix decides."""
    best, best_len = None, -1
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            # "lms" names the app module only; a module below it belongs to the package that holds it
            matches = name == member if member == "lms" else _within(name, member)
            if matches and len(member) > best_len:
                best, best_len = index, len(member)
    if best is None:
        raise AssertionError(f"{name} is in no layer: add its package to LAYERS")
    return best


def _is_views(name: str) -> bool:
    last = name.rpartition(".")[2]
    return last == "views" or last.endswith("_views")


def _package(name: str) -> str:
    return ".".join(name.split(".")[:2])


def violations(graph: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    """Every upward or forbidden import as (importer, imported, rule)."""
    found = []
    for importer, targets in sorted(graph.items()):
        for target in sorted(targets):
            if layer_of(target) > layer_of(importer):
                found.append((importer, target, f"{LAYERS[layer_of(importer)][0]} imports "
                                                f"{LAYERS[layer_of(target)][0]}"))
            if any(_within(importer, lrs) for lrs in LRS) \
                    and any(_within(target, f) for f in LRS_FORBIDDEN):
                found.append((importer, target, "the LRS imports learning content"))
            other_package = importer not in ("lms", "lms.wiring") and _package(importer) != _package(target)
            if _is_views(target) and other_package:
                found.append((importer, target, "a package imports another package's views"))
            for source, forbidden in FORBIDDEN:
                if other_package and _within(target, forbidden) and (source == "*" or _within(importer, source)):
                    found.append((importer, target, f"{source} must not import {forbidden}"))
    return found


def test_import_layers_no_upward_imports():
    """lms/ imports only downwards (apart from the commented allow-list)."""
    found = [v for v in violations(import_graph(ROOT)) if v[:2] not in ALLOWED]
    assert not found, "upward imports:\n" + "\n".join(f"{a} -> {b}: {rule}" for a, b, rule in found)


def test_import_layers_allow_list_is_current():
    """Every allowed upward import still exists; a fixed one must leave the list."""
    graph = import_graph(ROOT)
    stale = [pair for pair in ALLOWED if pair[1] not in graph.get(pair[0], set())]
    assert not stale, f"fixed, remove from ALLOWED: {sorted(stale)}"


def test_import_layers_every_module_has_a_layer():
    """A new top-level module or package is placed in a layer before it can be imported."""
    for name in import_graph(ROOT):
        layer_of(name)
    with pytest.raises(AssertionError, match="lms.newcomer is in no layer"):
        layer_of("lms.newcomer")
    assert layer_of("lms") == len(LAYERS) - 1 and layer_of("lms.privacy.enforce") < layer_of("lms.privacy.erasure")


def _planted(tmp_path: Path, files: dict[str, str]) -> dict[str, set[str]]:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return import_graph(tmp_path)


def test_import_layers_catch_planted_upward_imports(tmp_path):
    """Planted upward imports (also lazy and relative ones) are each reported; each rule has a case only it catches."""
    graph = _planted(tmp_path, {
        "lms/__init__.py": "from . import reports\n", "lms/db.py": "def f():\n    from .courses import models\n",
        "lms/courses/__init__.py": "", "lms/courses/models.py": "from ..reports import queries\n",
        "lms/courses/services.py": "from lms.quizzes import models\n",
        "lms/reports/__init__.py": "", "lms/reports/queries.py": "from .. import db\n",
        "lms/quizzes/__init__.py": "", "lms/quizzes/models.py": "", "lms/quizzes/views.py": "",
        "lms/lrs/__init__.py": "", "lms/lrs/store.py": "from ..quizzes.models import Attempt\n",
        "lms/tasks/__init__.py": "", "lms/tasks/models.py": "from lms.reports.queries import x\n",
        "lms/forwarding/__init__.py": "", "lms/forwarding/views.py": "from ..lrs import store\n",
        "lms/assignments/__init__.py": "", "lms/assignments/services.py": "from ..forwarding.views import bp\n",
    })
    found = {(a, b) for a, b, _ in violations(graph)}
    assert found == {("lms.db", "lms.courses.models"), ("lms.courses.models", "lms.reports.queries"),
                     ("lms.courses.services", "lms.quizzes.models"), ("lms.lrs.store", "lms.quizzes.models"),
                     ("lms.tasks.models", "lms.reports.queries"), ("lms.assignments.services", "lms.forwarding.views")}
    assert graph["lms.reports.queries"] == {"lms.db"}


def test_import_layers_downward_imports_pass(tmp_path):
    """Downward imports and a package importing its own views report nothing."""
    graph = _planted(tmp_path, {
        "lms/__init__.py": "from . import courses\n", "lms/db.py": "",
        "lms/courses/__init__.py": "from . import views\n", "lms/courses/views.py": "from .. import db\n",
        "lms/reports/__init__.py": "", "lms/reports/views.py": "from ..courses import models\n",
        "lms/courses/models.py": "from lms.db import Base\n",
    })
    assert violations(graph) == []
