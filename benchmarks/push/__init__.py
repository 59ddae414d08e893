"""Campaign pushes: planning 1,000,000 followers, sending at 1,000/s, and a crash mid-send.

Three phases, each on a fresh database (a SQLite file, or a throwaway PostgreSQL
database with --db), all traffic to 127.0.0.1:

  plan   N followers (users, follows and taste profiles bulk-loaded; a few time zones,
         some with quiet hours over the run's start, some paused, some unreachable, some
         with a daily maximum of 1 already reached or planned by another campaign), then
         the real `start_run` + `plan_run` of one campaign over all of them, timed, with
         the process's peak memory; then checked: one row per follower, no planned
         moment inside quiet hours, paused -> dropped, unreachable -> blocked, daily
         maximum respected. Targets: < 60 s on one core, < 1 GiB.
  send   the Bot API stand-in in its own process (on the other core) and the real push
         path in this one: `start_runtime`, the aiogram transport's `PushLane`, and
         `PushSender.run_forever` at --rate over a campaign due now, until every due push
         is settled. Reports the rate achieved against the configured one (target
         >= 95%), duplicates seen by the stand-in and sends inside quiet hours (both 0).
  fault  the sender in a child process at --fault-rate, SIGKILLed once 40% of a campaign
         is settled and restarted (`PushSender.recover`, then the rest). Counts duplicates
         at the stand-in (must be 0), pushes the kill left in doubt, and real losses:
         due pushes the stand-in never got that are not in doubt (must be 0).

Pins itself to one core; the stand-in runs on another. Exit status 1 when an invariant
fails (a duplicate, a send in quiet hours, not exactly one row per follower, a loss);
missed speed targets are reported, not failures.

The parts: `world` (the shared setup: a fresh database, the followers and the campaign,
the figures), `standin` (the Bot API stand-in as a child process), `planning`,
`sending` and `crash` (the three phases); `python -m benchmarks.push` runs it as
`o2o bench push` does, and starts its children that way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import sys
import tempfile
from pathlib import Path

from benchmarks.push.crash import phase_fault
from benchmarks.push.planning import phase_plan
from benchmarks.push.sending import child_sender, phase_send
from benchmarks.push.standin import serve_standin
from benchmarks.push.world import CPUS, Report

FULL = {"followers": 1_000_000, "send_users": 20_000, "fault_users": 5_000}
QUICK = {"followers": 50_000, "send_users": 3_000, "fault_users": 1_000}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--followers", type=int, help="followers planned (default 1,000,000)")
    parser.add_argument("--send-users", type=int, help="followers sent to (default 20,000)")
    parser.add_argument("--rate", type=float, default=1000.0, help="configured pushes/s")
    parser.add_argument("--fault-users", type=int, help="followers of the fault phase "
                                                        "(default 5,000)")
    parser.add_argument("--fault-rate", type=float, default=500.0)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 50,000 followers, 3,000 sends, 1,000 in the fault")
    parser.add_argument("--phases", default="plan,send,fault")
    parser.add_argument("--db", default="sqlite",
                        help="sqlite (a temporary file) or a PostgreSQL URL: each phase "
                             "creates and drops its own database on that server")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds any one phase may take to send")
    parser.add_argument("--seed", type=int, default=1)
    # The fault phase's sender and the stand-in run as children of the benchmark.
    parser.add_argument("--child", choices=("sender", "standin"), help=argparse.SUPPRESS)
    parser.add_argument("--child-db", help=argparse.SUPPRESS)
    parser.add_argument("--child-api", help=argparse.SUPPRESS)
    parser.add_argument("--child-spec", help=argparse.SUPPRESS)


async def _bench(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    report = Report()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    with tempfile.TemporaryDirectory(prefix="o2o-bench-push-") as tmp:
        for phase in phases:
            if phase == "plan":
                await phase_plan(args, report, rng)
            elif phase == "send":
                await phase_send(args, report, rng, Path(tmp))
            elif phase == "fault":
                await phase_fault(args, report, rng, Path(tmp))
            else:
                print(f"unknown phase {phase!r} (plan, send, fault)")
                return 2
    return report.print()


def _pin_to_first_cpu() -> str:
    try:
        os.sched_setaffinity(0, {CPUS[0]})
    except (AttributeError, OSError):
        return "not pinned"
    return f"pinned to CPU {CPUS[0]}"


def run(args: argparse.Namespace) -> int:
    if args.child == "standin":
        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
            asyncio.run(serve_standin(args.child_spec))
        return 0
    if args.child == "sender":
        return asyncio.run(child_sender(args))
    sizes = QUICK if args.quick else FULL
    for name, default in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    print(f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
          f"benchmark and sender {_pin_to_first_cpu()}, the stand-in on CPU {CPUS[-1]} "
          f"(PostgreSQL, if used, in its own processes); database: "
          f"{'SQLite file' if args.db == 'sqlite' else 'PostgreSQL'}", flush=True)
    return asyncio.run(_bench(args))


def main() -> None:
    """`python -m benchmarks.push ...`: the same options (the children start this way)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.push",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
