"""Greeting, main menu, help, and polite answers to everything unexpected (the
settings live in handlers.settings)."""

from __future__ import annotations

from handlers.codes import my_codes
from handlers.common import follow_toggle, main_menu, share_location_keyboard, stale_replies
from handlers.core import (
    Button,
    ButtonPress,
    MemberStatus,
    Reply,
    SendText,
    Unsupported,
)
from handlers.format import category_label
from handlers.roles import Role
from handlers.router import Request, Router
from handlers.settings import settings
from nlu import Intent
from services.catalog.taxonomy import CATEGORIES
from services.marketing.follows import list_following
from services.marketing.push_settings import set_reachable

router = Router()

# The commands shown in Telegram's menu, in this order (descriptions in the catalogs).
MENU_COMMANDS = (
    "start", "help", "search", "mycodes", "following", "settings", "forget", "cancel", "redeem",
)


def category_buttons(lang: str) -> tuple[tuple[Button, ...], ...]:
    """Every category as a button, three to a row."""
    buttons = [Button(category_label(lang, c.id), data=f"cat:{c.id}") for c in CATEGORIES]
    return tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3))


@router.command("menu", role=Role.SHOPPER)
async def menu(req: Request) -> Reply:
    return SendText(req.t("menu-title"), buttons=main_menu(req.t))


@router.command("help", role=Role.SHOPPER)
async def help_(req: Request) -> Reply:
    return SendText(req.t("help-text"), buttons=main_menu(req.t))


@router.command("search", role=Role.SHOPPER)
async def search_prompt(req: Request) -> Reply:
    return SendText(req.t("search-prompt"), buttons=category_buttons(req.lang))


async def nearby_prompt(req: Request) -> Reply:
    t = req.t
    return SendText(t("nearby-prompt"), keyboard=share_location_keyboard(t))


@router.command("following", role=Role.SHOPPER)
async def following(req: Request) -> Reply:
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
    t = req.t
    left = await req.leave_flow()
    return SendText(t("cancel-done" if left else "cancel-nothing"), buttons=main_menu(t))


@router.button("menu", role=Role.SHOPPER)
async def menu_button(req: Request) -> Reply | list[Reply]:
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    choice = event.data.split(":", 1)[1] if ":" in event.data else ""
    actions = {
        "nearby": nearby_prompt,
        "search": search_prompt,
        "codes": my_codes,
        "following": following,
        "settings": settings,
        "help": help_,
    }
    action = actions.get(choice)
    if action is None:
        return await stale_button(req)
    return await action(req)


@router.on("unknown_command", role=Role.ANYONE)
async def unknown_command(req: Request) -> Reply:
    t = req.t
    return SendText(t("unknown-command"), buttons=main_menu(t))


@router.on("unsupported", role=Role.ANYONE)
async def unsupported(req: Request) -> Reply:
    event = req.incoming.event
    name = event.kind if isinstance(event, Unsupported) else type(event).__name__.lower()
    t = req.t
    kind = t(f"kind-{name}") if name in KNOWN_KINDS else t("kind-other")
    return SendText(t("unsupported-message", kind=kind), buttons=main_menu(t))


KNOWN_KINDS = frozenset({
    "sticker", "voice", "audio", "video", "photo", "document", "contact", "poll",
    "animation", "video_note", "dice", "game",
})


@router.on("too_long", role=Role.ANYONE)
async def too_long(req: Request) -> Reply:
    return SendText(req.t("text-too-long"))


@router.on("stale_button", role=Role.ANYONE)
async def stale_button(req: Request) -> list[Reply]:
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
