"""Shared steps for the task tests: enrol, hand in, review (through the real pages)."""
from __future__ import annotations

import io
import re

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TASK_URL = "/tasks/mini/probe"


def start(client) -> None:
    """Enrol the signed-in user in the test course."""
    client.post("/courses/mini/start")


def hand_in(client, ziel: str = "Mehr Bewerbungen über LinkedIn bis Juni.", file: tuple | None = None):
    """Post the hand-in form (optionally with (bytes, filename))."""
    data = {"field-ziel": ziel, "field-notiz": ""}
    if file is not None:
        data["file"] = (io.BytesIO(file[0]), file[1])
    return client.post(f"{TASK_URL}/submit", data=data, content_type="multipart/form-data")


def review(client, submission_id: int, decision: str, feedback: str = "Gut gemacht.",
           levels=(("klarheit", "klar"), ("messbar", "ja"))):
    """Post the rubric review of a hand-in."""
    data = {"decision": decision, "feedback": feedback}
    for criterion, level in levels:
        data[f"level-{criterion}"] = level
        data[f"comment-{criterion}"] = f"Kommentar zu {criterion}"
    return client.post(f"/tasks/review/{submission_id}", data=data)


def submission_ids(body: str) -> list[int]:
    """Hand-in ids linked from the trainer's task list."""
    return [int(n) for n in re.findall(r'href="/tasks/review/(\d+)"', body)]
