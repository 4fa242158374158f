"""Password hashes run in a low-priority helper process, with werkzeug's scrypt work factor; sign-in still works."""
import os

import pytest

from conftest import login
from lms.auth import hashing, services

pytestmark = pytest.mark.skipif(not hasattr(os, "getpriority"), reason="process priorities are a POSIX feature")


def _spy(monkeypatch):
    """Record the operations that check() and new_hash() send to the low-priority helper."""
    seen = []
    real = hashing.ask

    def recording(request):
        seen.append(request[0])
        return real(request)

    monkeypatch.setattr(hashing, "ask", recording)
    return seen


def test_auth_hashing_helper_runs_at_nice_19_in_another_process():
    """The helper that computes the hashes is another process whose niceness is 19; ours is unchanged."""
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    pid, nice = hashing.helper_priority()
    assert pid != os.getpid() and nice == hashing.LOW_PRIORITY
    assert os.getpriority(os.PRIO_PROCESS, pid) == hashing.LOW_PRIORITY  # as the kernel sees it
    assert os.getpriority(os.PRIO_PROCESS, 0) == ours


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is a Linux scheduling policy")
def test_auth_hashing_helper_runs_under_sched_idle():
    """The helper also takes the SCHED_IDLE policy, so a waking server thread preempts a hash at once; ours does not."""
    ours = os.sched_getscheduler(0)
    pid, _nice = hashing.helper_priority()
    assert os.sched_getscheduler(pid) == os.SCHED_IDLE
    assert os.sched_getscheduler(0) == ours != os.SCHED_IDLE


def test_auth_hashing_check_and_new_hash_use_the_helper_with_werkzeug_defaults(monkeypatch):
    """check() and new_hash() run scrypt in the helper; the hash keeps N=2**15, r=8, p=1 and verifies."""
    seen = _spy(monkeypatch)
    stored = services.hash_password("correct horse battery")
    assert stored.startswith("scrypt:32768:8:1$")
    assert hashing.check(stored, "correct horse battery") is True
    assert hashing.check(stored, "wrong horse battery") is False
    assert seen == ["new", "check", "check"]


def test_auth_hashing_signin_end_to_end_through_helper(app, client, world, monkeypatch):
    """A sign-in through the login form checks the password in the helper process and then works."""
    seen = _spy(monkeypatch)
    assert login(client, "learner@alpha.example").status_code == 302
    assert client.get("/courses/").status_code == 200
    assert login(app.test_client(), "learner@alpha.example", "wrong-password").status_code == 200
    assert seen == ["check", "check"]


def test_auth_hashing_unreadable_hash_does_not_match():
    """A stored hash that is no werkzeug hash (an erased or imported account) never matches; the helper goes on."""
    assert hashing.check("!erased", "whatever password") is False
    assert hashing.check("scrypt:32768:8:1$salt$00", "whatever password") is False
    assert hashing.helper_priority()[1] == hashing.LOW_PRIORITY


def test_auth_hashing_helpers_renewed_after_fork():
    """A forked worker process starts helpers of its own (the parent's pipes are not its own)."""
    parents_helper = hashing.helper_priority()[0]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child answers through the pipe and exits without running pytest's teardown
        try:
            helper = hashing.helper_priority()[0]
            os.write(write, b"1" if helper != parents_helper else b"0")
        finally:
            os._exit(0)
    os.close(write)
    try:
        assert os.read(read, 1) == b"1"
    finally:
        os.close(read)
        os.waitpid(pid, 0)


def test_auth_hashing_helper_replaced_when_it_dies():
    """A helper killed (e.g. for memory) is replaced and the next check still answers."""
    pid, _nice = hashing.helper_priority()
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    assert hashing.check(hashing.new_hash("still a long passphrase"), "still a long passphrase") is True
    assert hashing.helper_priority()[0] != pid


def test_auth_hashing_zero_helpers_hash_in_the_request_thread(monkeypatch):
    """LMS_HASH_PROCESSES=0 computes the hashes in the calling process, with the same format."""
    monkeypatch.setenv("LMS_HASH_PROCESSES", "0")
    assert hashing.helper_priority()[0] == os.getpid()
    stored = hashing.new_hash("a long enough passphrase")
    assert stored.startswith("scrypt:32768:8:1$")
    assert hashing.check(stored, "a long enough passphrase") is True
    assert hashing.check(stored, "another passphrase") is False


def test_auth_hashing_helper_that_cannot_run_falls_back_in_process(monkeypatch):
    """A host whose sys.executable is no Python (uWSGI): the helper dies at once twice, the hash is done here."""
    monkeypatch.setattr(hashing, "_idle", None)  # a fresh pool that starts helpers with the broken executable
    monkeypatch.setattr(hashing.sys, "executable", "/bin/false")
    stored = hashing.new_hash("a long enough passphrase")
    assert hashing.check(stored, "a long enough passphrase") is True
    assert hashing.helper_priority()[0] == os.getpid()
