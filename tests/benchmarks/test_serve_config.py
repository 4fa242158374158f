"""The benches serve the app the way scripts/serve.sh does, so their figures describe production serving."""
import os
import re
import sys
from pathlib import Path

import pytest

from bench import bench_load

SERVE_PATH = Path(__file__).resolve().parents[2] / "scripts" / "serve.sh"
SERVE = SERVE_PATH.read_text()


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


def _gunicorn_conf():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "gunicorn_conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmarks_serve_config_gunicorn_conf_used_by_serve_sh_and_benches():
    """serve.sh and the benches' start_gunicorn both pass scripts/gunicorn_conf.py."""
    assert "--config scripts/gunicorn_conf.py" in SERVE
    assert bench_load.GUNICORN_CONF == Path(SERVE_PATH).with_name("gunicorn_conf.py")
    assert '"--config", str(GUNICORN_CONF)' in Path(bench_load.__file__).read_text()


def test_benchmarks_serve_config_worker_gil_switch_interval(monkeypatch):
    """Each worker hands the GIL over after LMS_SWITCH_INTERVAL_MS (default 0.5 ms, not Python's 5 ms)."""
    conf = _gunicorn_conf()
    before = sys.getswitchinterval()
    try:
        monkeypatch.delenv("LMS_SWITCH_INTERVAL_MS", raising=False)
        conf.post_fork(None, None)
        assert sys.getswitchinterval() == pytest.approx(0.0005)
        monkeypatch.setenv("LMS_SWITCH_INTERVAL_MS", "2")
        conf.post_fork(None, None)
        assert sys.getswitchinterval() == pytest.approx(0.002)
        for wrong in ("0", "-1", "fast"):
            monkeypatch.setenv("LMS_SWITCH_INTERVAL_MS", wrong)
            assert conf.switch_interval() == pytest.approx(0.0005)
    finally:
        sys.setswitchinterval(before)
