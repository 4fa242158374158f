"""The sign-in side of bench/bench_login_lock.py: bursts of simultaneous sign-ins, driven from a process of its own.

Real sign-ins come from browsers on other machines. Here the clients run on the server's machine, so their own
work (building requests, parsing the login page) must at least not stall the writers' clients: the bursts run in
a separate process with its own event loop, and a burst's clients are built before its clock starts. Their CPU
still competes with the server and the writers for the same cores, as before.
"""
from __future__ import annotations

import asyncio
import time

from bench._load_users import PASSWORD, Client, Run, csrf_of


async def _burst(base: str, emails: list[str], waves: int, timeout: float) -> dict:
    """All sign-ins of one burst (waves of simultaneous sign-ins, one after the other); times and outcomes."""
    run = Run(len(emails), 0, 10**9, timeout)
    run.deadline = time.monotonic() + 600
    clients = [Client(base, run) for _ in emails]  # built before the clock starts
    latencies: list[float] = []
    failures: list[str] = []

    async def sign_in(client: Client, email: str):
        try:
            page = (await client.request("login_form", "GET", "/login")).text
            started = time.monotonic()
            await client.request("login", "POST", "/login", expect=(302,), data={
                "csrf_token": csrf_of(page), "email": email, "password": PASSWORD})
            latencies.append(time.monotonic() - started)
        except RuntimeError as exc:
            failures.append(str(exc))

    per_wave = -(-len(emails) // max(1, waves))
    started = time.monotonic()
    for first in range(0, len(emails), per_wave):
        await asyncio.gather(*(sign_in(clients[n], emails[n]) for n in range(first, min(len(emails),
                                                                                        first + per_wave))))
    finished = time.monotonic()
    await asyncio.gather(*(client.close() for client in clients))
    return {"started": started, "finished": finished, "latencies": latencies, "failures": failures}


def driver(base: str, emails: list[str], waves: int, timeout: float, conn) -> None:
    """Process body: on each "burst" message sign everyone in once and send the times back; "stop" ends it."""
    while conn.recv() == "burst":
        conn.send(asyncio.run(_burst(base, emails, waves, timeout)))
    conn.close()
