"""拼团 (group-buy) for shoppers: a group deal's open groups on its card, a seat bought
in one, the news while the group fills, share links, `/mygroups` and leaving.

The service is `services.orders.groups`: a seat is held with the stock when the member
starts paying, the N-th payment fills the group and issues every member's codes, a
group whose window closes unfilled refunds everyone, nobody is ever invented. Here:

Buttons (declared in `handlers.payloads`):
  GroupJoin       join this open group: one seat at the group price, then Pay
  GroupOpen       open a new group of this deal, taking its first seat
  GroupLeaveAsk   "Leave & refund" on a waiting seat (`/mygroups`): asks to confirm
  GroupLeave      yes: the seat is freed and the payment refunded
  MyGroups        `/mygroups` again
Share links: `/start g_<group>_<REF>` (`handlers.links.group_payload`), opened by
`group_link_replies` (from `handlers.start`, which credits the sharer as for deal links).
Owed news rendered here: `group_joined` (a member paid and the group is not full yet).
A seat is one unit: a member buys quantity 1.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from handlers.checkout import payment_replies, refusal
from handlers.common import answer_press, main_menu
from handlers.core import Button, ButtonPress, EditText, Reply, SendText
from handlers.format import (
    LABEL_MAX,
    buy_button,
    group_price_text,
    local_datetime,
    short_label,
)
from handlers.i18n import Translator
from handlers.links import group_payload, start_link
from handlers.owed import renders, translator_for
from handlers.payloads import (
    GroupJoin,
    GroupLeave,
    GroupLeaveAsk,
    GroupOpen,
    MenuChoice,
    MyGroups,
    ShowDeal,
)
from handlers.roles import Role
from handlers.router import App, Request, Router
from nlu import Intent
from services.catalog.deal_cards import DealCard, get_deal_card
from services.marketing.referrals import referral_code_of
from services.orders.checkout import OrderStart, buy_limits, get_order, start_order
from services.orders.groups import (
    GroupView,
    MyGroup,
    group_view,
    leave_group,
    my_groups,
    open_groups,
)
from services.orders.refunds import carry_out
from services.platform.money import format_money
from services.platform.users import get_profile_by_telegram_id

router = Router()

CARD_GROUPS = 3  # open groups offered on a deal card (and with a refusal)
BUY_FLOW = "buy"  # handlers.checkout's "how many?" question, answered by a seat instead


# ------------------------------------------------------------------ words


def time_left(t: Translator, closes_at: datetime, now: datetime) -> str:
    """"剩 5小时12分" / "5 h 12 min left" until `closes_at` (never "0 minutes" while
    something is left)."""
    minutes = max(0, -(-int((closes_at - now).total_seconds()) // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return t("group-left-days", days=str(days), hours=str(hours))
    if hours:
        return t("group-left-hours", hours=str(hours), minutes=str(minutes))
    return t("group-left-minutes", minutes=str(max(1, minutes)))


def names_text(t: Translator, names: tuple[str, ...]) -> str:
    """The members' first names in the order they joined ("Ann、Ben" / "Ann, Ben")."""
    if not names:
        return t("group-members-none")
    return ("、" if t.lang == "zh" else ", ").join(short_label(n, 20) for n in names)


def progress_text(t: Translator, group: GroupView, now: datetime) -> str:
    """"还差1人 · 剩 5小时12分" for an open group."""
    return t("group-progress", missing=str(group.missing),
             left=time_left(t, group.closes_at, now))


def offer_text(t: Translator, group: GroupView) -> str:
    """"3人团 ¥19.90"."""
    return group_price_text(t, group.size, group.price, group.currency)


async def share_link(app: App, user_id: int, group_id: int) -> str:
    """The t.me link that opens this group, carrying the sharer's referral code."""
    code = await referral_code_of(app.db, user_id)
    return start_link(app.options.bot_username, group_payload(group_id, code))


def share_button(t: Translator, link: str, title: str) -> Button:
    """"Invite friends to this group": Telegram's forward screen with the link."""
    forward = (f"https://t.me/share/url?url={quote(link, safe='')}"
               f"&text={quote(t('group-share-text', title=title))}")
    return Button(t("group-share-button"), url=forward)


def _offer(t: Translator, groups: list[GroupView], deal_id: int, price: int, currency: str,
           now: datetime) -> tuple[list[str], list[tuple[Button, ...]]]:
    """The open groups (a line and a Join button each) and the button that opens a new
    one at `price`."""
    lines: list[str] = []
    rows: list[tuple[Button, ...]] = []
    if groups:
        lines.append(t("group-card-open"))
    for number, group in enumerate(groups, start=1):
        lines.append(t("group-line", number=str(number), names=names_text(t, group.members),
                       progress=progress_text(t, group, now)))
        rows.append((Button(t("group-join-button", number=str(number),
                              missing=str(group.missing)),
                            data=GroupJoin(group.id).pack()),))
    rows.append((Button(t("group-open-button", price=format_money(price, currency, t.lang)),
                        data=GroupOpen(deal_id).pack()),))
    return lines, rows


async def card_groups(req: Request, card: DealCard) -> tuple[list[str], list[tuple[Button, ...]]]:
    """What a group deal's card adds (nothing for any other deal, and no query): the
    open groups nearest to filling that the shopper is not in (someone paid into each),
    each with Join, and "开团" at the group price."""
    if not card.on_sale or card.group_size is None or card.group_price is None:
        return [], []
    now = req.now()
    groups = await _joinable(req, card.id, now)
    return _offer(req.t, groups, card.id, card.group_price, card.currency, now)


async def _joinable(req: Request, deal_id: int, now: datetime) -> list[GroupView]:
    """The deal's open groups to offer the shopper: nearest to filling first, without
    theirs, and without a group nobody has paid into (its opener never paid, or is
    paying now): those come last, so the best `CARD_GROUPS` are kept."""
    groups = await open_groups(req.db, deal_id, now, limit=CARD_GROUPS,
                               exclude_user=req.user.id)
    return [g for g in groups if g.joined > 0]


# ------------------------------------------------------------------ buying a seat


@router.button(GroupJoin, role=Role.SHOPPER)
async def join(req: Request, press: GroupJoin) -> list[Reply]:
    """Join pressed (a card, a share link, a refusal): a seat in that group, then Pay."""
    group = await group_view(req.db, press.group_id)
    if group is None:  # forged, or from another world
        return [answer_press(req), SendText(req.t("group-no-such"), buttons=main_menu(req.t))]
    if group.status != "open":  # filled or failed: where it stands, for a member or not
        return [answer_press(req), *await group_link_replies(req, group.id)]
    return await _take_seat(req, group.deal_id, group.id)


@router.button(GroupOpen, role=Role.SHOPPER)
async def open_new(req: Request, press: GroupOpen) -> list[Reply]:
    """开团 pressed: a new group of the deal, its first seat the shopper's, then Pay."""
    return await _take_seat(req, press.deal_id, "new")


async def _take_seat(req: Request, deal_id: int, group: int | Literal["new"]) -> list[Reply]:
    """One seat (one unit at the group price) held with the stock, and its payment link;
    or why not, with what to do instead."""
    if req.state is not None and req.state.flow == BUY_FLOW:
        await req.leave_flow()  # a seat answers an earlier "how many?" of the single price
    t, now = req.t, req.now()
    started = await start_order(req.db, req.user.id, deal_id, 1, now,
                                req.app.options.order_hold, None, group)
    order = started.order
    if order is None or order.group_id is None:
        return await _refused(req, started, deal_id, group)
    seat = await group_view(req.db, order.group_id)
    assert seat is not None  # its order was just written
    title = order.deal_title.get(req.lang)
    lines = [t("group-order-summary", title=title, size=str(seat.size),
               price=format_money(order.total, order.currency, req.lang)),
             t("group-order-window", until=local_datetime(seat.closes_at, req.user.timezone),
               size=str(seat.size))]
    link = await share_link(req.app, req.user.id, seat.id)
    return await payment_replies(req, order, lines=lines, extra=(share_button(t, link, title),))


async def _refused(req: Request, started: OrderStart, deal_id: int,
                   group: int | Literal["new"]) -> list[Reply]:
    """Why no seat, and what to do instead: another group or a new one (full, closed,
    unknown), the share link (already in it), the card (not a group deal), the single
    price (too near the deal's end for a group), or the ordinary answers (sold out...)."""
    t, reason = req.t, started.reason or "deal_gone"
    if reason in ("group_full", "group_closed", "no_such_group"):
        return await elsewhere(req, deal_id, t(f"group-refused-{reason.replace('_', '-')}"))
    if reason == "already_member" and isinstance(group, int):
        view = await group_view(req.db, group)
        link = await share_link(req.app, req.user.id, group)
        title = view.deal_title.get(req.lang) if view else ""
        text = t("group-already-member", link=link)
        if view is not None:
            text += "\n" + progress_text(t, view, req.now())
        return [SendText(text, buttons=((share_button(t, link, title),),
                                        (Button(t("mygroups-button"),
                                                data=MyGroups().pack()),)))]
    if reason == "not_group_deal":
        from handlers.search import deal_card_replies  # the card draws our buttons

        return [SendText(t("group-not-group-deal")), *await deal_card_replies(req, deal_id)]
    if reason == "deal_ending":
        card = await get_deal_card(req.db, deal_id, req.now())
        buttons = ((buy_button(t, card.id, card.price, card.currency),),) \
            if card is not None and card.on_sale else ()
        return [SendText(t("group-deal-ending"), buttons=buttons)]
    if reason == "limit_reached":
        limits = await buy_limits(req.db, req.user.id, deal_id, req.now())
        return [SendText(t("buy-limit-reached", limit=str(limits.per_user_limit)))]
    return [refusal(t, started)]


async def elsewhere(req: Request, deal_id: int, why: str) -> list[Reply]:
    """`why` this group will not do, then the deal's other open groups (Join) and 开团;
    just `why` and the menu when the deal takes nobody any more."""
    t, now = req.t, req.now()
    card = await get_deal_card(req.db, deal_id, now)
    if card is None or not card.on_sale or card.group_price is None:
        return [SendText(why + "\n" + t("buy-deal-gone"), buttons=main_menu(t))]
    groups = await _joinable(req, deal_id, now)
    lines, rows = _offer(t, groups, deal_id, card.group_price, card.currency, now)
    lines = [why, "", *lines] if lines else [why, t("group-open-own")]
    return [SendText("\n".join(lines), buttons=tuple(rows))]


# ------------------------------------------------------------------ share links


async def group_link_replies(req: Request, group_id: int) -> list[Reply]:
    """A shared group (`/start g_<group>`): the deal, its price, who is in so far, how
    many are missing and the time left, with Join; a member sees their share link
    instead; a full or closed group says so and offers the others and 开团."""
    t, now = req.t, req.now()
    group = await group_view(req.db, group_id)
    if group is None:
        return [SendText(t("group-no-such"), buttons=main_menu(t))]
    mine = any(m.group.id == group_id and m.order_status in ("pending", "paid", "fulfilled")
               for m in await my_groups(req.db, req.user.id, now))
    title = group.deal_title.get(req.lang)
    card = await get_deal_card(req.db, group.deal_id, now)
    lines = [t("group-view-title", title=title), offer_text(t, group)
             + (" · " + t("group-view-single", price=format_money(
                 card.price, card.currency, req.lang)) if card is not None else ""),
             t("group-members", names=names_text(t, group.members))]
    details = (Button(t("group-view-deal"), data=ShowDeal(group.deal_id).pack()),)
    if mine and group.status == "open":
        link = await share_link(req.app, req.user.id, group_id)
        lines += [progress_text(t, group, now), "", t("group-view-yours", link=link)]
        return [SendText("\n".join(lines), buttons=((share_button(t, link, title),), details))]
    if mine:  # filled (their codes came) or failed (their money went back)
        lines.append(t("mygroups-filled" if group.status == "filled" else "mygroups-failed"))
        return [SendText("\n".join(lines), buttons=(
            (Button(t("mygroups-button"), data=MyGroups().pack()),),))]
    if group.open_at(now):
        lines.append(progress_text(t, group, now))
        join_button = Button(t("group-join-this", price=format_money(
            group.price, group.currency, req.lang)), data=GroupJoin(group.id).pack())
        return [SendText("\n".join(lines), buttons=((join_button,), details))]
    if group.status == "filled":
        why = t("group-view-filled")
    elif group.status == "open" and group.held >= group.size and group.closes_at > now:
        why = t("group-refused-group-full")  # every seat held: some are still paying
    else:
        why = t("group-refused-group-closed")
    return [SendText("\n".join(lines)), *await elsewhere(req, group.deal_id, why)]


# ------------------------------------------------------------------ the news


@renders("group_joined")
async def _owed_group_joined(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed "group_joined": the payer is in the group, which is not full yet: who is
    in, how many are missing, the time left and the link to share (nothing if the group
    is gone)."""
    group = await group_view(app.db, int(params["group_id"]))
    profile = await get_profile_by_telegram_id(app.db, chat_id)
    if group is None or profile is None:
        return []
    t = await translator_for(app, chat_id)
    now = app.clock()
    title = group.deal_title.get(t.lang)
    lines = [t("group-joined", title=title, offer=offer_text(t, group))]
    rows: list[tuple[Button, ...]] = []
    if group.status == "open":
        link = await share_link(app, profile.id, group.id)
        lines += [progress_text(t, group, now),
                  t("group-members", names=names_text(t, group.members)),
                  "", t("group-joined-share", size=str(group.size), link=link)]
        rows.append((share_button(t, link, title),))
    else:  # it filled (the codes follow) or closed (the refund's news follows) meanwhile
        lines.append(t("group-joined-filled" if group.status == "filled"
                       else "group-joined-closed"))
    rows.append((Button(t("mygroups-button"), data=MyGroups().pack()),))
    return [SendText("\n".join(lines), buttons=tuple(rows))]


# ------------------------------------------------------------------ /mygroups


@router.command("mygroups", role=Role.SHOPPER)
async def mygroups(req: Request) -> Reply:
    """The shopper's groups, open ones first: the deal, where it stands (还差N人, time
    left / 已成团 / 未成团 已退款), who is in so far, the share link of an open one and
    "Leave & refund" for a paid seat still waiting."""
    t, now = req.t, req.now()
    groups = await my_groups(req.db, req.user.id, now)
    if not groups:
        return SendText(t("mygroups-none"), buttons=((Button(t("menu-search"),
                                                             data=MenuChoice("search").pack()),),))
    lines = [t("mygroups-title", count=str(len(groups)))]
    rows: list[tuple[Button, ...]] = []
    code: str | None = None
    for number, mine in enumerate(groups, start=1):
        group = mine.group
        title = group.deal_title.get(req.lang)
        lines += ["", t("mygroups-line", number=str(number), title=title,
                        offer=offer_text(t, group)), _standing(t, mine, now)]
        if group.members or group.status == "open":
            lines.append(t("group-members", names=names_text(t, group.members)))
        if group.status == "open" and mine.order_status in ("pending", "paid"):
            code = code or await referral_code_of(req.db, req.user.id)
            link = start_link(req.app.options.bot_username, group_payload(group.id, code))
            lines.append(t("mygroups-link", link=link))
        if group.status == "open" and mine.order_status == "paid":
            rows.append((Button(short_label(t("group-leave-button", number=str(number),
                                              title=title), LABEL_MAX),
                                data=GroupLeaveAsk(mine.order_id).pack()),))
    return SendText("\n".join(lines), buttons=tuple(rows))


def _standing(t: Translator, mine: MyGroup, now: datetime) -> str:
    """Where one of the shopper's groups stands, for them."""
    group, status = mine.group, mine.order_status
    if status == "refunded":
        return t("mygroups-failed" if group.status == "failed" else "mygroups-left")
    if group.status == "filled":
        return t("mygroups-filled")
    if group.status == "failed":
        return t("mygroups-failed")
    progress = progress_text(t, group, now)
    return t("mygroups-unpaid", progress=progress) if status == "pending" \
        else t("mygroups-open", progress=progress)


@router.button(MyGroups, role=Role.SHOPPER)
async def mygroups_button(req: Request, press: MyGroups) -> list[Reply]:
    """/mygroups from a button (the news of joining, "keep my seat")."""
    return [answer_press(req), await mygroups(req)]


@router.intent("my_groups", role=Role.SHOPPER)
async def my_groups_intent(req: Request, intent: Intent, text: str) -> Reply:
    """"我的拼团" / "my group buys": as /mygroups."""
    return await mygroups(req)


# ------------------------------------------------------------------ leaving


@router.button(GroupLeaveAsk, role=Role.SHOPPER)
async def leave_ask(req: Request, press: GroupLeaveAsk) -> list[Reply]:
    """"Leave & refund": what leaving gives back, to confirm."""
    t = req.t
    order = await get_order(req.db, press.order_id)
    if order is None or order.user_id != req.user.id or order.group_id is None \
            or order.status != "paid":
        return [answer_press(req), SendText(t("group-leave-nothing"))]
    amount = format_money(order.total, order.currency, req.lang)
    text = t("group-leave-ask", title=order.deal_title.get(req.lang), amount=amount)
    return [answer_press(req), SendText(text, buttons=(
        (Button(t("group-leave-yes", amount=amount), data=GroupLeave(order.id).pack()),),
        (Button(t("group-leave-no"), data=MyGroups().pack()),)))]


@router.button(GroupLeave, role=Role.SHOPPER)
async def leave(req: Request, press: GroupLeave) -> list[Reply]:
    """Yes, leave: the seat is freed and the payment refunded, answered here (once: a
    second tap finds nothing to leave)."""
    t, now = req.t, req.now()
    left = await leave_group(req.db, req.user.id, press.order_id, now)
    if left.outcome == "left" and left.refund_id is not None:
        done = await carry_out(req.db, left.refund_id, req.app.payments.refund, now,
                               tell_buyer=False)
        key = "group-left-done" if done is not None and done.status == "done" \
            else "group-left-pending"
        text = t(key, amount=format_money(left.amount, left.currency, req.lang))
    else:
        text = t("group-leave-filled" if left.outcome == "filled" else "group-leave-nothing")
    event = req.incoming.event
    if isinstance(event, ButtonPress) and event.message_id is not None:
        return [answer_press(req), EditText(event.message_id, text)]
    return [answer_press(req), SendText(text)]
