"""Benchmark certificate PDF rendering: certificates per second, mean and p95 milliseconds per PDF.

Renders N certificates (default 200), each with its own learner name, verification code and URL, so no
per-document work can be reused; the languages alternate de/en. The first render of the process (fonts parsed
into the per-process cache) is timed separately as "cold". --names picks the learners: German names only
(latin, the common case) or a mix with Cyrillic, Greek, Arabic, Hebrew, Chinese, Japanese and Korean names.

    .venv/bin/python bench/bench_certificates.py
    .venv/bin/python bench/bench_certificates.py --n 500 --names mixed
    .venv/bin/python bench/bench_certificates.py --smoke            # 5 certificates
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._figures import add_smoke_flag, figure  # noqa: E402
from lms.certificates.codes import new_code  # noqa: E402
from lms.certificates.pdf import CertificateData, render_certificate_pdf  # noqa: E402

LATIN = ["Jürgen Größe-Weißmüller", "Anna Schmidt", "Lea Lernend", "Zoë Çelik", "Maximilian von Hohenzollern",
         "Fatma Yılmaz", "Łukasz Nowak", "Søren Ørsted"]
MIXED = LATIN[:3] + ["Иван Петрович Сидоров", "Ελένη Παπαδοπούλου", "محمد عبد الله", "דוד כהן", "王小明",
                     "山田太郎", "김민준"]
TARGET_MS = 100.0  # a certificate must render well under this (the request that serves it waits)
MODULES = ["Strategie & Ziele", "Plattformen & Rollen", "Recht & Sicherheit", "Social-Media-Richtlinien",
           "Community Management & Krisenkommunikation", "Erfolg messen & Reporting"]


def certificate(i: int, names: list[str]) -> CertificateData:
    """The i-th benchmark certificate: a distinct learner, code and URL."""
    code = new_code()
    issued = date(2026, 11, 22) - timedelta(days=i % 90)
    return CertificateData(
        learner_name=f"{names[i % len(names)]} {i}", course_title="Social Media Manager",
        modules=[(title, issued - timedelta(days=7 * (6 - n))) for n, title in enumerate(MODULES)],
        final_score=0.6 + (i % 41) / 100, issued_on=issued, issuer="Musterfirma GmbH", code=code,
        verify_url=f"https://lms.example.org/verify/{code}", expires_on=issued + timedelta(days=730))


def main() -> None:
    """Render the certificates and print throughput and latency."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="certificates to render (default 200)")
    parser.add_argument("--names", choices=("latin", "mixed"), default="latin")
    add_smoke_flag(parser)
    args = parser.parse_args()
    if args.smoke:
        args.n = 5
    names = LATIN if args.names == "latin" else MIXED

    started = time.perf_counter()
    for i, name in enumerate(names):  # each script's fonts once, so that the timed runs are all warm
        render_certificate_pdf(certificate(i, [name]), "de")
    cold = time.perf_counter() - started

    times, cpu_times, sizes = [], [], []
    total_started = time.perf_counter()
    for i in range(1, args.n + 1):
        data = certificate(i, names)
        started, cpu_started = time.perf_counter(), time.process_time()
        pdf = render_certificate_pdf(data, "de" if i % 2 else "en")
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
        sizes.append(len(pdf))
    total = time.perf_counter() - total_started

    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * len(ms))) - 1)]
    print(f"certificates: {args.n} ({args.names} names, de/en alternating)")
    print(f"cold start: {cold * 1000:.0f} ms for the first {len(names)} (fonts loaded into the process cache)")
    print(f"throughput: {args.n / total:.1f} certificates/s")
    print(f"per PDF: mean {statistics.fmean(ms):.1f} ms, median {statistics.median(ms):.1f} ms, "
          f"p95 {p95:.1f} ms, max {ms[-1]:.1f} ms (CPU mean {statistics.fmean(cpu_times) * 1000:.1f} ms)")
    print(f"PDF size: mean {statistics.fmean(sizes) / 1024:.1f} KiB")
    prefix = f"certificates.{args.names}"
    figure(f"{prefix}.throughput", args.n / total, "certificates/s")
    figure(f"{prefix}.median", statistics.median(ms), "ms", baseline=TARGET_MS, baseline_label="target")
    figure(f"{prefix}.p95", p95, "ms", baseline=TARGET_MS, baseline_label="target")
    figure(f"{prefix}.cpu_mean", statistics.fmean(cpu_times) * 1000, "ms", baseline=TARGET_MS,
           baseline_label="target")


if __name__ == "__main__":
    main()
