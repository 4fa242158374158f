"""lms.xapi.receivers: the guideline statement's parent comes from the course data (module.toml `guideline_builder`)."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms.lrs.models import Statement
from lms.xapi.receivers import on_guideline_produced
from lms.xapi.vocabulary import VERBS

COURSE_IRI = "http://lms.test/course/demo"


def course(guideline_module: bool) -> SimpleNamespace:
    """A course with two modules; the second is the guideline module when asked."""
    modules = tuple(SimpleNamespace(id=name, iri=f"{COURSE_IRI}/module/{name}", title={"de": name},
                                    guideline_builder=guideline_module and name == "eigene-regeln")
                    for name in ("grundlagen", "eigene-regeln"))
    return SimpleNamespace(iri=COURSE_IRI, title={"de": "Demo"}, description=None, modules=modules)


@pytest.mark.parametrize("flagged, parent", [(True, f"{COURSE_IRI}/module/eigene-regeln"), (False, COURSE_IRI)])
def test_xapi_guideline_created_parent_from_module_flag(app, db, world, flagged, parent):
    """'created' hangs under the module flagged `guideline_builder = true`, else under the course."""
    learner = world["learner_a"]
    with app.test_request_context():
        on_guideline_produced(db, None, learner, course(flagged))
        db.flush()
        raw = json.loads(db.scalar(select(Statement.raw).where(Statement.user_id == learner.id)))
    assert raw["verb"]["id"] == VERBS["created"]["id"]
    assert [a["id"] for a in raw["context"]["contextActivities"]["parent"]] == [parent]
