"""Broken content never crashes a load: any key of any file of the test package set to a wrong type (or removed)
gives a ContentError, never another exception."""
import copy
import tomllib
from pathlib import Path

import pytest

from conftest import TEST_COURSES, TEST_QUIZZES
from lms.catalog import load_catalog
from lms.courses import schema
from lms.courses.schema import ContentError

WRONG = [7, "x", [], {}, [{}], True, 1.5, [1], {"a": 1}, None]  # None: the key is removed
FILES = sorted([*TEST_COURSES.rglob("*.toml"), *TEST_QUIZZES.rglob("*.toml")])


def _key_paths(data, prefix=()):
    """Paths to every key of the file, and to the first two items of every array."""
    items = data.items() if isinstance(data, dict) else enumerate(data[:2])
    for key, value in items:
        yield prefix + (key,)
        if isinstance(value, (dict, list)):
            yield from _key_paths(value, prefix + (key,))


def _mutated(base: dict, path: tuple, value):
    data = copy.deepcopy(base)
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is None:
        node.pop(path[-1])
    else:
        node[path[-1]] = value
    return data


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_content_robust_wrong_values_give_content_errors(monkeypatch, path: Path):
    """Each key of the file in turn gets a wrong value (cycling through WRONG): a ContentError or a clean load."""
    base = tomllib.loads(path.read_text(encoding="utf-8"))
    read = schema.Source.toml
    for n, key_path in enumerate(_key_paths(base)):
        data = _mutated(base, key_path, WRONG[n % len(WRONG)])
        monkeypatch.setattr(schema.Source, "toml", lambda self, data=data: copy.deepcopy(data)
                            if self.path == path else read(self))
        try:
            load_catalog(TEST_COURSES, TEST_QUIZZES)
        except ContentError as exc:
            assert all(error.path and error.problem for error in exc.errors)
