"""Replies every flow shares: the main menu, the answer to a stale or forged button, and
why an owner may not use a merchant command."""

from __future__ import annotations

from handlers.core import AnswerButton, Button, ButtonPress, KeyButton, Reply, SendText
from handlers.i18n import Translator
from handlers.payloads import FollowMerchant, MenuChoice, MenuItem, UnfollowMerchant
from handlers.router import Request


def main_menu(t: Translator) -> tuple[tuple[Button, ...], ...]:
    """The main menu buttons."""
    pairs: tuple[tuple[MenuItem, MenuItem], ...] = (
        ("nearby", "search"), ("codes", "following"), ("settings", "help"))
    return tuple(
        tuple(Button(t(f"menu-{name}"), data=MenuChoice(name).pack()) for name in pair)
        for pair in pairs
    )


def follow_toggle(t: Translator, merchant_id: int, name: str, following: bool) -> Button:
    """Follow for someone who does not follow the merchant yet, Unfollow for a follower
    (a follower is never offered to follow again)."""
    if following:
        return Button(t("unfollow-button", name=name), data=UnfollowMerchant(merchant_id).pack())
    return Button(t("follow-button", name=name), data=FollowMerchant(merchant_id).pack())


def share_location_keyboard(t: Translator) -> tuple[tuple[KeyButton, ...], ...]:
    """The reply keyboard with the one button that shares the user's location."""
    return ((KeyButton(t("share-location"), request_location=True),),)


def answer_press(req: Request, text: str = "") -> AnswerButton:
    """The answer to a pressed button: its spinner stops, and `text` (if any) shows
    briefly on the user's screen."""
    event = req.incoming.event
    query_id = event.query_id if isinstance(event, ButtonPress) else None
    return AnswerButton(query_id or "", text)


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

