"""xAPI: the statements the app itself emits (vocabulary, builders, signal receivers), stored by lms.lrs."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Subscribe the statement emitters to the app's learning events."""
    from . import receivers

    receivers.connect()
