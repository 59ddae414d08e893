"""What every Telegram transport shares, whichever library it uses."""

from __future__ import annotations

from handlers.core import TELEGRAM_TEXT_MAX

# How often a reply is retried after a flood wait (429) or a network error.
MAX_RETRIES = 3


def split_text(text: str, limit: int = TELEGRAM_TEXT_MAX) -> list[str]:
    """Cut a long text into Telegram-sized pieces, at line breaks where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return pieces
