"""A digest of everything loaded from a content tree (courses, quizzes, tasks, questionnaires, guideline steps),
independent of where the tree lives and of set ordering, to prove that a loader change left the objects alone."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

IGNORED_FIELDS = {"guideline_builder"}  # added after the digest was recorded; False everywhere but module 4


def canonical(value, root: str):
    """JSON-ready form: dataclasses by field, sets sorted, paths relative to the content root."""
    if dataclasses.is_dataclass(value):
        return [type(value).__name__, {f.name: canonical(getattr(value, f.name), root)
                                       for f in dataclasses.fields(value) if f.name not in IGNORED_FIELDS}]
    if isinstance(value, dict):
        return {str(k): canonical(v, root) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(v, root) for v in value), key=json.dumps)
    if isinstance(value, (list, tuple)):
        return [canonical(v, root) for v in value]
    if isinstance(value, (str, Path)):
        return str(value).replace(root, "<content>")
    return value if value is None or isinstance(value, (bool, int, float)) else repr(value)


def catalog_digest(courses_dir: Path, quizzes_dir: Path) -> str:
    """sha256 of the canonical form of the whole loaded catalog plus questionnaires and guideline steps."""
    from lms.catalog import load_catalog
    from lms.guidelines import rules
    from lms.guidelines.steps import load_steps

    catalog = load_catalog(courses_dir, quizzes_dir)
    parts = {"courses": catalog.courses, "quizzes": {"/".join(k): v for k, v in catalog.quizzes.items()},
             "tasks": {"/".join(k): v for k, v in catalog.tasks.items()},
             "questionnaires": {slug: rules.load_for_course(c) for slug, c in catalog.courses.items()},
             "steps": load_steps()}
    root = str(courses_dir.resolve().parent)
    text = json.dumps(canonical(parts, root), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
