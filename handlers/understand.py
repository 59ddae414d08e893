"""Free text: what the user typed, understood by the NLU parser, then acted on.

Commands never come here (they bypass the parser). A confident parse goes straight to
its flow; a doubtful one gets a short question with a button for each reading, and the
text waits in the conversation state until a button is pressed (`ChooseReading`).
Nothing is silently guessed.
"""

from __future__ import annotations

from typing import get_args

from handlers.core import Button, Document, Location, Reply, SendText, Text
from handlers.menu import categories_menu, main_menu, stale_button
from handlers.payloads import ChooseReading, Reading
from handlers.roles import Role
from handlers.router import Request, Result, Router
from handlers.search import search_query_from, search_replies
from nlu import Intent

router = Router()

CONFIDENT = 0.45  # below this, ask
FLOW = "understand"  # the conversation state that holds a text awaiting a choice
# The readings offered as buttons when a parse is doubtful.
CHOOSABLE: tuple[Reading, ...] = get_args(Reading)


@router.on("text", role=Role.SHOPPER)
async def free_text(req: Request) -> Reply | list[Reply]:
    """Anything typed that is not a command."""
    text = " ".join(req.text.split())
    if not text:
        return SendText(req.t("search-empty"), buttons=main_menu(req.t))
    parser = await req.app.understanding()
    intent = parser.parse(text, lang=req.lang, now=req.now(), tz=req.user.timezone)
    if _plainly_booking(intent, text):
        intent = Intent("book_table", max(intent.confidence, CONFIDENT), intent.slots, (),
                        intent.window, intent.lang)
    elif intent.name != "unknown" and (intent.confidence < CONFIDENT or intent.ambiguous):
        return await _ask(req, text, intent)
    return await act(req, intent, text)


# Words that make "N people" the size of a deal, not of a table: "明天的4人套餐".
_DEAL_WORDS = ("套餐", "餐券", "团购", "代金券", "set meal", "combo", "voucher", "deal")


def _plainly_booking(intent: Intent, text: str) -> bool:
    """A time and a party ("明晚7点两位 海底捞", "明晚7点两位 老王拌面", "今晚两个人吃火锅"):
    a table, whatever else the words could be (a dish in a merchant's name makes search a
    close reading), unless the people are a deal's ("明天的4人套餐")."""
    booking = intent.name == "book_table" or any(
        name == "book_table" for name, _ in intent.alternatives)
    lowered = text.lower()
    return (booking and intent.get("party_size") is not None and intent.get("time") is not None
            and not any(word in lowered for word in _DEAL_WORDS))


async def _ask(req: Request, text: str, intent: Intent) -> Reply:
    """A short question with one button per likely reading of `text`."""
    t = req.t
    close = [intent.name, *(name for name, _ in intent.alternatives)]
    readings: list[Reading] = [r for r in dict.fromkeys(close) if r in CHOOSABLE][:3]
    if not readings:
        return await act(req, intent, text)
    await req.enter_flow(FLOW, "choose", text=text)
    buttons = tuple((Button(t(f"nlu-choice-{name}"), data=ChooseReading(name).pack()),)
                    for name in readings)
    return SendText(t("nlu-clarify", text=text[:60]), buttons=buttons)


@router.button(ChooseReading, role=Role.SHOPPER)
async def choose_reading(req: Request, press: ChooseReading) -> Reply | list[Reply]:
    """The user picked what they meant: act on the waiting text that way."""
    waiting = req.state.data.get("text") if req.state and req.state.flow == FLOW else None
    if not isinstance(waiting, str):
        return await stale_button(req)
    await req.leave_flow()
    parser = await req.app.understanding()
    parsed = parser.parse(waiting, lang=req.lang, now=req.now(), tz=req.user.timezone)
    chosen_intent = Intent(press.intent, 1.0, parsed.slots, (), parsed.window, parsed.lang)
    return await act(req, chosen_intent, waiting)


@router.flow(FLOW, role=Role.SHOPPER)
async def typed_instead(req: Request) -> Reply | list[Reply] | None:
    """Typing again instead of pressing a button: the new text is a new message. A
    location, photo or file sent instead is handled as it would be outside the question
    (the router gives a flow every kind of message, not only text)."""
    await req.leave_flow()
    event = req.incoming.event
    if isinstance(event, Location):
        return await _as_outside(req, "location")
    if isinstance(event, Document):
        return await _as_outside(req, "document", "unsupported")
    if not isinstance(event, Text):
        return await _as_outside(req, "photo", "unsupported")
    return await _as_outside(req, "text")


async def _as_outside(req: Request, *kinds: str) -> Result:
    """The event handled by the first of `kinds`' routes, as if no flow were waiting,
    its role checked as the router checks it (the event was routed to a flow)."""
    assert req.router is not None
    return await req.router.run_event(req, *kinds)


async def act(req: Request, intent: Intent, text: str) -> Reply | list[Reply]:
    """Do what `intent` asks: the flow that declared the intent acts on it (see
    `Router.intent`); words the parser did not place may still name a product."""
    done = await req.router.run_intent(req, intent, text) if req.router else None
    if done is not None:
        return done
    if not intent.out_of_scope and any(c.isalnum() for c in text):
        # Words the parser does not know may still name a product: look them up.
        return await search_replies(req, search_query_from(intent, text, None, req.lang)[0])
    return SendText(req.t("nlu-unknown"), buttons=await categories_menu(req))
