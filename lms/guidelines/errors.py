"""The problems guideline services report to the user (message ids in German)."""
from __future__ import annotations


class GuidelineError(ValueError):
    """A user-facing problem (message id in German)."""


class TextTooLong(GuidelineError):
    """A builder field holds more text than allowed."""

    def __init__(self, field_id: str, max_length: int):
        self.field_id, self.max_length = field_id, max_length
        super().__init__(f"{field_id}: more than {max_length} characters")

