"""The tutorial: a small, complete flow module (`feedback`), its own table (`store`) and
translations (`locales/`), explained in README.md; its story test is
tests/stories/test_tutorial_example.py.

Wiring it into an assistant: include `router` in the app's router and call `setup`
once on the database (see `__main__`, which runs it in the console shell).
"""

from examples.tutorial.feedback import router
from examples.tutorial.store import setup

__all__ = ["router", "setup"]
