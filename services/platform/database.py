"""The database handle, as the layers above services see it.

Handlers and the runtime pass a `Database` around without reaching into `storage/`;
service functions open transactions on it.
"""

from storage.db import Database, head_revision, joined
from storage.prebuilt import run_prebuilt

__all__ = ["Database", "head_revision", "joined", "run_prebuilt"]
