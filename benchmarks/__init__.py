"""Benchmarks: speed and memory figures, none of them a test. `o2o bench NAME` runs
`benchmarks/NAME.py` (its `add_arguments(parser)` and `run(args) -> int`; the first line
of its docstring is its help); docs/benchmarks.md keeps the latest figures. They drive
the real services and runtime, so they sit beside the layers, and nothing in the runtime
imports them but the `o2o bench` command (bot/commands/bench.py)."""
