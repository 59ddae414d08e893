"""Another checkout of the code, for the benchmarks' `--compare DIR` in tests."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = ("bot", "handlers", "nlu", "services", "standins", "storage")


def copy_of_this_code(folder: Path) -> Path:
    """A copy of this checkout's runtime packages in `folder` (made): what a benchmark
    needs of the code it compares with."""
    for package in RUNTIME_PACKAGES:
        shutil.copytree(ROOT / package, folder / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return folder
