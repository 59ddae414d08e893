"""The Mini App's Telegram parts in a real browser (headless chromium at 360 px, the real
telegram-web-app.js, a recorded Telegram app around it, the Bot API stand-in behind the
web server): Buy with Telegram Payments opens Telegram's invoice (openInvoice) and the
page says how it ended; deal photos from Telegram on the cards and the detail view, the
category emoji where a photo cannot be shown; stores nearest first once Telegram's
LocationManager gives a place; a direct link's start parameter opens its deal."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import update
from sqlmodel import select

from bot.web import serve_on_free_port
from handlers.router import App
from services.catalog.storefront import shop_header
from services.payments import Payments
from services.payments.telegram import TelegramProvider
from services.platform.users import ensure_user
from standins import BotApiStandin
from storage.models import Deal, Order
from tests.browser.conftest import ARTIFACTS, Served
from tests.browser.test_miniapp_browser import events, shot, telegram_sends, until
from tests.helpers.miniapp import TOKEN, miniapp_runtime

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db", ["sqlite"], indirect=True)]

CAT = 7_400_001
KUAIAN = {"latitude": 26.02510, "longitude": 119.41930}  # at Haidilao's Kuai'an store


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        yield server


@pytest.fixture
async def served(app: App, telegram: BotApiStandin, tmp_path: Path) -> AsyncIterator[Served]:
    """The bot's web server paying through Telegram, its Bot API the stand-in."""
    runtime = miniapp_runtime(app, api_base=telegram.base_url,
                              miniapp_photo_dir=str(tmp_path / "photos"))
    runtime.app.payments = Payments("telegram", {"telegram": TelegramProvider()})
    sent: list[tuple[int, list[Any]]] = []

    async def outbox(chat_id: int, replies: list[Any]) -> int:
        sent.append((chat_id, replies))
        return len(replies)

    runtime.outbox = outbox  # type: ignore[assignment]
    runner, url = await serve_on_free_port(runtime)
    yield Served(url, runtime, sent)
    await runner.cleanup()


def picture(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1280, 720), colour).save(out, "JPEG")
    return out.getvalue()


async def haidilao_deals(app: App) -> list[int]:
    header = await shop_header(app.db, "haidilao")
    assert header is not None
    async with app.db.session() as session:
        deals = (await session.exec(select(Deal).where(Deal.merchant_id == header.merchant_id)
                                    .order_by(Deal.sold.desc(), Deal.id))).all()  # type: ignore[attr-defined]
    return [d.id for d in deals if d.id is not None]


async def test_buying_with_telegram_payments_opens_telegrams_invoice(
        app: App, served: Served, telegram: BotApiStandin, phone: Any) -> None:
    page = phone
    await page.goto(served.shop("haidilao", served.launch(CAT, lang="en")))
    await page.wait_for_selector("html.in-telegram")
    await page.locator("a.deal-link").first.click()
    await page.wait_for_selector("#detail:not([hidden]) .deal-detail")
    await telegram_sends(page, "main_button_pressed")
    await until(page, "window.__events.some(e => e[0] === 'web_app_open_invoice')")
    [opened] = await events(page, "web_app_open_invoice")
    invoice = telegram.invoice_links[opened["slug"]]
    buyer = await ensure_user(app.db, CAT)
    async with app.db.session() as session:
        order = (await session.exec(select(Order).where(Order.user_id == buyer.id))).one()
    assert invoice["payload"] == order.provider_ref and order.status == "pending"
    assert await events(page, "web_app_open_link") == []  # no page of ours to pay on
    assert served.sent == []  # and no invoice in the chat

    # Telegram's payment sheet closes: the page says how it ended.
    await telegram_sends(page, "invoice_closed", {"slug": opened["slug"], "status": "paid"})
    await until(page, "document.querySelector('#status').textContent.startsWith('Paid!')")


async def test_deal_photos_from_telegram_and_the_emoji_where_none_can_be_shown(
        app: App, served: Served, telegram: BotApiStandin, phone: Any) -> None:
    first, second, *_ = await haidilao_deals(app)
    async with app.db.transaction() as session:
        await session.exec(update(Deal).where(Deal.id == first).values(  # type: ignore[arg-type]
            photo=telegram.store_file(picture("tomato"), "photos/pot.jpg")))
        await session.exec(update(Deal).where(Deal.id == second).values(  # type: ignore[arg-type]
            photo=telegram.store_file(b"GIF89a not really", "photos/bad.jpg")))
    page = phone
    await page.goto(served.shop("haidilao", served.launch(CAT, lang="en")))
    await page.wait_for_selector("html.in-telegram")
    shown = f"a[data-deal='{first}'] img.photo"
    await until(page, f"(document.querySelector(\"{shown}\") || {{}}).naturalWidth > 0")
    # The broken one is taken away: its emoji shows.
    await until(page, f"!document.querySelector(\"a[data-deal='{second}'] img\")")
    assert await page.locator(f"a[data-deal='{second}'] .tile").inner_text() == "🍲"
    await shot(page, "shop-photos-360-light")
    await page.locator(f"a[data-deal='{first}']").click()
    await page.wait_for_selector("#detail:not([hidden]) .deal-detail")
    await until(page, "(document.querySelector('.tile.big img') || {}).naturalWidth === 720")
    await shot(page, "deal-photo-360-light")
    assert (ARTIFACTS / "deal-photo-360-light.png").exists()


async def test_stores_nearest_first_once_telegram_gives_a_place(
        served: Served, phone: Any) -> None:
    page = phone
    await page.goto(served.shop("haidilao", served.launch(CAT, lang="en"),
                                query="?lang=en"))
    await page.wait_for_selector("html.in-telegram")
    await until(page, "window.__events.some(e => e[0] === 'web_app_check_location')")
    stores = page.locator("#stores li strong")
    assert await stores.all_inner_texts() == ["Haidilao (Mawei Wanda)", "Haidilao (Kuai'an)"]
    assert await page.locator("#near-me").is_hidden()  # not before Telegram answers
    await telegram_sends(page, "location_checked", {"available": True,
                                                   "access_requested": False})
    await page.wait_for_selector("#near-me:not([hidden])")
    await page.click("#near-me")  # asking for the place is the shopper's choice
    await until(page, "window.__events.some(e => e[0] === 'web_app_request_location')")
    # Telegram asked the shopper, who allowed it.
    await telegram_sends(page, "location_checked", {"available": True, "access_requested": True,
                                                   "access_granted": True})
    await telegram_sends(page, "location_requested", {"available": True, **KUAIAN})
    await page.wait_for_selector("#by-distance:not([hidden])")
    assert await stores.all_inner_texts() == ["Haidilao (Kuai'an)", "Haidilao (Mawei Wanda)"]
    distances = await page.locator("#stores .distance").all_inner_texts()
    assert distances[0] == "0 m away" and distances[1].endswith("km away")
    assert await page.locator("#near-me").is_hidden()


async def test_a_direct_link_opens_on_the_deal_its_start_parameter_names(
        app: App, served: Served, phone: Any) -> None:
    deal = (await haidilao_deals(app))[1]
    page = phone
    launch = served.launch(CAT, lang="en", start_param=f"deal_{deal}")
    await page.goto(served.shop("haidilao", launch))
    await page.wait_for_selector("#detail:not([hidden]) .deal-detail")
    assert await page.get_attribute(".deal-detail", "data-deal") == str(deal)
    main = await events(page, "web_app_setup_main_button")
    assert main[-1]["is_visible"] is True
