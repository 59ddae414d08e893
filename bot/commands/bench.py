"""`o2o bench NAME`: benchmarks. Each lives in `benchmarks/NAME.py` with
`add_arguments(parser)` and `run(args) -> int`; its docstring's first line is its help."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import benchmarks


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("bench", help="run a benchmark (speed and memory figures)")
    names = parser.add_subparsers(dest="bench_name", metavar="NAME", required=True)
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        if not hasattr(module, "run"):
            continue
        doc = (module.__doc__ or info.name).strip().splitlines()[0]
        sub = names.add_parser(info.name, help=doc, description=module.__doc__)
        if hasattr(module, "add_arguments"):
            module.add_arguments(sub)
        sub.set_defaults(func=module.run)
