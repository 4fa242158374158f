"""The reminder benchmark runs end to end at its smoke size (it exits non-zero on a duplicate or a lost mail)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_bench_reminders_smoke_runs_clean():
    """`bench/bench_reminders.py --smoke` queues, stays idempotent, and delivers every mail once."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_reminders.py"), "--smoke"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "0 queued (idempotent" in result.stdout and "distinct Message-IDs 100" in result.stdout
