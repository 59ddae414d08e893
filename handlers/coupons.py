"""Coupons in the chat: the wallet (`/coupons`), claiming on a storefront, and the
merchant's `/coupon` (list, pause / resume / end, welcome gift, and `/coupon new`).

`/coupon new 满100减20 | 7天 | 100张 | 每人1张` goes straight to a preview; `/coupon new`
alone asks terms -> validity -> quantity -> per-person limit, each answer checked where
it is given, then the same preview with Publish / Cancel. The preview shows what the
coupon does to the owner's deals (`services.marketing.coupons.templates.impact_on`):
a coupon that takes any of them below the floor (`Options.coupon_floor_percent` of the
price, and never to nothing) is warned about, and Publish then asks a second time
("sure") before anything is made. An amount off with no minimum spend worth every
deal's price is refused.

Buttons (declared in `handlers.payloads`):
  CouponClaim           cc:<template>: claim a coupon (shown on the merchant's storefront)
  NewCouponChoice       cpn:<what>[:<number>]: a choice inside `/coupon new` (days,
                        unlimited, limit, ok, sure, x)
  CouponTemplateAction  cpt:<template>:<action>: pause / resume / end / welcome /
                        unwelcome a template
The wallet and claiming are a shopper's; `/coupon`, its conversation and its buttons an
approved merchant's owner's (the router checks, on every press). Each press is checked
again against what it acts on (the template is the owner's, the step, what is left).
The checkout's "change coupon" buttons live with the order, in `handlers.checkout`.
"""

from __future__ import annotations

import secrets
from typing import Any

from handlers.common import stale_replies
from handlers.core import AnswerButton, Button, ButtonPress, Reply, SendText, Text, keyboard_rows
from handlers.format import (
    LABEL_MAX,
    local_date,
    short_label,
    terms_text,
)
from handlers.i18n import Translator
from handlers.payloads import CouponClaim, CouponTemplateAction, NewCouponChoice, OpenStorefront
from handlers.roles import Role, owner_refusal, refusal_reply
from handlers.router import Request, Router
from services.catalog.deal_cards import Bilingual
from services.marketing.coupons.parsing import (
    CouponInputError,
    parse_coupon,
    parse_per_user,
    parse_quantity,
    parse_terms,
    parse_valid_days,
)
from services.marketing.coupons.templates import (
    CouponImpact,
    CouponTemplateStatus,
    TemplateView,
    claimable_templates,
    coupon_impact,
    create_template,
    list_templates,
    set_template_status,
    set_welcome,
)
from services.marketing.coupons.terms import CouponKind, CouponTerms
from services.marketing.coupons.wallet import claim, claims_of, wallet
from services.merchants.deals import Seller, seller_of
from services.platform.merchant_input import VALID_DAYS_MAX
from services.platform.money import format_money

router = Router()
FLOW = "coupon"
STEPS = ("terms", "valid_days", "total_quantity", "per_user_limit")
DAY_CHOICES = (7, 30, 90)
LIMIT_CHOICES = (1, 2, 5)

new_coupon_flow = router.flow(FLOW, role=Role.OWNER, area="coupon", draft=True)


# --------------------------------------------------------------------------- wallet


@router.command("coupons", role=Role.SHOPPER)
async def coupons_command(req: Request) -> list[Reply]:
    """The wallet: each usable coupon with its shop, terms and last day."""
    t = req.t
    coupons = await wallet(req.db, req.user.id, req.now())
    if not coupons:
        return [SendText(t("coupons-empty"))]
    lines = [t("coupons-title", count=len(coupons))]
    shops: dict[str, str] = {}
    for coupon in coupons:
        merchant = coupon.merchant_name.get(req.lang)
        line = t("coupons-line", merchant=merchant, terms=terms_text(t, coupon.terms),
                 until=local_date(coupon.valid_until, req.user.timezone))
        if coupon.status == "held":
            line += " " + t("coupons-held")
        lines.append(line)
        shops.setdefault(coupon.merchant_slug, merchant)
    buttons = [Button(t("coupons-shop-button", merchant=name), data=OpenStorefront(slug).pack())
               for slug, name in list(shops.items())[:10]]
    return [SendText("\n".join(lines), buttons=keyboard_rows(buttons, 2))]


# --------------------------------------------------------------------------- claiming


async def storefront_coupons(req: Request, merchant_id: int) -> tuple[list[str], list[Button]]:
    """The lines and Claim buttons a storefront shows for the merchant's open coupons."""
    t = req.t
    templates = await claimable_templates(req.db, merchant_id, req.now())
    if not templates:
        return [], []
    lines = [t("coupon-storefront-title")]
    buttons: list[Button] = []
    for template in templates:
        words = terms_text(t, template.terms)
        total = template.terms.total_quantity
        left = t("coupon-storefront-left", left=str(total - template.claimed)) \
            if total is not None else ""
        lines.append(t("coupon-storefront-line", terms=words,
                       days=str(template.terms.valid_days), left=left))
        buttons.append(Button(short_label(t("coupon-claim-button", terms=words), LABEL_MAX),
                              data=CouponClaim(template.id).pack()))
    return lines, buttons


@router.button(CouponClaim, role=Role.SHOPPER)
async def claim_button(req: Request, press: CouponClaim) -> list[Reply]:
    """Claim pressed on a storefront: one coupon into the wallet.

    One claim per button: the key is the template, the person and the message the
    button is on (`claim:<t>:<user>:m<message>`), so however many taps reach us, and
    however far apart, that button gives one coupon; another coupon of the same
    template (up to the per-person limit) comes from a freshly shown storefront.
    Without a message id the key is the claim number (`claim:<t>:<user>:<n>`, n =
    coupons of it they had + 1), which only catches taps that overlap."""
    template_id, t = press.template_id, req.t
    event = req.incoming.event
    message_id = event.message_id if isinstance(event, ButtonPress) else None
    query_id = event.query_id if isinstance(event, ButtonPress) else None
    if message_id is not None:
        key = f"claim:{template_id}:{req.user.id}:m{message_id}"
    else:
        had = await claims_of(req.db, req.user.id, template_id)
        key = f"claim:{template_id}:{req.user.id}:{had + 1}"
    result = await claim(req.db, req.user.id, template_id, req.now(), key=key, source="claim")
    if result.outcome == "unknown":
        return stale_replies(req)
    coupon = result.coupon
    if result.outcome == "claimed" and coupon is not None:
        text = t("coupon-claimed", terms=terms_text(t, coupon.terms),
                 until=local_date(coupon.valid_until, req.user.timezone))
    else:
        text = t(f"coupon-claim-{result.outcome}")
    return [AnswerButton(query_id or "", text[:200]), SendText(text)]


# --------------------------------------------------------------------------- /coupon


def _seller(req: Request) -> Seller:
    """The merchant the owner hands coupons out for (loaded by the owner role)."""
    assert req.seller is not None, "owner routes load the seller"
    return req.seller


def _problem(t: Translator, error: CouponInputError) -> str:
    return t(f"coupon-bad-{error.reason}", **{k: str(v) for k, v in error.args_.items()})


@router.command("coupon", role=Role.OWNER, area="coupon")
async def coupon_command(req: Request) -> list[Reply]:
    """The owner's templates with their buttons; `/coupon new ...` makes one."""
    head, _, rest = req.args.strip().partition(" ")
    if head.lower() in ("new", "新建", "add"):
        return await _new(req, rest.strip())
    return await _templates(req)


async def _templates(req: Request, note: str = "") -> list[Reply]:
    t = req.t
    templates = await list_templates(req.db, req.user.id) or []
    if not templates:
        return [SendText((note + "\n\n" if note else "") + t("coupon-list-none"))]
    lines = [note, ""] if note else []
    lines.append(t("coupon-list-title", count=len(templates)))
    rows: list[tuple[Button, ...]] = []
    for number, template in enumerate(templates[:10], start=1):
        lines.append(_template_line(t, number, template))
        rows.extend(_template_buttons(t, number, template))
    lines += ["", t("coupon-list-hint")]
    return [SendText("\n".join(lines), buttons=tuple(rows))]


def _template_line(t: Translator, number: int, template: TemplateView) -> str:
    terms = template.terms
    return t("coupon-list-line", number=str(number), terms=terms_text(t, terms),
             status=t(f"coupon-status-{template.status}"), claimed=str(template.claimed),
             quantity=(str(terms.total_quantity) if terms.total_quantity is not None
                       else t("coupon-unlimited")),
             used=str(template.used), days=str(terms.valid_days),
             limit=str(terms.per_user_limit),
             welcome=t("coupon-list-welcome") if template.welcome else "")


def _template_buttons(t: Translator, number: int,
                      template: TemplateView) -> list[tuple[Button, ...]]:
    if template.status == CouponTemplateStatus.ENDED:
        return []
    n, tid = str(number), template.id
    row: list[Button] = []
    if template.status == CouponTemplateStatus.ACTIVE:
        row.append(Button(t("coupon-action-pause", number=n),
                          data=CouponTemplateAction(tid, "pause").pack()))
    elif template.status == CouponTemplateStatus.PAUSED:
        row.append(Button(t("coupon-action-resume", number=n),
                          data=CouponTemplateAction(tid, "resume").pack()))
    row.append(Button(t("coupon-action-end", number=n),
                      data=CouponTemplateAction(tid, "end").pack()))
    if template.welcome:
        row.append(Button(t("coupon-action-unwelcome", number=n),
                          data=CouponTemplateAction(tid, "unwelcome").pack()))
    elif template.status != CouponTemplateStatus.EXHAUSTED:
        row.append(Button(t("coupon-action-welcome", number=n),
                          data=CouponTemplateAction(tid, "welcome").pack()))
    return [tuple(row)]


@router.button(CouponTemplateAction, role=Role.OWNER, area="coupon")
async def template_button(req: Request, press: CouponTemplateAction) -> list[Reply]:
    """Pause / resume / end a template, or make it (or stop it being) the welcome gift."""
    action, template_id = press.action, press.template_id
    if action in ("welcome", "unwelcome"):
        outcome = await set_welcome(req.db, req.user.id, template_id, action == "welcome")
        keys = {"done": f"coupon-{action}-done", "ended": "coupon-welcome-ended"}
    else:
        outcome = await set_template_status(req.db, req.user.id, template_id, action)
        keys = {"done": f"coupon-{action}-done", "already": "coupon-action-already"}
    if outcome not in keys:
        return stale_replies(req)
    return await _templates(req, req.t(keys[outcome]))


# --------------------------------------------------------------------------- /coupon new


async def _new(req: Request, args: str) -> list[Reply]:
    t = req.t
    token = secrets.token_hex(8)
    if args:
        try:
            terms = parse_coupon(args)
        except CouponInputError as error:
            return [SendText(_problem(t, error) + "\n" + t("coupon-one-line-usage"))]
        impact = await _impact(req, terms)
        if impact.too_big:
            return [SendText(_too_big(req, terms, impact) + "\n" + t("coupon-one-line-usage"))]
        await req.enter_flow(FLOW, "preview", token=token, **terms.as_data())
        return [_preview(req, terms, impact)]
    await req.enter_flow(FLOW, "terms", token=token)
    return [SendText(t("coupon-new-intro")), _ask(req, "terms")]


async def _impact(req: Request, terms: CouponTerms) -> CouponImpact:
    """What the coupon would do to the owner's deals, judged against the floor setting."""
    return await coupon_impact(req.db, _seller(req).merchant_id, terms, req.now(),
                               req.app.options.coupon_floor_percent, terms.currency)


def _too_big(req: Request, terms: CouponTerms, impact: CouponImpact) -> str:
    """Why an amount off with no minimum spend worth every deal's price is refused."""
    t, dearest = req.t, impact.dearest
    assert dearest is not None
    return t("coupon-bad-worth-every-deal", terms=terms_text(t, terms),
             title=dearest.title.get(req.lang),
             price=format_money(dearest.before, terms.currency, t.lang))


IMPACT_LINES = 5  # deals the preview lists, those the coupon cuts deepest first


def _impact_text(req: Request, terms: CouponTerms, impact: CouponImpact) -> str:
    """The coupon on the owner's deals: each deal's price before and after (⚠️ below the
    floor), the lowest price anybody would pay, and the warning."""
    t, cur = req.t, terms.currency
    if not impact.deals:
        return t("coupon-impact-no-deals")
    if terms.kind == CouponKind.FREE_ITEM:
        return t("coupon-impact-free-item")
    if not impact.effects:
        return t("coupon-impact-none-applies")
    lines = [t("coupon-impact-title")]
    for effect in impact.effects[:IMPACT_LINES]:
        lines.append(t("coupon-impact-line", title=effect.title.get(req.lang),
                       times=(t("coupon-impact-times", quantity=str(effect.quantity))
                              if effect.quantity > 1 else ""),
                       before=format_money(effect.before, cur, t.lang),
                       after=format_money(effect.after, cur, t.lang),
                       mark=" ⚠️" if effect.below_floor else ""))
    if len(impact.effects) > IMPACT_LINES:
        lines.append(t("coupon-impact-more", count=len(impact.effects) - IMPACT_LINES))
    cheapest = impact.cheapest
    assert cheapest is not None
    lines.append(t("coupon-impact-cheapest", after=format_money(cheapest.after, cur, t.lang),
                   title=cheapest.title.get(req.lang)))
    if impact.below_floor:
        lines.append(t("coupon-impact-warning", count=len(impact.below_floor),
                       percent=str(impact.floor_percent)))
    return "\n".join(lines)


def _ask(req: Request, step: str, problem: str = "") -> SendText:
    t = req.t
    buttons: list[Button] = []
    if step == "valid_days":
        buttons = [Button(t("coupon-days-button", days=str(d)),
                          data=NewCouponChoice("d", d).pack()) for d in DAY_CHOICES]
    elif step == "total_quantity":
        buttons = [Button(t("coupon-unlimited-button"), data=NewCouponChoice("u").pack())]
    elif step == "per_user_limit":
        buttons = [Button(str(n), data=NewCouponChoice("p", n).pack()) for n in LIMIT_CHOICES]
    question = {
        "terms": t("coupon-ask-terms"),
        "valid_days": t("coupon-ask-days", max=str(VALID_DAYS_MAX)),
        "total_quantity": t("coupon-ask-quantity"),
        "per_user_limit": t("coupon-ask-per-user"),
    }[step]
    text = f"{problem}\n{question}" if problem else question
    return SendText(text, buttons=keyboard_rows(buttons, 3))


def _answer(step: str, text: str, data: dict[str, Any]) -> dict[str, Any]:
    """The fields an answer at `step` sets (raises `CouponInputError`)."""
    if step == "terms":
        terms = parse_terms(text)
        return {k: v for k, v in terms.as_data().items()
                if k not in ("valid_days", "total_quantity", "per_user_limit")}
    if step == "valid_days":
        return {"valid_days": parse_valid_days(text)}
    if step == "total_quantity":
        return {"total_quantity": parse_quantity(text)}
    return {"per_user_limit": parse_per_user(text)}


async def _advance(req: Request, data: dict[str, Any], step: str) -> list[Reply]:
    """The next question, or the preview after the last one."""
    following = STEPS[STEPS.index(step) + 1:]
    if following:
        await req.enter_flow(FLOW, following[0], **data)
        return [_ask(req, following[0])]
    terms = _terms_of(data)
    if terms is None:
        await req.leave_flow()
        return stale_replies(req)
    await req.enter_flow(FLOW, "preview", **data)
    return [_preview(req, terms, await _impact(req, terms))]


def _terms_of(data: dict[str, Any]) -> CouponTerms | None:
    try:
        return CouponTerms.from_data(data)
    except (KeyError, ValueError, TypeError):
        return None


def _preview(req: Request, terms: CouponTerms, impact: CouponImpact) -> SendText:
    t = req.t
    quantity = (str(terms.total_quantity) if terms.total_quantity is not None
                else t("coupon-unlimited"))
    text = t("coupon-preview", terms=terms_text(t, terms), days=str(terms.valid_days),
             quantity=quantity, limit=str(terms.per_user_limit))
    text += "\n\n" + _impact_text(req, terms, impact)
    return SendText(text, buttons=((
        Button(t("coupon-create"), data=NewCouponChoice("ok").pack()),
        Button(t("coupon-cancel"), data=NewCouponChoice("x").pack())),))


def _confirm(req: Request, terms: CouponTerms, impact: CouponImpact) -> SendText:
    """The second question, after Publish on a preview that warned: is it really meant?"""
    t, cheapest = req.t, impact.cheapest
    assert cheapest is not None
    text = t("coupon-confirm", terms=terms_text(t, terms), count=len(impact.below_floor),
             percent=str(impact.floor_percent), title=cheapest.title.get(req.lang),
             after=format_money(cheapest.after, terms.currency, t.lang))
    return SendText(text, buttons=((
        Button(t("coupon-confirm-button"), data=NewCouponChoice("sure").pack()),
        Button(t("coupon-cancel"), data=NewCouponChoice("x").pack())),))


async def _check(req: Request, data: dict[str, Any], *, confirmed: bool) -> list[Reply]:
    """Publish pressed (or, `confirmed`, its second yes): the coupon is judged against
    the deals as they are now. Refused when too big; below the floor and not yet
    confirmed, the second question; otherwise published."""
    terms = _terms_of(data)
    if terms is None:
        await req.leave_flow()
        return stale_replies(req)
    impact = await _impact(req, terms)
    if impact.too_big:
        await req.leave_flow()
        return [SendText(_too_big(req, terms, impact))]
    if impact.below_floor and not confirmed:
        await req.enter_flow(FLOW, "confirm", **data)
        return [_confirm(req, terms, impact)]
    return await _publish(req, data)


@new_coupon_flow.step(*STEPS)
async def typed_answer(req: Request) -> list[Reply]:
    """A typed answer at the step the owner is at: the next question, or this one
    again with the reason."""
    state = req.state
    assert state is not None
    data, step = dict(state.data), state.step
    if not isinstance(req.incoming.event, Text):
        return [_ask(req, step, req.t("coupon-bad-not-text"))]
    try:
        data.update(_answer(step, req.text, data))
    except CouponInputError as error:
        return [_ask(req, step, _problem(req.t, error))]
    if step == "terms" and (terms := _terms_of(data)) is not None:
        impact = await _impact(req, terms)
        if impact.too_big:
            return [_ask(req, step, _too_big(req, terms, impact))]
    return await _advance(req, data, step)


@new_coupon_flow.step("preview", "confirm")
async def at_preview(req: Request) -> list[Reply]:
    """Anything sent at the preview (or its second question): shown again, judged
    against the deals as they are now (its buttons decide)."""
    state = req.state
    assert state is not None
    terms = _terms_of(dict(state.data))
    if terms is None:
        return stale_replies(req)
    impact = await _impact(req, terms)
    if state.step == "confirm" and impact.below_floor:
        return [_confirm(req, terms, impact)]
    return [_preview(req, terms, impact)]


@router.button(NewCouponChoice, role=Role.OWNER, area="coupon")
async def new_coupon_button(req: Request, press: NewCouponChoice) -> list[Reply]:
    """A shortcut inside `/coupon new`, or the preview's Publish / Cancel."""
    state, t = req.state, req.t
    if state is None or state.flow != FLOW:
        return stale_replies(req)
    what, number = press.what, press.number
    data, step = dict(state.data), state.step
    if what == "x":
        await req.leave_flow()
        return [SendText(t("coupon-cancelled"))]
    if what == "ok" and step in ("preview", "confirm"):
        return await _check(req, data, confirmed=False)
    if what == "sure" and step == "confirm":
        return await _check(req, data, confirmed=True)
    chosen: dict[str, Any] | None = None
    if what == "d" and step == "valid_days" and number in DAY_CHOICES:
        chosen = {"valid_days": number}
    elif what == "u" and step == "total_quantity":
        chosen = {"total_quantity": None}
    elif what == "p" and step == "per_user_limit" and number in LIMIT_CHOICES:
        chosen = {"per_user_limit": number}
    if chosen is None:
        return stale_replies(req)
    data.update(chosen)
    return await _advance(req, data, step)


async def _publish(req: Request, data: dict[str, Any]) -> list[Reply]:
    t = req.t
    terms = _terms_of(data)
    # Leaving the flow is the gate: of two taps on Publish only one finds the flow.
    if terms is None or not await req.leave_flow():
        return [SendText(t("coupon-created-already"))]
    title = Bilingual(terms_text(Translator("zh"), terms), terms_text(Translator("en"), terms))
    created = await create_template(req.db, req.user.id, terms, req.now(), title=title)
    if created == "too_big":  # a deal changed between the check and the write
        impact = await _impact(req, terms)
        return [SendText(_too_big(req, terms, impact))] if impact.too_big else stale_replies(req)
    if isinstance(created, str):  # the merchant's status changed since the role check
        seller = await seller_of(req.db, req.user.id)
        refused = owner_refusal(t, seller.status if seller else None, "coupon")
        return [refusal_reply(refused or t("coupon-owner-only"))]
    return await _templates(req, t("coupon-created", terms=terms_text(t, terms)))
