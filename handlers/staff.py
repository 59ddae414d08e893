"""The owner's staff: `/staff` lists them with Remove buttons, `/staff invite` (or the
Invite button) makes a one-time link; opening `/start staff_<token>` joins.

Buttons (the owner is checked again on every press):
  si          make an invite link
  sr:<user>   remove that person from the staff
"""

from __future__ import annotations

from urllib.parse import quote

from handlers.common import stale_replies
from handlers.core import Button, Command, Reply, SendText
from handlers.format import local_date, short_label
from handlers.links import staff_payload, start_link
from handlers.roles import Role
from handlers.router import Request, Router
from services.merchants.staff import (
    INVITE_LIFETIME,
    accept_invite,
    create_invite,
    list_staff,
    owned_merchant,
    remove_staff,
)

router = Router()


@router.command("staff", role=Role.SHOPPER)
async def staff_command(req: Request) -> list[Reply]:
    """`/staff` lists the staff; `/staff invite` makes an invite link."""
    event = req.incoming.event
    assert isinstance(event, Command)
    if event.args.strip().lower() in ("invite", "邀请"):
        return await invite(req)
    return await staff_list(req)


async def staff_list(req: Request) -> list[Reply]:
    t = req.t
    people = await list_staff(req.db, req.user.id)
    merchant = await owned_merchant(req.db, req.user.id)
    if people is None or merchant is None:
        return [SendText(t("staff-owner-only"))]
    lines = [t("staff-title", merchant=merchant.name.get(req.lang), count=len(people))]
    rows: list[tuple[Button, ...]] = []
    for person in people:
        role = t("staff-role-owner") if person.role == "owner" else t("staff-role-staff")
        lines.append(t("staff-line", name=person.name, role=role,
                       since=local_date(person.since, req.user.timezone)))
        if person.role != "owner":
            rows.append((Button(t("staff-remove", name=short_label(person.name, 20)),
                                data=f"sr:{person.user_id}"),))
    rows.append((Button(t("staff-invite-button"), data="si"),))
    return [SendText("\n".join(lines), buttons=tuple(rows))]


@router.button("si", role=Role.SHOPPER)
async def invite(req: Request) -> list[Reply]:
    """A one-time link that makes whoever opens it staff (redeem only)."""
    t = req.t
    token = await create_invite(req.db, req.user.id, req.now())
    if token is None:
        return [SendText(t("staff-owner-only"))]
    link = start_link(req.app.options.bot_username, staff_payload(token))
    share = f"https://t.me/share/url?url={quote(link, safe='')}"
    hours = int(INVITE_LIFETIME.total_seconds() // 3600)
    return [SendText(t("staff-invite-link", link=link, hours=hours),
                     buttons=((Button(t("share-forward"), url=share),),))]


@router.button("sr", role=Role.SHOPPER)
async def remove(req: Request) -> list[Reply]:
    """Take someone off the staff."""
    parts = req.button_ints(1)
    if parts is None:
        return stale_replies(req)
    if await owned_merchant(req.db, req.user.id) is None:
        return [SendText(req.t("staff-owner-only"))]
    done = await remove_staff(req.db, req.user.id, parts[0])
    return [SendText(req.t("staff-removed" if done else "staff-not-removed"))]


async def joined(req: Request, token: str) -> list[Reply]:
    """`/start staff_<token>`: join the merchant's staff, once."""
    answer = await accept_invite(req.db, token, req.user.id, req.now())
    name = answer.merchant.get(req.lang) if answer.merchant else ""
    return [SendText(req.t(f"staff-join-{answer.outcome}", merchant=name))]
