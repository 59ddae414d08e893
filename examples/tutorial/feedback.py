"""Feedback, the tutorial's flow module: a shopper rates a shop and comments on it,
and the shop's owner reads what shoppers wrote.

  /feedback NAME   (shopper) rate the shop called NAME: tap 1-5 stars, then comment
  /reviews         (owner)   the latest feedback on the owner's shop, newest first

Buttons (each a declared class below; the router checks its role on every press):
  fbstar:<merchant>:<stars>   a star under the rating question
  fbmore:<review>             the owner's "older" button: the feedback before that one

examples/tutorial/README.md walks through this file from top to bottom.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from examples.tutorial.store import (
    COMMENT_MAX,
    SHOPS_SHOWN,
    add_feedback,
    comment_problem,
    find_shops,
    latest_reviews,
)
from handlers.buttons import Payload
from handlers.common import stale_replies
from handlers.core import Button, Reply, SendText
from handlers.format import local_date, short_label
from handlers.i18n import Catalog
from handlers.roles import Role
from handlers.router import Request, Router

router = Router()

# ---------------------------------------------------------------- translations

LOCALES = Path(__file__).parent / "locales"  # locales/{zh,en}/feedback.ftl


@cache
def _catalog(lang: str) -> Catalog:
    return Catalog(lang, LOCALES)


def tr(req: Request, key: str, /, **args: Any) -> str:
    """The tutorial's message `key` in the user's language (`req.t` reads only the
    assistant's own catalogs)."""
    text = _catalog(req.t.lang).format(key, args)
    return text if text is not None else key


# ---------------------------------------------------------------- button data


class Stars(Payload, prefix="fbstar"):
    """A star button under the rating question: this many stars for this shop."""

    merchant_id: int
    stars: int


class Older(Payload, prefix="fbmore"):
    """The owner's "older feedback" button: the page after review `before`."""

    before: int


# ---------------------------------------------------------------- the shopper's flow

FLOW = "feedback"
feedback = router.flow(FLOW, role=Role.SHOPPER)  # its steps: "stars", then "comment"


@router.command("feedback", role=Role.SHOPPER)
async def feedback_command(req: Request) -> Reply:
    """`/feedback 海底捞`: find the shop, then ask for its stars."""
    words = req.args
    if not words:
        return SendText(tr(req, "feedback-usage"))
    shops = await find_shops(req.db, words)
    if not shops:
        return SendText(tr(req, "feedback-no-shop", words=short_label(words, 30)))
    if len(shops) > 1:
        names = ", ".join(shop.name.get(req.lang) for shop in shops[:SHOPS_SHOWN])
        return SendText(tr(req, "feedback-which-shop", words=short_label(words, 30),
                           names=names))
    shop = shops[0]
    await req.enter_flow(FLOW, "stars", merchant_id=shop.merchant_id,
                         shop=shop.name.get(req.lang))
    return ask_stars(req)


def ask_stars(req: Request) -> SendText:
    """The rating question, with one button per number of stars."""
    assert req.state is not None
    merchant_id = req.state.data["merchant_id"]
    buttons = tuple(
        Button(tr(req, "feedback-star-button", stars=n), data=Stars(merchant_id, n).pack())
        for n in range(1, 6)
    )
    return SendText(tr(req, "feedback-ask-stars", shop=req.state.data["shop"]),
                    buttons=(buttons,))


@router.button(Stars, role=Role.SHOPPER)
async def star_pressed(req: Request, button: Stars) -> Reply | list[Reply]:
    """A star button: the rating, if it belongs to the question being asked."""
    state = req.state
    if (state is None or state.flow != FLOW or state.step != "stars"
            or state.data["merchant_id"] != button.merchant_id or not 1 <= button.stars <= 5):
        return stale_replies(req)  # an old question's button, or a forged one
    return await ask_comment(req, button.stars)


@feedback.step("stars")
async def stars_typed(req: Request) -> list[Reply]:
    """Something typed at the rating question: a digit 1-5 counts as a tap."""
    typed = unicodedata.normalize("NFKC", req.text).strip()  # "５" from a Chinese keyboard
    if typed in ("1", "2", "3", "4", "5"):
        return [await ask_comment(req, int(typed))]
    # The state is left as it is, so the router adds the "/cancel leaves" line.
    return [SendText(tr(req, "feedback-stars-tap")), ask_stars(req)]


async def ask_comment(req: Request, stars: int) -> SendText:
    """Move on to the comment step, keeping the stars."""
    assert req.state is not None
    await req.enter_flow(FLOW, "comment", **{**req.state.data, "stars": stars})
    return SendText(tr(req, "feedback-ask-comment", stars=stars, shop=req.state.data["shop"],
                       max=COMMENT_MAX))


@feedback.step("comment")
async def comment_typed(req: Request) -> SendText:
    """The comment: saved when it is usable, else said why and asked again."""
    assert req.state is not None
    comment = req.text  # "" for a photo, a location or a file
    problem = comment_problem(comment)
    if problem == "empty":
        return SendText(tr(req, "feedback-comment-empty", max=COMMENT_MAX))
    if problem == "too-long":
        return SendText(tr(req, "feedback-comment-too-long", length=len(comment.strip()),
                           max=COMMENT_MAX))
    if problem == "no-words":
        return SendText(tr(req, "feedback-comment-no-words"))
    data = req.state.data
    await add_feedback(req.db, data["merchant_id"], req.user.id, data["stars"], comment,
                       req.now())
    await req.leave_flow()
    return SendText(tr(req, "feedback-thanks", shop=data["shop"]))


# ---------------------------------------------------------------- the owner's list


@router.command("reviews", role=Role.OWNER)
async def reviews_command(req: Request) -> SendText:
    """`/reviews`: the newest feedback on the owner's shop."""
    return await reviews_page(req, before=None)


@router.button(Older, role=Role.OWNER)
async def older_pressed(req: Request, button: Older) -> SendText:
    """The "older" button: the page after the review it names."""
    return await reviews_page(req, before=button.before)


async def reviews_page(req: Request, before: int | None) -> SendText:
    """One page of feedback on the shop of `req.seller` (loaded by Role.OWNER: the
    shop is never taken from the button, so a forged one shows nobody else's)."""
    assert req.seller is not None
    shop = req.seller.name.get(req.lang)
    page = await latest_reviews(req.db, req.seller.merchant_id, before=before,
                                limit=req.app.options.page_size)
    if not page.reviews:
        return SendText(tr(req, "reviews-none" if before is None else "reviews-no-more",
                           shop=shop))
    lines = [tr(req, "reviews-title", shop=shop)]
    for review in page.reviews:
        lines.append(tr(req, "reviews-line", stars="★" * review.stars + "☆" * (5 - review.stars),
                        date=local_date(review.created_at, req.user.timezone),
                        comment=review.comment))
    buttons: tuple[tuple[Button, ...], ...] = ()
    if page.more:
        older = Older(before=page.reviews[-1].id)
        buttons = ((Button(tr(req, "reviews-older"), data=older.pack()),),)
    return SendText("\n".join(lines), buttons=buttons)
