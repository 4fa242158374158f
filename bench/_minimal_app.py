"""The baseline for bench/bench_load.py: a minimal Flask app whose one endpoint returns "ok"."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def ok():
    """Return "ok" (no database, no templates, no session)."""
    return "ok"


@app.route("/healthz")
def healthz():
    """Readiness probe, same path as the LMS."""
    return {"status": "ok"}
