"""Fixtures for the guidelines tests: a learner who started the mini course, signal recorders."""
from __future__ import annotations

import pytest

from lms import signals

MINI_ANSWERS = {"groesse": "klein", "betriebsrat": "nein", "kanaele": ["facebook"]}


@pytest.fixture
def started(client, login_as):
    """learner_a signed in and enrolled in the mini course; returns the start response."""
    login_as("learner_a")
    return client.post("/courses/mini/start")


@pytest.fixture
def recorded():
    """Collect the guidelines signals sent during a test: {signal name: [kwargs, …]}."""
    seen: dict[str, list] = {}
    receivers = []
    for name in ("questionnaire_answered", "guideline_produced", "guideline_acknowledged"):
        signal = getattr(signals, name)

        def receiver(sender, _name=name, **kwargs):
            """Remember one sending."""
            seen.setdefault(_name, []).append({"sender": sender, **kwargs})

        signal.connect(receiver)
        receivers.append((signal, receiver))
    yield seen
    for signal, receiver in receivers:
        signal.disconnect(receiver)


@pytest.fixture
def answer(client):
    """A function that posts the mini questionnaire with the given answers (lists for multiple choice)."""

    def _answer(answers: dict | None = None, slug: str = "mini"):
        return client.post(f"/guidelines/{slug}/questionnaire", data=answers or MINI_ANSWERS)

    return _answer
