"""The benches serve the app the way scripts/serve.sh does, so their figures describe production serving."""
import os
import re
from pathlib import Path

from bench import bench_load

SERVE = (Path(__file__).resolve().parents[2] / "scripts" / "serve.sh").read_text()


def test_benchmarks_serve_config_worker_class_matches_serve_sh():
    """serve.sh runs gthread workers, and start_gunicorn passes the same worker class."""
    assert "--worker-class gthread" in SERVE
    source = Path(bench_load.__file__).read_text()
    assert '"--worker-class", "gthread"' in source


def test_benchmarks_serve_config_thread_default_matches_serve_sh(monkeypatch):
    """The benches' default threads per worker is serve.sh's LMS_THREADS default."""
    default = re.search(r'LMS_THREADS:-(\d+)', SERVE)
    assert default, "serve.sh no longer sets a LMS_THREADS default"
    monkeypatch.delenv("LMS_THREADS", raising=False)
    assert bench_load.serve_threads() == int(default.group(1))
    monkeypatch.setenv("LMS_THREADS", "7")
    assert bench_load.serve_threads() == 7


def test_benchmarks_serve_config_worker_default_matches_serve_sh(monkeypatch):
    """The benches' default worker count is serve.sh's: LMS_WORKERS, else 2 x the usable cores + 1."""
    assert 'LMS_WORKERS:-$(( $(nproc) * 2 + 1 ))' in SERVE
    monkeypatch.delenv("LMS_WORKERS", raising=False)
    assert bench_load.serve_workers() == 2 * len(os.sched_getaffinity(0)) + 1
    monkeypatch.setenv("LMS_WORKERS", "3")
    assert bench_load.serve_workers() == 3
