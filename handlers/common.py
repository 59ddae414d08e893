"""Replies every flow shares: the main menu, and the answer to a stale or forged button."""

from __future__ import annotations

from handlers.core import AnswerButton, Button, ButtonPress, KeyButton, Reply, SendText
from handlers.i18n import Translator
from handlers.router import Request


def main_menu(t: Translator) -> tuple[tuple[Button, ...], ...]:
    """The main menu buttons."""
    pairs = (("nearby", "search"), ("codes", "following"), ("settings", "help"))
    return tuple(
        tuple(Button(t(f"menu-{name}"), data=f"menu:{name}") for name in pair) for pair in pairs
    )


def share_location_keyboard(t: Translator) -> tuple[tuple[KeyButton, ...], ...]:
    """The reply keyboard that asks the client to share the user's location."""
    return ((KeyButton(t("share-location"), request_location=True),),)


def stale_replies(req: Request) -> list[Reply]:
    """A button that no longer means anything (old, forged, or no longer allowed): a
    short note and the main menu, nothing changed."""
    t = req.t
    event = req.incoming.event
    replies: list[Reply] = []
    if isinstance(event, ButtonPress):
        replies.append(AnswerButton(event.query_id or "", t("button-stale"), alert=False))
    replies.append(SendText(t("button-stale"), buttons=main_menu(t)))
    return replies
