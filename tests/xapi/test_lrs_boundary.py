"""The LRS (lms/lrs) imports no application package: only the core and, for its admin page, auth and audit."""
from __future__ import annotations

import ast
from pathlib import Path

LRS = Path(__file__).resolve().parents[2] / "lms" / "lrs"
CORE = {"blueprint", "db", "extension", "i18n", "nav", "safejson", "security", "signals"}
ADMIN_PAGE_ONLY = {"credentials_views.py": {"auth", "audit"}, "credential_services.py": {"auth", "audit"}}


def lms_imports(path: Path) -> set[str]:
    """The top-level lms packages/modules a file imports (relative imports resolved from lms/lrs)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 2 and node.module:  # from ..x import y
                found.add(node.module.split(".")[0])
            elif node.level == 2:  # from .. import x
                found.update(alias.name for alias in node.names)
            elif node.level == 0 and (node.module or "").startswith("lms."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("lms."))
    return found


def test_lrs_imports_only_core_packages():
    """No module of lms/lrs imports courses, quizzes, xapi (the app's statements) or any other package."""
    wrong = {}
    for path in sorted(LRS.glob("*.py")):
        extra = lms_imports(path) - CORE - ADMIN_PAGE_ONLY.get(path.name, set()) - {"lrs"}
        if extra:
            wrong[path.name] = sorted(extra)
    assert wrong == {}


def test_lrs_boundary_check_sees_an_upward_import(tmp_path):
    """The check itself finds an import of an application package."""
    module = tmp_path / "bad.py"
    module.write_text("from ..courses.models import Enrolment\nfrom .. import quizzes\n", encoding="utf-8")
    assert lms_imports(module) == {"courses", "quizzes"}
