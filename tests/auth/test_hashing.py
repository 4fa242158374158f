"""Password hashes run on low-priority hash threads, with werkzeug's scrypt work factor, and sign-in still works."""
import os
import threading

import pytest

from conftest import login
from lms.auth import hashing, services

pytestmark = pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are a Linux feature")


def _spy(monkeypatch, name):
    """Wrap hashing.<name> so each call records (thread id, the thread's nice value) before doing the real work."""
    seen = []
    real = getattr(hashing, name)

    def recording(*args, **kwargs):
        thread = threading.get_native_id()
        seen.append((thread, os.getpriority(os.PRIO_PROCESS, thread)))
        return real(*args, **kwargs)

    monkeypatch.setattr(hashing, name, recording)
    return seen


def test_auth_hashing_check_runs_on_low_priority_thread(monkeypatch):
    """The scrypt check runs on another thread whose own niceness is 19, the caller's stays unchanged."""
    seen = _spy(monkeypatch, "check_password_hash")
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    stored = hashing.new_hash("correct horse battery")
    assert hashing.check(stored, "correct horse battery") is True
    assert hashing.check(stored, "wrong horse battery") is False
    assert len(seen) == 2
    assert all(thread != threading.get_native_id() and nice == hashing.LOW_PRIORITY for thread, nice in seen)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before


def test_auth_hashing_new_hash_runs_on_low_priority_thread_with_werkzeug_defaults(monkeypatch):
    """A new hash is computed on a nice-19 hash thread and keeps scrypt N=2**15, r=8, p=1."""
    seen = _spy(monkeypatch, "generate_password_hash")
    stored = services.hash_password("another long passphrase")
    assert stored.startswith("scrypt:32768:8:1$")
    assert [nice for _thread, nice in seen] == [hashing.LOW_PRIORITY]
    assert seen[0][0] != threading.get_native_id()


def test_auth_hashing_signin_end_to_end_on_hash_thread(app, client, world, monkeypatch):
    """A sign-in through the login form checks the password on a low-priority thread and then works."""
    seen = _spy(monkeypatch, "check_password_hash")
    response = login(client, "learner@alpha.example")
    assert response.status_code == 302
    assert client.get("/courses/").status_code == 200
    assert [nice for _thread, nice in seen] == [hashing.LOW_PRIORITY]
    assert login(app.test_client(), "learner@alpha.example", "wrong-password").status_code == 200
    assert [nice for _thread, nice in seen] == [hashing.LOW_PRIORITY] * 2


def test_auth_hashing_pool_renewed_after_fork():
    """A forked worker process gets its own hash threads (the parent's are not copied by fork)."""
    hashing.check(hashing.new_hash("first long passphrase"), "first long passphrase")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child answers through the pipe and exits without running pytest's teardown
        try:
            ok = hashing.check(hashing.new_hash("child long passphrase"), "child long passphrase")
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    try:
        assert os.read(read, 1) == b"1"
    finally:
        os.close(read)
        os.waitpid(pid, 0)
