"""The owner's pushes to followers: `/campaign` lists them, `/campaign new` makes one.

`/campaign` shows the merchant's campaigns (offer, audience, schedule in the owner's
time zone, status, how many runs) with a Cancel button on each scheduled one, and a
New campaign button. A new campaign is one conversation ("campaign") asking one thing
at a time, buttons first and typing accepted:

  offer     which active coupon or deal on sale to promote
  audience  all followers / nearby / interested in the offer's category / lapsed
  radius    (nearby only) 1, 3 or 5 km, or typed: "2km", "800m", "2公里"
  when      now / in 10 minutes / tomorrow 11:00 / every Friday 11:00, or typed
  window    how long the pushes may take to reach everyone (1, 3, 6 or 12 hours)
  preview   who and how many, when, warnings: Confirm / Change / Cancel

A wrong answer is asked again with the reason; /cancel leaves at any point. The time is
kept as the merchant typed it and read again at the preview and at Confirm, so "now"
means the moment of confirming.

Buttons (declared in `handlers.payloads`):
  CampaignListAction  cmpl:new                  start a new campaign (under the list)
                      cmpl:c:<id>  cmpl:y:<id>  cancel a scheduled campaign (asks
                                                first) / cancel for sure
                      cmpl:n                    keep it
  CampaignChoice      cmp:o:c:<id> cmp:o:d:<id> promote this coupon template / deal
                      cmp:a:<audience>          all, nearby, interest, lapsed
                      cmp:r:<metres>            the nearby radius
                      cmp:w:<choice>            now, 10m, tmr, fri
                      cmp:win:<minutes>         the sending window
                      cmp:ok:<token>            confirm (works once: the token lives in
                                                the conversation)
                      cmp:chg  cmp:x            change the audience and on / drop it
Every route is an approved merchant's owner's: the router checks it on every press and
every answer (an owner whose merchant is suspended mid-conversation is told so, and the
conversation ends); the handlers check that what is pressed is still the owner's.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from handlers.common import stale_replies
from handlers.core import Button, Reply, SendText, Text, keyboard_rows
from handlers.dates import time_reader
from handlers.format import category_label, local_datetime, short_label
from handlers.i18n import Translator
from handlers.payloads import CampaignChoice, CampaignListAction
from handlers.roles import Role
from handlers.router import Request, Router
from services.catalog.geo import format_distance
from services.marketing.campaign_input import (
    AUDIENCES,
    DEFAULT_WINDOW,
    MAX_AHEAD,
    MAX_RADIUS_M,
    WINDOWS,
    CampaignInputError,
    Schedule,
    parse_audience,
    parse_radius,
    parse_schedule,
    parse_window,
)
from services.marketing.campaigns import (
    LAPSED_AFTER,
    CampaignDraft,
    CampaignPreview,
    CampaignView,
    Promotable,
    cancel_campaign,
    create_campaign,
    follower_count,
    list_campaigns,
    preview_campaign,
    promotable,
)
from services.merchants.deals import Seller
from services.platform.money import format_money

router = Router()
log = logging.getLogger(__name__)
FLOW = "campaign"
RADII = (1000, 3000, 5000)
# The "when" buttons, as the words parse_schedule reads.
WHEN_CHOICES = {"now": "now", "10m": "in 10 minutes", "tmr": "tomorrow 11:00",
                "fri": "every friday 11:00"}
NEW_WORDS = frozenset({"new", "create", "新建", "创建", "新"})
BUTTON_TITLE_MAX = 28
LIST_TITLE_MAX = 30
# Where a refused draft goes back to, by the refusal's reason.
STEP_OF_REASON = {
    "offer": "offer", "offer_gone": "offer", "audience": "audience",
    "audience_unknown": "audience", "no_stores": "audience", "empty_audience": "audience",
    "radius": "radius", "past": "when", "too_far": "when", "schedule": "when",
    "no_time": "when",
    "window": "window",
}

campaign_flow = router.flow(FLOW, role=Role.OWNER, area="campaign", draft=True)


def _seller(req: Request) -> Seller:
    """The merchant the owner pushes for (loaded by the route's owner role)."""
    assert req.seller is not None, "owner routes load the seller"
    return req.seller


def _picked(arg: str | None, choices: tuple[int, ...]) -> int | None:
    """The number of the button pressed, if it is one of those offered."""
    return next((n for n in choices if str(n) == arg), None)


# --------------------------------------------------------------------------- words


def _distance(metres: int) -> str:
    return f"{metres // 1000} km" if metres % 1000 == 0 else format_distance(metres)


def _audience_words(t: Translator, audience: str, radius_m: int | None,
                    category: str | None) -> str:
    """"All followers", "Followers within 3 km", "Followers into 🍲 Hotpot", ..."""
    if audience == "nearby" and radius_m is not None:
        return t("campaign-aud-nearby", distance=_distance(radius_m))
    if audience == "interest":
        return t("campaign-aud-interest", category=category_label(t.lang, category or ""))
    if audience == "lapsed":
        return t("campaign-aud-lapsed", days=LAPSED_AFTER.days)
    return t("campaign-aud-all")


def _rule_words(t: Translator, kind: str, weekday: int | None, local_time: int) -> str:
    """"每周五 11:00" / "every Friday 11:00" / "每天 11:00"; "" for a one-off."""
    clock = f"{local_time // 60:02d}:{local_time % 60:02d}"
    if kind == "weekly" and weekday is not None:
        return t("campaign-rule-weekly", weekday=t(f"campaign-weekday-{weekday}"), time=clock)
    if kind == "daily":
        return t("campaign-rule-daily", time=clock)
    return ""


def _schedule_words(t: Translator, view: CampaignView, timezone: str) -> str:
    """A listed campaign's schedule: its rule, or its moment in the owner's time zone."""
    return (_rule_words(t, view.schedule, view.weekday, view.local_time)
            or local_datetime(view.run_at, timezone))


def _offer_label(t: Translator, offer: Promotable) -> str:
    title = short_label(offer.title.get(t.lang) or t("campaign-untitled", number=str(offer.id)),
                   BUTTON_TITLE_MAX)
    if offer.kind == "coupon":
        return t("campaign-offer-coupon", title=title)
    return t("campaign-offer-deal", title=title,
             price=format_money(offer.price or 0, offer.currency, t.lang))


def _window_words(t: Translator, minutes: int) -> str:
    return t("campaign-window-hours", hours=minutes // 60)


def _problem(t: Translator, reason: str) -> str:
    return t(f"campaign-bad-{reason}", days=MAX_AHEAD.days, max_km=MAX_RADIUS_M // 1000)


# --------------------------------------------------------------------------- /campaign


@router.command("campaign", role=Role.OWNER, area="campaign")
async def campaign_command(req: Request) -> list[Reply]:
    """The owner's campaigns with Cancel and New buttons; `/campaign new` starts one."""
    if req.args.strip().lower() in NEW_WORDS:
        return await _start(req)
    return await _campaign_list(req)


async def _campaign_list(req: Request) -> list[Reply]:
    t = req.t
    views = await list_campaigns(req.db, req.user.id)
    new = Button(t("campaign-new-button"), data=CampaignListAction("new").pack())
    if not views:
        return [SendText(t("campaign-list-none"), buttons=((new,),))]
    lines = [t("campaign-list-title", count=len(views))]
    buttons: list[Button] = []
    for view in views:
        offer = short_label(view.offer.get(req.lang) or t("campaign-offer-gone"), LIST_TITLE_MAX)
        lines.append(t(
            "campaign-list-line", number=str(view.id), offer=offer,
            audience=_audience_words(t, view.audience, view.radius_m, view.category),
            schedule=_schedule_words(t, view, req.user.timezone),
            status=t(f"campaign-status-{view.status}"), runs=view.runs,
        ))
        if view.scheduled:
            buttons.append(Button(t("campaign-cancel-button", number=str(view.id)),
                                  data=CampaignListAction("c", view.id).pack()))
    return [SendText("\n".join(lines), buttons=(*keyboard_rows(buttons, 2), (new,)))]


@router.button(CampaignListAction, role=Role.OWNER, area="campaign")
async def campaign_list_button(req: Request, press: CampaignListAction) -> list[Reply]:
    """New campaign, or cancelling one of the list (asked first, then done once)."""
    t = req.t
    what, campaign_id = press.what, press.campaign_id
    if what == "new" and campaign_id is None:
        return await _start(req)
    if what == "n" and campaign_id is None:
        return [SendText(t("campaign-cancel-kept"))]
    if what not in ("c", "y") or campaign_id is None:
        return stale_replies(req)
    view = next((v for v in await list_campaigns(req.db, req.user.id) if v.id == campaign_id),
                None)
    if view is None:  # not one of this owner's campaigns
        return stale_replies(req)
    if what == "c":
        if not view.scheduled:
            return [SendText(t("campaign-not-scheduled", number=str(campaign_id)))]
        return [SendText(t("campaign-cancel-ask", number=str(campaign_id)),
                         buttons=((Button(t("campaign-cancel-yes"),
                                          data=CampaignListAction("y", campaign_id).pack()),
                                   Button(t("campaign-cancel-no"),
                                          data=CampaignListAction("n").pack())),))]
    if not await cancel_campaign(req.db, req.user.id, campaign_id):
        return [SendText(t("campaign-not-scheduled", number=str(campaign_id)))]
    if req.app.campaigns is not None:
        await req.app.campaigns.unschedule(campaign_id)
    return [SendText(t("campaign-cancel-done", number=str(campaign_id)))]


# --------------------------------------------------------------------------- the new campaign


async def _start(req: Request) -> list[Reply]:
    """Begin a new campaign at the offer step; without anything to promote, say how to
    make something."""
    coupons, deals = await promotable(req.db, req.user.id, req.now())
    if not coupons and not deals:
        return [SendText(req.t("campaign-nothing-to-promote"))]
    await req.enter_flow(FLOW, "offer")
    return [SendText(req.t("campaign-intro")), _offer_question(req, coupons, deals)]


def _offer_question(req: Request, coupons: list[Promotable], deals: list[Promotable],
                    problem: str = "") -> SendText:
    t = req.t
    buttons = [Button(_offer_label(t, offer),
                      data=CampaignChoice("o", "c" if offer.kind == "coupon" else "d",
                                          offer.id).pack())
               for offer in (*coupons, *deals)]
    text = t("campaign-ask-offer")
    return SendText(f"{problem}\n{text}" if problem else text, buttons=keyboard_rows(buttons))


async def _ask(req: Request, step: str, data: dict[str, Any], problem: str = "") -> list[Reply]:
    """Move to `step` and ask its question (after the reason the last answer was refused)."""
    t = req.t
    data.pop("token", None)  # only a shown preview can be confirmed
    await req.enter_flow(FLOW, step, **data)
    if step == "offer":
        coupons, deals = await promotable(req.db, req.user.id, req.now())
        if not coupons and not deals:
            await req.leave_flow()
            return [SendText("\n".join(filter(None, (problem,
                                                     t("campaign-nothing-to-promote")))))]
        return [_offer_question(req, coupons, deals, problem)]
    buttons: tuple[tuple[Button, ...], ...] = ()
    if step == "audience":
        category = category_label(req.lang, str(data.get("offer_category") or ""))
        buttons = keyboard_rows([
            Button(t("campaign-audience-all"), data=CampaignChoice("a", "all").pack()),
            Button(t("campaign-audience-nearby"), data=CampaignChoice("a", "nearby").pack()),
            Button(t("campaign-audience-interest", category=category),
                   data=CampaignChoice("a", "interest").pack()),
            Button(t("campaign-audience-lapsed", days=LAPSED_AFTER.days),
                   data=CampaignChoice("a", "lapsed").pack()),
        ])
    elif step == "radius":
        buttons = keyboard_rows([Button(_distance(r), data=CampaignChoice("r", str(r)).pack())
                                 for r in RADII], 3)
    elif step == "when":
        buttons = keyboard_rows([Button(t(f"campaign-when-{key}"),
                                        data=CampaignChoice("w", key).pack())
                                 for key in WHEN_CHOICES], 2)
    elif step == "window":
        buttons = keyboard_rows([
            Button(t("campaign-window-default" if minutes == DEFAULT_WINDOW
                     else "campaign-window-hours", hours=minutes // 60),
                   data=CampaignChoice("win", str(minutes)).pack())
            for minutes in WINDOWS], 4)
    text = t(f"campaign-ask-{step}", days=MAX_AHEAD.days, max_km=MAX_RADIUS_M // 1000)
    return [SendText(f"{problem}\n{text}" if problem else text, buttons=buttons)]


def _schedule(req: Request, text: str) -> Schedule:
    """The owner's typed time, read now in their time zone (the NLU reads what the
    service's own formats do not: "下周一早上10点", "next monday 10am")."""
    return parse_schedule(text, req.now(), req.user.timezone,
                          time_reader(req.now(), req.user.timezone))


def _draft_of(req: Request, data: dict[str, Any]) -> CampaignDraft:
    """The draft the conversation holds, its time read again now (CampaignInputError if
    it no longer makes a campaign)."""
    audience = str(data.get("audience", ""))
    return CampaignDraft(
        schedule=_schedule(req, str(data.get("when", ""))),
        audience=audience,
        template_id=data.get("template_id"), deal_id=data.get("deal_id"),
        radius_m=data.get("radius_m") if audience == "nearby" else None,
        category=data.get("offer_category") if audience == "interest" else None,
        window_minutes=int(data.get("window") or DEFAULT_WINDOW),
    )


async def _preview(req: Request, data: dict[str, Any]) -> list[Reply]:
    """Check the draft and show what confirming would do, or send the owner back to the
    step that needs another answer."""
    try:
        draft = _draft_of(req, data)
        preview = await preview_campaign(req.db, req.user.id, draft, req.now(),
                                         req.app.options.push_max_per_day)
    except CampaignInputError as error:
        return await _refused(req, data, error)
    data["token"] = secrets.token_hex(4)
    await req.enter_flow(FLOW, "preview", **data)
    t = req.t
    buttons = ((Button(t("campaign-confirm"), data=CampaignChoice("ok", data["token"]).pack()),),
               (Button(t("campaign-change"), data=CampaignChoice("chg").pack()),
                Button(t("campaign-drop"), data=CampaignChoice("x").pack())))
    return [SendText(_preview_text(req, draft, preview), buttons=buttons)]


def _preview_text(req: Request, draft: CampaignDraft, preview: CampaignPreview) -> str:
    t = req.t
    schedule = draft.schedule
    first = local_datetime(preview.first_run, req.user.timezone)
    rule = _rule_words(t, schedule.kind, schedule.weekday, schedule.local_time)
    lines = [
        t("campaign-preview-title"),
        t(f"campaign-preview-offer-{preview.offer_kind}", offer=preview.offer.get(req.lang)
          or t("campaign-untitled", number=str(draft.template_id or draft.deal_id or ""))),
        t("campaign-preview-audience",
          audience=_audience_words(t, draft.audience, draft.radius_m, preview.category),
          size=preview.audience_size, reachable=preview.reachable),
        t("campaign-preview-first", first=first) if not rule
        else t("campaign-preview-rule", rule=rule, first=first),
        t("campaign-preview-window", window=_window_words(t, draft.window_minutes)),
        t("campaign-window-explain"),
    ]
    lines += [f"⚠️ {t(f'campaign-warn-{key}', **args)}" for key, args in preview.warnings]
    return "\n".join(lines)


async def _refused(req: Request, data: dict[str, Any], error: CampaignInputError) -> list[Reply]:
    """A draft the service refused: the reason, and the question to answer again (or the
    end of the conversation when nothing can fix it here)."""
    t = req.t
    reason = error.reason
    if (reason == "empty_audience"
            and await follower_count(req.db, _seller(req).merchant_id) == 0):
        await req.leave_flow()
        return [SendText(t("campaign-bad-no_followers"))]
    step = STEP_OF_REASON.get(reason)
    if step is None:  # not_owner: the merchant changed status in the meantime
        await req.leave_flow()
        return [SendText(_problem(t, reason))]
    return await _ask(req, step, data, _problem(t, reason))


async def _after_audience(req: Request, data: dict[str, Any]) -> list[Reply]:
    return await _ask(req, "radius" if data["audience"] == "nearby" else "when", data)


Answer = Callable[[Request, dict[str, Any], str], Awaitable[list[Reply]]]


def _typed_answer(answer: Answer) -> Callable[[Request], Awaitable[list[Reply]]]:
    """A step that takes a typed answer (`answer(req, data, text)`): anything but text is
    asked again, and so is an answer the campaign rules refuse, with the reason."""
    @functools.wraps(answer)
    async def step(req: Request) -> list[Reply]:
        state, t = req.state, req.t
        assert state is not None
        data = dict(state.data)
        if not isinstance(req.incoming.event, Text):
            return await _ask(req, state.step, data, t("campaign-bad-not_text"))
        try:
            return await answer(req, data, req.text)
        except CampaignInputError as error:
            return await _ask(req, state.step, data, _problem(t, error.reason))

    return step


@campaign_flow.step("offer")
@_typed_answer
async def offer_typed(req: Request, data: dict[str, Any], text: str) -> list[Reply]:
    """The offer is chosen with its button: typing asks again."""
    return await _ask(req, "offer", data, req.t("campaign-bad-use_buttons"))


@campaign_flow.step("audience")
@_typed_answer
async def audience_typed(req: Request, data: dict[str, Any], text: str) -> list[Reply]:
    """Who gets the push, typed ("附近的粉丝", "all")."""
    data["audience"] = parse_audience(text)
    return await _after_audience(req, data)


@campaign_flow.step("radius")
@_typed_answer
async def radius_typed(req: Request, data: dict[str, Any], text: str) -> list[Reply]:
    """How near is nearby, typed ("2km", "800m", "2公里")."""
    data["radius_m"] = parse_radius(text)
    return await _ask(req, "when", data)


@campaign_flow.step("when")
@_typed_answer
async def when_typed(req: Request, data: dict[str, Any], text: str) -> list[Reply]:
    """When it goes out, typed; kept as typed and read again at the preview and at
    Confirm, so "now" is the moment of confirming."""
    _schedule(req, text)
    data["when"] = " ".join(text.split())[:100]
    return await _ask(req, "window", data)


@campaign_flow.step("window")
@_typed_answer
async def window_typed(req: Request, data: dict[str, Any], text: str) -> list[Reply]:
    """How long the pushes may take to reach everyone, typed ("3小时")."""
    data["window"] = parse_window(text)
    return await _preview(req, data)


@campaign_flow.step("preview")
async def at_preview(req: Request) -> list[Reply]:
    """Anything sent at the preview: the preview again, checked again (its buttons
    decide)."""
    assert req.state is not None
    return await _preview(req, dict(req.state.data))


@router.button(CampaignChoice, role=Role.OWNER, area="campaign")
async def campaign_button(req: Request, press: CampaignChoice) -> list[Reply]:
    """A choice inside the new-campaign conversation, or the preview's Confirm / Change /
    Cancel; a press that does not belong to the current step is stale."""
    state = req.state
    if state is None or state.flow != FLOW:
        return stale_replies(req)
    data, step = dict(state.data), state.step
    what, arg = press.what, press.arg
    if what == "o":
        if step == "offer" and arg in ("c", "d") and press.offer_id is not None:
            return await _choose_offer(req, data, arg, press.offer_id)
        return stale_replies(req)
    if press.offer_id is not None:  # only an offer carries an id
        return stale_replies(req)
    if what == "x" and arg is None:
        await req.leave_flow()
        return [SendText(req.t("campaign-dropped"))]
    if step == "audience" and what == "a" and arg in AUDIENCES:
        data["audience"] = arg
        return await _after_audience(req, data)
    if step == "radius" and what == "r" and (radius := _picked(arg, RADII)):
        data["radius_m"] = radius
        return await _ask(req, "when", data)
    if step == "when" and what == "w" and arg in WHEN_CHOICES:
        data["when"] = WHEN_CHOICES[arg]
        return await _ask(req, "window", data)
    if step == "window" and what == "win" and (window := _picked(arg, WINDOWS)):
        data["window"] = window
        return await _preview(req, data)
    if step == "preview" and what == "chg" and arg is None:
        return await _ask(req, "audience", data)
    if (step == "preview" and what == "ok" and arg and data.get("token")
            and secrets.compare_digest(str(data["token"]), arg)):
        return await _confirm(req, data)
    return stale_replies(req)


async def _choose_offer(req: Request, data: dict[str, Any], kind: str,
                        offer_id: int) -> list[Reply]:
    """The offer button: it must still be one of the merchant's promotable offers."""
    coupons, deals = await promotable(req.db, req.user.id, req.now())
    pool = {"c": coupons, "d": deals}.get(kind, [])
    chosen = next((offer for offer in pool if offer.id == offer_id), None)
    if chosen is None:
        return stale_replies(req)
    data.update(template_id=chosen.id if chosen.kind == "coupon" else None,
                deal_id=chosen.id if chosen.kind == "deal" else None,
                offer_category=chosen.category)
    return await _ask(req, "audience", data)


async def _confirm(req: Request, data: dict[str, Any]) -> list[Reply]:
    """Store the campaign once: leaving the conversation is the one-time ticket, so a
    second press of Confirm (even at the same instant) finds nothing to confirm."""
    if not await req.leave_flow():
        return stale_replies(req)
    try:
        draft = _draft_of(req, data)
        campaign_id = await create_campaign(req.db, req.user.id, draft, req.now(),
                                            req.app.options.push_max_per_day,
                                            report_chat_id=req.chat_id)
    except CampaignInputError as error:
        return await _refused(req, data, error)
    timer_set = await _set_timer(req, campaign_id)
    t = req.t
    first = local_datetime(max(draft.schedule.run_at, req.now()), req.user.timezone)
    rule = _rule_words(t, draft.schedule.kind, draft.schedule.weekday, draft.schedule.local_time)
    if not timer_set:
        key = "campaign-saved-timer-down-rule" if rule else "campaign-saved-timer-down-once"
        return [SendText(t(key, number=str(campaign_id), first=first, rule=rule))]
    if rule:
        return [SendText(t("campaign-scheduled-rule", number=str(campaign_id), first=first,
                           rule=rule))]
    return [SendText(t("campaign-scheduled-once", number=str(campaign_id), first=first))]


async def _set_timer(req: Request, campaign_id: int) -> bool:
    """Hand a stored campaign to the scheduler; False (logged) when its timer could not
    be set. The campaign stays stored and scheduled: housekeeping (every 30 s) and every
    start-up give each scheduled campaign without a timer one, and run a start still
    inside its window, so nothing is lost, only delayed."""
    if req.app.campaigns is None:
        return True
    try:
        await req.app.campaigns.schedule(campaign_id)
    except Exception:  # the scheduler is the boundary: its job store, its own bugs
        log.exception("campaign %s is stored but its timer could not be set; "
                      "housekeeping will set it", campaign_id)
        return False
    return True

