"""The layering rules of ARCHITECTURE.md, checked on the import statements."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = {"benchmarks", "bot", "examples", "handlers", "nlu", "services", "standins",
        "storage"}
# Who may import whom (besides themselves).
ALLOWED = {
    "storage": set(),
    "services": {"storage"},
    "nlu": set(),
    "handlers": {"services", "nlu"},
    "bot": {"handlers", "services", "nlu", "storage"},
    # Beside the runtime, never under it: benchmarks drive it (and the push benchmark its
    # Bot API stand-in); the stand-ins play the outside world and need nothing of ours.
    "benchmarks": {"bot", "handlers", "services", "nlu", "storage", "standins"},
    "standins": set(),
    # Worked examples for contributors, built on the runtime as a feature would be (the
    # tutorial runs in the console shell); nothing imports them.
    "examples": {"bot", "handlers", "services", "nlu", "storage"},
}
# The one file of the runtime that may reach beside it: `o2o bench` loads the benchmarks.
EXCEPTIONS = {"bot/commands/bench.py": {"benchmarks"}}
FORBIDDEN_THIRD_PARTY = {"handlers": {"aiogram", "telegram"}, "nlu": {"sqlalchemy", "sqlmodel"},
                         "services": {"aiogram", "telegram"}}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_each_layer_imports_only_the_layers_below_it() -> None:
    problems = []
    for layer, allowed in ALLOWED.items():
        for path in (ROOT / layer).rglob("*.py"):
            for name in _imports(path):
                exception = EXCEPTIONS.get(path.relative_to(ROOT).as_posix(), set())
                if name in OURS and name != layer and name not in allowed | exception:
                    problems.append(f"{path.relative_to(ROOT)} imports {name}")
                if name in FORBIDDEN_THIRD_PARTY.get(layer, set()):
                    problems.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not problems
