"""The learning path page groups lessons by shared reasons and folds optional lessons; the guideline page
without a published guideline leads to the builder."""
from types import SimpleNamespace

from lms.guidelines.path_groups import grouped_path

REASON = [{"status": "recommended", "reason": {"de": "Weil Sie Instagram nutzen."}}]


def _item(lesson_id: str, status: str, reasons: list) -> dict:
    return {"lesson": SimpleNamespace(id=lesson_id), "status": status, "reasons": reasons}


def test_path_groups_same_reason_once_optional_folded():
    """Three lessons with one reason become one group; optional lessons are counted apart."""
    rows = [{"module": "m", "lessons": [_item("a", "recommended", REASON), _item("b", "required", []),
                                        _item("c", "recommended", REASON), _item("d", "optional", REASON),
                                        _item("e", "recommended", REASON)]}]
    module = grouped_path(rows)[0]
    assert [[i["lesson"].id for i in g["lessons"]] for g in module["groups"]] == [["a", "c", "e"], ["b"]]
    assert module["optional_count"] == 1 and module["optional"][0]["lessons"][0]["lesson"].id == "d"


def test_path_groups_guideline_page_links_builder(client, login_as):
    """A learner whose organisation has no guideline yet gets the builder, not a dead end."""
    login_as("learner_a")
    client.post("/courses/mini/start")
    page = client.get("/guidelines/").get_data(as_text=True)
    assert "/guidelines/mini/builder" in page
