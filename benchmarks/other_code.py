"""Run one of these benchmarks on the code of another checkout, for a before/after in
the same run: `python -m benchmarks.other_code DIR MODULE ARGS...` (from this
checkout's root) imports `MODULE` from here, this checkout's benchmark, and every
other package (`services`, `storage`, ...) from DIR, then runs the module as
`__main__` with ARGS. So both sides are timed by the same benchmark code and differ
only in the code under test. DIR is a checkout, say `git worktree add /tmp/before
2700b3b` or `git archive main | tar -x -C DIR`. DIR must have what the benchmark
imports from it (there a module of this checkout would stand in for a missing one).

Not a command of its own: `o2o bench checkout --compare DIR` spawns it, once per
round for each code (DIR being this checkout on this code's turns)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command(code: Path, module: str, args: list[str]) -> list[str]:
    """The command line that runs benchmark `module` with `args` on the code in `code`;
    to be run with this checkout's root as its working directory."""
    return [sys.executable, "-m", "benchmarks.other_code", str(code), module, *args]


def main() -> None:
    """Put the code under test on the path in place of this checkout (the `benchmarks`
    package is imported already, from here) and run the benchmark module as a script."""
    code, module, *args = sys.argv[1:]
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
    sys.path.insert(0, str(Path(code).resolve()))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
