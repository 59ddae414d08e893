"""Importing aiogram without building all its pydantic models at once.

`aiogram.types` ends by calling `model_rebuild` on each of its ~450 models, and
pydantic then builds a validator and a serializer for every one, each over all the
models it nests: about 2 s of CPU, most of what `o2o run` spends before it polls.
aiogram declares its models `defer_build` already; only that loop builds them. Here it
is skipped, and each model is built when it is first used (pydantic's own deferred
build), the way it would be had the loop not run: the names the loop would have
given the models' annotations are put in their modules' namespaces (where a deferred
build looks them up), without replacing any name a module has. A running bot builds
`Update` and the few methods it calls (tens of milliseconds), not every model of the
Bot API. `tests/unit/test_aiogram_import.py` builds every model this way.
"""

from __future__ import annotations

import sys
from typing import Any


def import_aiogram() -> None:
    """Import aiogram with its models left to build on first use; a no-op when aiogram
    is imported already (its models are then built, as aiogram builds them)."""
    if "aiogram" in sys.modules:
        return
    from pydantic import BaseModel

    original = BaseModel.__dict__["model_rebuild"]
    names: dict[str, Any] = {}

    def model_rebuild(cls: type[BaseModel], *, force: bool = False, raise_errors: bool = True,
                      _parent_namespace_depth: int = 2,
                      _types_namespace: dict[str, Any] | None = None) -> bool | None:
        if (_types_namespace is not None and not force
                and cls.__module__.startswith("aiogram.types.")):
            names.update(_types_namespace)  # aiogram.types' rebuild loop: built on first use
            return None
        return original.__func__(  # type: ignore[no-any-return]
            cls, force=force, raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth + 1,
            _types_namespace=_types_namespace)

    BaseModel.model_rebuild = classmethod(model_rebuild)  # type: ignore[assignment,method-assign]
    try:
        import aiogram  # noqa: F401
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]
    for module_name in {model.__module__ for model in _subclasses(BaseModel)
                        if model.__module__.startswith("aiogram.")}:
        namespace = vars(sys.modules[module_name])
        for name, value in names.items():
            namespace.setdefault(name, value)


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    stack = [cls]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return found
