"""At most LMS_HASH_CONCURRENCY password hashes at once on the machine: flock'd slot files, shared by every process."""
import fcntl
import os
import threading
import time

import pytest

from lms.auth import hash_slots, hashing


def _waiting_pids() -> set[int]:
    """Processes blocked on a lock right now (the '->' lines of /proc/locks)."""
    with open("/proc/locks") as locks:
        return {int(line.split("->", 1)[1].split()[3]) for line in locks if "->" in line}


def _until(condition, seconds: float = 20.0) -> bool:
    """Whether condition() became true within `seconds` (checked every few milliseconds: waits for another
    process's state, not for time to pass)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


@pytest.fixture
def slots(tmp_path, monkeypatch):
    """A private slot directory of this test, one slot; used by this process and by helpers started now."""
    directory = tmp_path / "slots"
    monkeypatch.setenv("LMS_HASH_SLOTS_DIR", str(directory))
    monkeypatch.setenv("LMS_HASH_CONCURRENCY", "1")
    return hash_slots.slots_dir()


def test_auth_hash_slots_default_is_half_the_usable_cores(monkeypatch):
    """Without LMS_HASH_CONCURRENCY: half the usable cores, at least one; a number set is used as it is."""
    monkeypatch.delenv("LMS_HASH_CONCURRENCY", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    assert hash_slots.concurrency() == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert hash_slots.concurrency() == 1
    monkeypatch.setenv("LMS_HASH_CONCURRENCY", "3")
    assert hash_slots.concurrency() == 3
    monkeypatch.setenv("LMS_HASH_CONCURRENCY", "many")
    assert hash_slots.concurrency() == 1


def test_auth_hash_slots_directory_is_private(slots):
    """The slot directory is created 0700 and a slot file 0600."""
    with hash_slots.slot():
        assert os.stat(slots).st_mode & 0o777 == 0o700
        assert {os.stat(os.path.join(slots, name)).st_mode & 0o777 for name in os.listdir(slots)} == {0o600}


@pytest.mark.parametrize("kind", ["open to others", "symlink"])
def test_auth_hash_slots_refuses_a_directory_others_could_hold(tmp_path, monkeypatch, kind):
    """A slot directory open to other users, or a symlink, is refused; budget() then hashes without a slot and says
    so instead of failing the sign-in."""
    target = tmp_path / "shared"
    target.mkdir(mode=0o777)
    target.chmod(0o777)
    path = target if kind == "open to others" else tmp_path / "link"
    if kind == "symlink":
        path.symlink_to(tmp_path / "private")
        (tmp_path / "private").mkdir(mode=0o700)
    monkeypatch.setenv("LMS_HASH_SLOTS_DIR", str(path))
    with pytest.raises(OSError):
        hash_slots.slots_dir()
    with hash_slots.budget() as held:
        assert held is None  # contextlib.nullcontext: no slot taken


def test_auth_hash_slots_taken_slot_is_locked_for_everyone_else(slots):
    """While a slot is held, its file is locked against any other holder; given back, it is free again."""
    path = os.path.join(slots, "slot-0.lock")
    with hash_slots.slot():
        other = os.open(path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
    with hash_slots.slot():
        pass  # free again: taken without waiting


def test_auth_hash_slots_two_slots_two_holders(slots, monkeypatch):
    """With two slots, a second holder takes the other slot at once."""
    monkeypatch.setenv("LMS_HASH_CONCURRENCY", "2")
    with hash_slots.slot() as first, hash_slots.slot() as second:
        assert os.fstat(first.handle).st_ino != os.fstat(second.handle).st_ino


@pytest.fixture(scope="module")
def stored_hash() -> str:
    """A real scrypt hash of 'a long passphrase' (werkzeug's format and work factor), made once."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash("a long passphrase", method=hashing.PASSWORD_METHOD)


def test_auth_hash_slots_helper_waits_for_a_free_slot(slots, stored_hash):
    """A helper process asked for a hash while the machine's only slot is held waits (blocked on the slot's lock)
    and answers as soon as the slot is given back."""
    helper = hashing._Helper()
    answers = []
    asking = threading.Thread(target=lambda: answers.append(helper.ask(["check", stored_hash, "a long passphrase"])))
    try:
        with hash_slots.slot():
            asking.start()
            assert _until(lambda: helper.process.pid in _waiting_pids()), "the helper never waited for the slot"
            assert answers == []
        asking.join(30)
        assert answers == [True]
    finally:
        helper.stop()
