"""Greeting, main menu, help, and polite answers to everything unexpected (the
settings live in handlers.settings)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from handlers.codes import my_codes
from handlers.common import follow_toggle, main_menu, share_location_keyboard, stale_replies
from handlers.core import (
    Button,
    MemberStatus,
    Reply,
    SendText,
    Unsupported,
)
from handlers.format import category_label
from handlers.payloads import MenuChoice, MenuItem, SearchCategory
from handlers.roles import Role
from handlers.router import Request, Router
from handlers.settings import settings
from nlu import Intent
from services.catalog.search import categories_on_sale
from services.catalog.taxonomy import CATEGORIES
from services.marketing.follows import list_following
from services.marketing.push_settings import set_reachable

router = Router()

# The commands shown in Telegram's menu, in this order (descriptions in the catalogs).
MENU_COMMANDS = (
    "start", "help", "search", "mycodes", "mygroups", "bookings", "following", "settings",
    "forget", "cancel", "redeem",
)


def category_buttons(lang: str, only: Collection[str] | None = None,
                     ) -> tuple[tuple[Button, ...], ...]:
    """Every category (or those in `only`) as a button, three to a row. Menus offer
    only the categories with a deal on sale (`categories_menu`): a pharmacy button that
    finds nothing would only disappoint."""
    buttons = [Button(category_label(lang, c.id), data=SearchCategory(c.id).pack())
               for c in CATEGORIES if only is None or c.id in only]
    return tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3))


async def categories_menu(req: Request) -> tuple[tuple[Button, ...], ...]:
    """The categories that have a deal on sale, as buttons."""
    return category_buttons(req.lang, await categories_on_sale(req.db, req.now()))


@router.command("menu", role=Role.SHOPPER)
async def menu(req: Request) -> Reply:
    """The main menu."""
    return SendText(req.t("menu-title"), buttons=main_menu(req.t))


@router.command("help", role=Role.SHOPPER)
async def help_(req: Request) -> Reply:
    """How to use the assistant, with the main menu."""
    return SendText(req.t("help-text"), buttons=main_menu(req.t))


@router.command("search", role=Role.SHOPPER)
async def search_prompt(req: Request) -> Reply:
    """What to type to search, and the categories as buttons."""
    return SendText(req.t("search-prompt"), buttons=await categories_menu(req))


async def nearby_prompt(req: Request) -> Reply:
    """Ask for the user's location (the reply keyboard's one button shares it)."""
    t = req.t
    return SendText(t("nearby-prompt"), keyboard=share_location_keyboard(t))


@router.command("following", role=Role.SHOPPER)
async def following(req: Request) -> Reply:
    """The merchants the user follows, each with its Unfollow button."""
    t = req.t
    merchants = await list_following(req.db, req.user.id)
    if not merchants:
        return SendText(t("following-none"))
    lines = [t("following-title", count=len(merchants))]
    buttons = []
    for m in merchants:
        name = m.name.get(req.lang)
        lines.append(f"• {name}")
        buttons.append((follow_toggle(t, m.merchant_id, name, following=True),))
    return SendText("\n".join(lines), buttons=tuple(buttons))


@router.command("cancel", role=Role.SHOPPER)
async def cancel(req: Request) -> Reply:
    """Leave whatever flow the user is in, and say whether there was one."""
    t = req.t
    left = await req.leave_flow()
    return SendText(t("cancel-done" if left else "cancel-nothing"), buttons=main_menu(t))


_MENU_ACTIONS: dict[MenuItem, Callable[[Request], Awaitable[Reply]]] = {
    "nearby": nearby_prompt,
    "search": search_prompt,
    "codes": my_codes,
    "following": following,
    "settings": settings,
    "help": help_,
}


@router.button(MenuChoice, role=Role.SHOPPER)
async def menu_button(req: Request, press: MenuChoice) -> Reply:
    """A main-menu button: the same as its command."""
    return await _MENU_ACTIONS[press.item](req)


@router.on("unknown_command", role=Role.SHOPPER)
async def unknown_command(req: Request) -> Reply:
    """A command nobody handles: a hint and the menu."""
    t = req.t
    return SendText(t("unknown-command"), buttons=main_menu(t))


@router.on("unsupported", role=Role.SHOPPER)
async def unsupported(req: Request) -> Reply:
    """A sticker, a voice message...: what the assistant cannot read, and the menu."""
    event = req.incoming.event
    name = event.kind if isinstance(event, Unsupported) else type(event).__name__.lower()
    t = req.t
    kind = t(f"kind-{name}") if name in KNOWN_KINDS else t("kind-other")
    return SendText(t("unsupported-message", kind=kind), buttons=main_menu(t))


KNOWN_KINDS = frozenset({
    "sticker", "voice", "audio", "video", "photo", "document", "contact", "poll",
    "animation", "video_note", "dice", "game",
})


@router.on("too_long", role=Role.SHOPPER)
async def too_long(req: Request) -> Reply:
    """Text over Telegram's limit."""
    return SendText(req.t("text-too-long"))


@router.on("stale_button", role=Role.ANYONE)
async def stale_button(req: Request) -> list[Reply]:
    """A button that means nothing (any more): forged, old, or its thing is gone."""
    return stale_replies(req)


@router.on("member_status", role=Role.ANYONE)
async def member_status(req: Request) -> None:
    """Telegram says the user blocked (or unblocked) the bot: pushes stop (or resume).
    Nothing is said: a blocked chat cannot be written to."""
    event = req.incoming.event
    assert isinstance(event, MemberStatus)
    await set_reachable(req.db, req.incoming.sender.id, not event.blocked, req.now())
    return None


@router.on("error", role=Role.ANYONE)
async def error(req: Request) -> Reply:
    """A handler failed: an apology and the menu (the failure is logged)."""
    return SendText(req.t("error-generic"), buttons=main_menu(req.t))


# --------------------------------------------------------------------------- free text


@router.intent("my_follows", role=Role.SHOPPER)
async def my_follows_intent(req: Request, intent: Intent, text: str) -> Reply:
    """"我的关注" / "shops I follow"."""
    return await following(req)


@router.intent("help", role=Role.SHOPPER)
async def help_intent(req: Request, intent: Intent, text: str) -> Reply:
    """"怎么用" / "how does this work"."""
    return await help_(req)


@router.intent("cancel", role=Role.SHOPPER)
async def cancel_intent(req: Request, intent: Intent, text: str) -> Reply:
    """"不要了" / "cancel": as /cancel."""
    return await cancel(req)


@router.intent("greeting", "thanks", "bye", role=Role.SHOPPER)
async def small_talk_intent(req: Request, intent: Intent, text: str) -> Reply:
    """"你好", "谢谢", "拜拜": a short answer; a greeting also shows the menu."""
    t = req.t
    if intent.name == "greeting":
        return SendText(t("nlu-greeting"), buttons=main_menu(t))
    return SendText(t(f"nlu-{intent.name}"))
