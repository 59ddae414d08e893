"""Free text: what the user typed, understood by the NLU parser, then acted on.

Commands never come here (they bypass the parser). A confident parse goes straight to
its flow; a doubtful one gets a short question with a button for each reading, and the
text waits in the conversation state until a button is pressed ("nlu:<intent>").
Nothing is silently guessed.

Button data:
  nlu:<intent>   act on the waiting text as this intent
"""

from __future__ import annotations

from handlers.codes import my_codes
from handlers.core import Button, ButtonPress, Document, Location, Reply, SendText, Text
from handlers.coupons import follow_text
from handlers.deals import document
from handlers.menu import (
    category_buttons,
    following,
    help_,
    main_menu,
    nearby_prompt,
    stale_button,
    unsupported,
)
from handlers.router import Request, Router
from handlers.search import around_place, location, search_query_from, search_replies
from handlers.settings import settings
from handlers.start import storefront_replies
from nlu import Intent
from services.catalog import merchant_id_of
from services.follows import follow, unfollow
from services.places import resolve_place

router = Router()

CONFIDENT = 0.45  # below this, ask
FLOW = "understand"  # the conversation state that holds a text awaiting a choice
# The readings offered as buttons when a parse is doubtful. Not book_table: bookings do
# not exist yet, so that button could only lead to "not available"; the question says so
# instead.
CHOOSABLE = ("search_deals", "show_deal", "buy", "my_codes", "follow", "unfollow",
             "my_follows", "set_location", "settings", "help", "cancel", "refund")


@router.on("text")
async def free_text(req: Request) -> Reply | list[Reply]:
    """Anything typed that is not a command."""
    event = req.incoming.event
    assert isinstance(event, Text)
    text = " ".join(event.text.split())
    if not text:
        return SendText(req.t("search-empty"), buttons=main_menu(req.t))
    parser = await req.app.understanding()
    intent = parser.parse(text, lang=req.lang, now=req.now(), tz=req.user.timezone)
    if intent.name != "unknown" and (intent.confidence < CONFIDENT or intent.ambiguous):
        return await _ask(req, text, intent)
    return await act(req, intent, text)


async def _ask(req: Request, text: str, intent: Intent) -> Reply:
    """A short question with one button per likely reading of `text` (a booking is
    not offered: the question says bookings are not available yet)."""
    t = req.t
    close = [intent.name, *(name for name, _ in intent.alternatives)]
    readings = [r for r in dict.fromkeys(close) if r in CHOOSABLE][:3]
    if not readings:
        return await act(req, intent, text)
    booking = "book_table" in close
    if booking and readings == [intent.name] and intent.confidence >= CONFIDENT:
        return await act(req, intent, text)  # its only rival was the booking
    await req.enter_flow(FLOW, "choose", text=text)
    buttons = tuple((Button(t(f"nlu-choice-{name}"), data=f"nlu:{name}"),) for name in readings)
    question = t("nlu-clarify", text=text[:60])
    if booking:
        question += "\n" + t("nlu-booking-not-yet")
    return SendText(question, buttons=buttons)


@router.button("nlu")
async def choose_reading(req: Request) -> Reply | list[Reply]:
    """The user picked what they meant: act on the waiting text that way."""
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    chosen = event.data.partition(":")[2]
    waiting = req.state.data.get("text") if req.state and req.state.flow == FLOW else None
    if chosen not in CHOOSABLE or not isinstance(waiting, str):
        return await stale_button(req)
    await req.leave_flow()
    parser = await req.app.understanding()
    parsed = parser.parse(waiting, lang=req.lang, now=req.now(), tz=req.user.timezone)
    chosen_intent = Intent(chosen, 1.0, parsed.slots, (), parsed.window, parsed.lang)
    return await act(req, chosen_intent, waiting)


@router.flow(FLOW)
async def typed_instead(req: Request) -> Reply | list[Reply] | None:
    """Typing again instead of pressing a button: the new text is a new message. A
    location, photo or file sent instead is handled as it would be outside the question
    (the router gives a flow every kind of message, not only text)."""
    await req.leave_flow()
    event = req.incoming.event
    if isinstance(event, Location):
        return await location(req)
    if isinstance(event, Document):
        return await document(req)
    if not isinstance(event, Text):
        return await unsupported(req)
    return await free_text(req)


async def act(req: Request, intent: Intent, text: str) -> Reply | list[Reply]:
    """Do what `intent` asks."""
    t = req.t
    name = intent.name
    slug = _merchant_slug(intent)
    if name == "search_deals":
        return await _search(req, intent, text)
    if name == "show_deal":
        if slug is not None:
            replies = await storefront_replies(req, slug)
            if replies:
                return replies
        return await _search(req, intent, text)
    if name in ("follow", "unfollow"):
        return await _follow(req, intent, slug, name == "follow")
    if name == "set_location":
        place = await _place(req, intent)
        if place is None:
            return await nearby_prompt(req)
        return await around_place(req, place)
    if name == "my_codes":
        return await my_codes(req)
    if name == "my_follows":
        return await following(req)
    if name == "refund":
        return [SendText(t("nlu-refund-how")), await my_codes(req)]
    if name == "buy":
        lead = SendText(t("nlu-buy-how"))
        rest = await storefront_replies(req, slug) if slug else None
        return [lead, *(rest or [await _search(req, intent, text)])]
    if name == "book_table":
        lead = SendText(t("nlu-booking-not-yet"))
        rest = await storefront_replies(req, slug) if slug else None
        return [lead, *rest] if rest else lead
    if name == "settings":
        return await settings(req)
    if name == "help":
        return await help_(req)
    if name == "greeting":
        return SendText(t("nlu-greeting"), buttons=main_menu(t))
    if name == "thanks":
        return SendText(t("nlu-thanks"))
    if name == "bye":
        return SendText(t("nlu-bye"))
    if name == "cancel":
        left = await req.leave_flow()
        return SendText(t("cancel-done" if left else "cancel-nothing"), buttons=main_menu(t))
    if not intent.out_of_scope and any(c.isalnum() for c in text):
        # Words the parser does not know may still name a product: look them up.
        return await search_replies(req, search_query_from(intent, text, None, req.lang)[0])
    return SendText(t("nlu-unknown"), buttons=category_buttons(req.lang))


def _merchant_slug(intent: Intent) -> str | None:
    slot = next((s for s in intent.slots if s.name == "merchant" and s.ref), None)
    return slot.ref if slot is not None else None


async def _place(req: Request, intent: Intent):  # type: ignore[no-untyped-def]
    written = intent.get("place")
    return await resolve_place(req.db, written) if isinstance(written, str) else None


async def _search(req: Request, intent: Intent, text: str) -> Reply | list[Reply]:
    place = await _place(req, intent)
    query, notes = search_query_from(intent, text, place, req.lang)
    replies: list[Reply] = [SendText(req.t(key, **args)) for key, args in notes]
    return [*replies, *await search_replies(req, query)]


async def _follow(req: Request, intent: Intent, slug: str | None, on: bool) -> Reply:
    t = req.t
    merchant_id = await merchant_id_of(req.db, slug) if slug else None
    if merchant_id is None:
        written = intent.get("merchant")
        key = "nlu-follow-which" if written is None else "nlu-merchant-unknown"
        return SendText(t(key, name=str(written or "")))
    if on:
        result = await follow(req.db, req.user.id, merchant_id, req.now(), source="chat")
        return SendText(follow_text(t, result, req.user.timezone))
    return SendText(t("unfollow-done" if await unfollow(req.db, req.user.id, merchant_id)
                      else "unfollow-not"))
