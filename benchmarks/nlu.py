"""NLU: parses per second and latency over all evaluation utterances, beside jieba alone.

Loads the shipped vocabulary (timed: the start-up cost), then parses every utterance
of our labelled set and of the public sets in ../shared/data/nlu (when present) several
rounds, timing each parse; in the same run, plain `jieba.lcut` over the same texts
is the floor (the parser must segment). Pins itself to one core. A last round reads
the thread's CPU clock, which time spent descheduled on a busy machine does not move.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

import jieba

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILES = [ROOT / "tests" / "data" / "nlu_eval.jsonl",
                 *sorted((ROOT.parent / "shared" / "data" / "nlu").glob("*.jsonl"))]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", type=Path, help="JSON Lines files with a text field "
                        "(default: our set and ../shared/data/nlu/*.jsonl)")
    parser.add_argument("--rounds", type=int, default=5, help="passes over all utterances")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(args: argparse.Namespace) -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        print(f"pinned to CPU {sorted(os.sched_getaffinity(0))[0]} of {os.cpu_count()}")
    files = [p for p in (args.files or DEFAULT_FILES) if p.is_file()]
    texts = [json.loads(line)["text"] for p in files
             for line in p.read_text("utf-8").splitlines() if line.strip()]
    print(f"{len(texts)} utterances from {len(files)} files, {args.rounds} rounds")

    started = time.perf_counter()
    jieba.initialize()
    jieba_ready = time.perf_counter()
    from handlers.vocabulary import shipped_vocabulary
    from nlu import Parser

    tracemalloc.start()
    vocabulary = shipped_vocabulary()
    parser = Parser(vocabulary)
    vocab_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    loaded = time.perf_counter()
    print(f"start-up: jieba dictionary {jieba_ready - started:.2f} s, vocabulary "
          f"({vocabulary.size} words) {loaded - jieba_ready:.2f} s, total {loaded - started:.2f} s;"
          f" vocabulary memory {vocab_bytes / 2**20:.1f} MiB")

    for text in texts[:200]:  # warm caches as a running bot would be
        parser.parse(text)
        jieba.lcut(text)
    ours: list[float] = []
    floor: list[float] = []
    clock = time.perf_counter_ns
    for _ in range(args.rounds):
        for text in texts:
            t0 = clock()
            jieba.lcut(text)
            t1 = clock()
            parser.parse(text)
            t2 = clock()
            floor.append((t1 - t0) / 1e6)
            ours.append((t2 - t1) / 1e6)
    total_ours, total_floor = sum(ours) / 1000, sum(floor) / 1000
    for name, timings, total in (("nlu.parse", ours, total_ours),
                                 ("jieba.lcut", floor, total_floor)):
        p50, p99 = _percentile(timings, 0.5), _percentile(timings, 0.99)
        print(f"{name:11} {len(timings) / total:9.0f} per s   p50 {p50:.3f} ms   p99 {p99:.3f} ms"
              f"   mean {statistics.fmean(timings):.3f} ms")
    print(f"parse / segmentation time: {total_ours / total_floor:.2f}x")
    # One more round on the thread's CPU clock: on a shared machine, a parse that is
    # descheduled halfway counts its wait in wall time, which makes the p99 above
    # the machine's, not the parser's.
    cpu = time.thread_time_ns
    for name, call in (("nlu.parse", parser.parse), ("jieba.lcut", jieba.lcut)):
        spent = []
        for text in texts:
            t0 = cpu()
            call(text)
            spent.append((cpu() - t0) / 1e6)
        print(f"{name:11} CPU time p50 {_percentile(spent, 0.5):.3f} ms   "
              f"p99 {_percentile(spent, 0.99):.3f} ms   max {max(spent):.3f} ms")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0
