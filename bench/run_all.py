"""Run every benchmark one after the other and print one table of their figures (the README's performance table).

Each bench/bench_*.py prints its figures as `FIGURE {json}` lines (bench/_figures.py); this runner starts each
script, collects those lines and fails when a script exits non-zero or prints no figure. The database-bound
benchmarks also run on PostgreSQL: a throwaway cluster (scripts/pg-cluster.sh) unless a server URL is given.

    .venv/bin/python bench/run_all.py                    # `make bench`: full sizes, SQLite and PostgreSQL
    .venv/bin/python bench/run_all.py --smoke            # `make test`: every script in its tiny size on SQLite
    .venv/bin/python bench/run_all.py --smoke --postgres "$url" --database-only
    .venv/bin/python bench/run_all.py --only reports --postgres none
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._figures import parse  # noqa: E402


@dataclass(frozen=True)
class Bench:
    """One benchmark script and whether it also runs on PostgreSQL (`--postgres URL`)."""

    name: str
    script: str
    database_bound: bool


BENCHES = [
    Bench("reports", "bench/bench_reports.py", True),
    Bench("lrs_query", "bench/bench_lrs_query.py", True),
    Bench("forwarding", "bench/bench_forwarding.py", False),
    Bench("load", "bench/bench_load.py", True),
    Bench("pages", "bench/bench_pages.py", False),
    Bench("login_lock", "bench/bench_login_lock.py", False),
    Bench("certificates", "bench/bench_certificates.py", False),
    Bench("reminders", "bench/bench_reminders.py", False),
    Bench("import", "bench/bench_import.py", False),
]


@dataclass
class Outcome:
    """What one run of one script produced."""

    command: str
    figures: list
    seconds: float
    load: tuple = ()
    error: str = ""


def machine() -> str:
    """CPU model, cores, memory and the load average right now."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
        memory = f", {mem:.0f} GB RAM"
    except OSError:
        memory = ""
    return f"{model}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}"


def run(bench: Bench, args: list[str], timeout: float, quiet: bool, log_dir: Path) -> Outcome:
    """Run one script with a time cap; stream (or log) its output; collect its figures."""
    shown = " ".join([".venv/bin/python", bench.script, *["\"$url\"" if a.startswith("postgresql") else a
                                                         for a in args]])
    log = log_dir / f"{bench.name}{'-pg' if '--postgres' in args else ''}.log"
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    print(f"\n=== {shown}", flush=True)
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, str(REPO / bench.script), *args], cwd=REPO, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        expired = threading.Event()

        def stop() -> None:
            """Past the cap: end the script and everything it started (its own process group)."""
            expired.set()
            os.killpg(process.pid, signal.SIGTERM)

        watchdog = threading.Timer(timeout, stop)
        watchdog.start()
        try:
            for line in process.stdout:
                out.write(line)
                if not quiet:
                    print(line, end="", flush=True)
            code = process.wait()
        except BaseException:  # Ctrl+C or SIGTERM: do not leave the script (and its servers) running
            os.killpg(process.pid, signal.SIGTERM)
            raise
        finally:
            watchdog.cancel()
    seconds = time.perf_counter() - started
    figures = parse(log.read_text())
    error = ""
    if expired.is_set():
        error = f"stopped after {timeout:.0f} s"
    elif code != 0:
        error = f"exit status {code}"
    elif not figures:
        error = "printed no figures"
    if error and quiet:
        print(log.read_text()[-4000:])
    load = (load_before, os.getloadavg()[0])
    print(f"=== {bench.name}: {len(figures)} figures in {seconds:.0f} s (load average {load[0]:.1f} before, "
          f"{load[1]:.1f} after){' — FAILED: ' + error if error else ''}", flush=True)
    return Outcome(shown, figures, seconds, load, error)


def table(outcomes: list[Outcome]) -> str:
    """The figures of all runs as one Markdown table."""
    lines = ["| Figure | Value | Ratio to baseline | Command |", "|---|---|---|---|"]
    for outcome in outcomes:
        for f in outcome.figures:
            value = f"{f['value']:,g} {f['unit']}"
            ratio = (f"{f['ratio']:.3g} of {f['baseline']:,g} {f['unit']} ({f['baseline_label']})"
                     if f.get("ratio") is not None else "—")
            lines.append(f"| {f['name']} | {value} | {ratio} | `{outcome.command}` |")
        if outcome.error:
            lines.append(f"| {outcome.command} | FAILED: {outcome.error} | | |")
    return "\n".join(lines)


def postgres_server(choice: str, smoke: bool):
    """(URL or None, stop function): the given URL, none, or a throwaway cluster ('auto')."""
    if choice == "none" or (choice == "auto" and smoke):
        return None, lambda: None
    if choice != "auto":
        return choice, lambda: None
    if not Path("/usr/lib/postgresql/15/bin/initdb").exists():
        print("PostgreSQL 15 is not installed (scripts/system-deps.sh): PostgreSQL runs skipped", file=sys.stderr)
        return None, lambda: None
    folder = tempfile.mkdtemp(prefix="lms-bench-pg.")
    os.chmod(folder, 0o755)
    script = str(REPO / "scripts" / "pg-cluster.sh")
    url = subprocess.run([script, "start", folder], check=True, capture_output=True, text=True).stdout.strip()
    return url, lambda: subprocess.run([script, "stop", folder], check=False)


def main() -> int:
    """Run the selected benchmarks and print the table; 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="every script in its tiny --smoke size")
    parser.add_argument("--postgres", default="auto", metavar="URL|auto|none",
                        help="server for the database-bound runs; auto: a throwaway cluster (full runs only)")
    parser.add_argument("--database-only", action="store_true",
                        help="only the database-bound benchmarks, and only on PostgreSQL")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHES], help="run only these benchmarks")
    parser.add_argument("--timeout", type=float, help="cap per script in seconds (smoke 120, full 3600)")
    parser.add_argument("--quiet", action="store_true",
                        help="show a script's output only when it fails, and no table (as `make test` runs it)")
    args = parser.parse_args()
    timeout = args.timeout or (120 if args.smoke else 3600)
    selected = [b for b in BENCHES if (not args.only or b.name in args.only)
                and (not args.database_only or b.database_bound)]
    log_dir = Path(tempfile.mkdtemp(prefix="lms-bench-logs."))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the PostgreSQL cluster
    url, stop = postgres_server(args.postgres, args.smoke)
    if args.database_only and not url:
        parser.error("--database-only needs a PostgreSQL server (--postgres URL or auto)")
    taken = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    outcomes = []
    try:
        for bench in selected:
            size = ["--smoke"] if args.smoke else []
            if not args.database_only:
                outcomes.append(run(bench, size, timeout, args.quiet, log_dir))
            if bench.database_bound and url:
                outcomes.append(run(bench, [*size, "--postgres", url], timeout, args.quiet, log_dir))
    finally:
        stop()
    failed = [o for o in outcomes if o.error]
    loads = [x for o in outcomes for x in o.load] or [0.0]
    low, high = min(loads), max(loads)
    if not args.quiet:
        print(f"\nBenchmarks{' (smoke size: the figures only show the scripts run)' if args.smoke else ''}, "
              f"started {taken} on {machine()}; 1-minute load average between {low:.1f} and {high:.1f} "
              f"(sampled before and after each script); logs in {log_dir}\n")
        print(table(outcomes))
    elif not failed:
        shutil.rmtree(log_dir, ignore_errors=True)
    total = sum(o.seconds for o in outcomes)
    print(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} runs ok in {total:.0f} s"
          + (f"; FAILED: {', '.join(o.command + ' (' + o.error + ')' for o in failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
