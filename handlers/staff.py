"""The owner's staff: `/staff` lists them with Remove buttons, `/staff invite` (or the
Invite button) makes a one-time link; opening `/start staff_<token>` joins.

Managing staff is for a merchant's owner whatever the merchant's status
(`Role.OWNER_ANY_STATUS`, area "staff"): a suspended merchant's codes still redeem, so
its owner must still be able to take someone off the staff. The router checks the role
again on every press.

Buttons (declared in handlers/payloads.py):
  StaffInviteLink  si         make an invite link
  StaffRemove      sr:<user>  remove that person from the staff
"""

from __future__ import annotations

from urllib.parse import quote

from handlers.core import Button, Reply, SendText
from handlers.format import local_date, short_label
from handlers.links import staff_payload, start_link
from handlers.payloads import StaffInviteLink, StaffRemove
from handlers.roles import Role
from handlers.router import Request, Router
from services.merchants.deals import Seller
from services.merchants.staff import (
    INVITE_LIFETIME,
    accept_invite,
    create_invite,
    list_staff,
    remove_staff,
)

router = Router()
INVITE_WORDS = ("invite", "邀请")


def _seller(req: Request) -> Seller:
    """The owner's merchant, loaded by the router for the owner roles."""
    assert req.seller is not None
    return req.seller


@router.command("staff", role=Role.OWNER_ANY_STATUS, area="staff")
async def staff_command(req: Request) -> list[Reply]:
    """`/staff` lists the staff; `/staff invite` makes an invite link."""
    if req.args.strip().lower() in INVITE_WORDS:
        return await _invite(req)
    return await _staff_list(req)


async def _staff_list(req: Request) -> list[Reply]:
    t, seller = req.t, _seller(req)
    people = await list_staff(req.db, seller.merchant_id)
    lines = [t("staff-title", merchant=seller.name.get(req.lang), count=len(people))]
    rows: list[tuple[Button, ...]] = []
    for person in people:
        role = t("staff-role-owner") if person.role == "owner" else t("staff-role-staff")
        lines.append(t("staff-line", name=person.name, role=role,
                       since=local_date(person.since, req.user.timezone)))
        if person.role != "owner":
            rows.append((Button(t("staff-remove", name=short_label(person.name, 20)),
                                data=StaffRemove(person.user_id).pack()),))
    rows.append((Button(t("staff-invite-button"), data=StaffInviteLink().pack()),))
    return [SendText("\n".join(lines), buttons=tuple(rows))]


@router.button(StaffInviteLink, role=Role.OWNER_ANY_STATUS, area="staff")
async def invite(req: Request, press: StaffInviteLink) -> list[Reply]:
    """A one-time link that makes whoever opens it staff (redeem only)."""
    return await _invite(req)


async def _invite(req: Request) -> list[Reply]:
    t = req.t
    token = await create_invite(req.db, _seller(req).merchant_id, req.user.id, req.now())
    link = start_link(req.app.options.bot_username, staff_payload(token))
    share = f"https://t.me/share/url?url={quote(link, safe='')}"
    hours = int(INVITE_LIFETIME.total_seconds() // 3600)
    return [SendText(t("staff-invite-link", link=link, hours=hours),
                     buttons=((Button(t("share-forward"), url=share),),))]


@router.button(StaffRemove, role=Role.OWNER_ANY_STATUS, area="staff")
async def remove(req: Request, press: StaffRemove) -> list[Reply]:
    """Take someone off the staff (only the owner's own merchant's staff, never an
    owner)."""
    done = await remove_staff(req.db, _seller(req).merchant_id, press.user_id)
    return [SendText(req.t("staff-removed" if done else "staff-not-removed"))]


async def joined(req: Request, token: str) -> list[Reply]:
    """`/start staff_<token>`: join the merchant's staff, once (anyone may open a link)."""
    answer = await accept_invite(req.db, token, req.user.id, req.now())
    name = answer.merchant.get(req.lang) if answer.merchant else ""
    return [SendText(req.t(f"staff-join-{answer.outcome}", merchant=name))]
