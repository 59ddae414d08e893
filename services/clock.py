"""The current time as the layers above services get it (always aware UTC)."""

from storage.types import utcnow

__all__ = ["utcnow"]
